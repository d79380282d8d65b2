import type pino from 'pino';
import type { Bridge } from './bridges/bridge.js';
import { BridgeKeys } from './bridges/bridgeKeys.js';
import { LlmBridge } from './bridges/llmBridge.js';
import { LlmGateway } from './gateway/llm/llmGateway.js';
import { TunnelGovernanceUplink } from './governance/tunnelUplink.js';
import { AgentMetrics } from './metrics/agentMetrics.js';
import { startMetricsServer, type MetricsServer } from './metrics/metricsServer.js';
import type { RuntimeDriver } from './runtime/driver.js';
import { TunnelClient, type TunnelClientOptions } from './tunnel/tunnelClient.js';
import { Workspaces } from './workspaces/workspaces.js';

export interface AgentOptions extends Omit<TunnelClientOptions, 'workspaces'> {
  /** Where workspaces run (runtimeNamed(PADDOCK_RUNTIME) in the agent's main). */
  runtime: RuntimeDriver;
  log: pino.Logger;
  /** Where to serve /metrics, /healthz and /readyz (host:port; PADDOCK_AGENT_METRICS_ADDRESS); undefined: nowhere. */
  metricsAddress?: string;
}

export interface Agent {
  client: TunnelClient;
  workspaces: Workspaces;
  runtime: RuntimeDriver;
  llmGateway: LlmGateway;
  metrics: AgentMetrics;
  /** The governance decider's line to the portal (events, holds); `followHoldDecisions` routes the admins' decisions to it. */
  governanceUplink: TunnelGovernanceUplink;
  /** The metrics listener once started (start() resolves after it binds or fails to). */
  metricsServer: MetricsServer | undefined;
  start(): Promise<void>;
  /** Ends the agent as its process ending would: the tunnel closes, the bridges stop; workspaces run on. */
  stop(): Promise<void>;
}

/**
 * One agent: the tunnel client, the runtime it is given, and the bridges that
 * serve every workspace, built once for whichever runtime. The egress proxy
 * and the policy hook (issue 9) join `bridges` here.
 */
export function createAgent(options: AgentOptions): Agent {
  const { runtime, ...tunnel } = options;
  const llmGateway = new LlmGateway({ log: options.log.child({ component: 'llm-gateway' }) });
  const keys = new BridgeKeys(options.dataDir);
  const bridges: Bridge[] = [new LlmBridge(llmGateway, keys)];
  const workspaces = new Workspaces(runtime, bridges, keys);
  const client = new TunnelClient({ ...tunnel, workspaces });
  llmGateway.on('usage', (record) => client.reportUsage(record));
  const metrics = new AgentMetrics({ client, runtime, llmGateway });
  // The PolicyDecider (issue 9) reports and holds through this (made before the client, connected to it once
  // it exists), and takes the admins' decisions with followHoldDecisions(client, decider).
  const governanceUplink = new TunnelGovernanceUplink(options.log.child({ component: 'governance-uplink' })).connect(client);
  const agent: Agent = {
    client, workspaces, runtime, llmGateway, metrics, metricsServer: undefined, governanceUplink,
    start: async () => {
      client.start();
      if (!options.metricsAddress) return;
      try {
        agent.metricsServer = await startMetricsServer({ address: options.metricsAddress, metrics, readiness: () => readiness(client, runtime), log: options.log });
      } catch (err) {
        // Metrics are for the operator; the workspaces don't wait on them.
        options.log.warn({ err: (err as Error).message, address: options.metricsAddress }, 'the metrics address could not be bound; the agent runs without it');
      }
    },
    stop: async () => {
      await agent.metricsServer?.close();
      governanceUplink.flush();
      governanceUplink.close();
      await client.stop();
      // Until the next agent serves them again, a workspace's forwarder answers its tools 503.
      await workspaces.close();
    },
  };
  return agent;
}

/** Ready: connected to the portal, and the runtime answers (lists its workspaces) within 2 s. */
async function readiness(client: TunnelClient, runtime: RuntimeDriver): Promise<Record<string, string>> {
  let timer: NodeJS.Timeout | undefined;
  const runtimeCheck = await Promise.race([
    runtime.list().then(() => 'ok', (err: unknown) => `not usable: ${(err as Error).message}`),
    new Promise<string>((resolve) => { timer = setTimeout(() => resolve('no answer within 2 s'), 2000); }),
  ]).finally(() => clearTimeout(timer));
  return { portal: client.connected ? 'ok' : 'not connected', runtime: runtimeCheck };
}

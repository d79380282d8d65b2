import type pino from 'pino';
import type { Bridge } from './bridges/bridge.js';
import { BridgeKeys } from './bridges/bridgeKeys.js';
import { EgressBridge } from './bridges/egressBridge.js';
import { LlmBridge } from './bridges/llmBridge.js';
import { PolicyBridge } from './bridges/policyBridge.js';
import { publicDestinations, type Destinations } from './gateway/egress/destinations.js';
import type { EgressCa } from './gateway/egress/egressCa.js';
import { EgressProxy } from './gateway/egress/egressProxy.js';
import { LlmGateway } from './gateway/llm/llmGateway.js';
import { systemClock } from './governance/clock.js';
import type { GovernanceUplink } from './governance/decider.js';
import { PolicyDecider } from './governance/policyDecider.js';
import { TunnelGovernanceUplink, followHoldDecisions } from './governance/tunnelUplink.js';
import { AgentMetrics } from './metrics/agentMetrics.js';
import { startMetricsServer, type MetricsServer } from './metrics/metricsServer.js';
import type { RuntimeDriver } from './runtime/driver.js';
import { VersionStores } from './publish/versionStore.js';
import { VersionsServer } from './publish/versionsServer.js';
import { TunnelClient, type TunnelClientOptions } from './tunnel/tunnelClient.js';
import { Workspaces } from './workspaces/workspaces.js';

export interface AgentOptions extends Omit<TunnelClientOptions, 'workspaces'> {
  /** Where workspaces run (runtimeNamed(PADDOCK_RUNTIME) in the agent's main). */
  runtime: RuntimeDriver;
  log: pino.Logger;
  /** Where to serve /metrics, /healthz and /readyz (host:port; PADDOCK_AGENT_METRICS_ADDRESS); undefined: nowhere. */
  metricsAddress?: string;
  /** Where governance events and holds go (the tunnel); by default events are dropped and holds refused (fail closed). */
  governanceUplink?: GovernanceUplink;
  /** Where the egress proxy connects an allowed domain: public addresses only, unless a test maps its own test domains. */
  egressDestinations?: Destinations;
  /** The egress proxy's interception CA (EgressCa.open over <dataDir>/egress-ca); its certificate goes to the runtime. */
  egressCa: EgressCa;
  /** Roots an inspected request's upstream may chain to besides Node's own: a test's local TLS servers. */
  egressUpstreamCa?: string[];
}

export interface Agent {
  client: TunnelClient;
  workspaces: Workspaces;
  runtime: RuntimeDriver;
  llmGateway: LlmGateway;
  /** Every enforcement point asks it (the hooks' bridge, the gateway, the egress proxy); the tunnel tells it policies and hold decisions. */
  decider: PolicyDecider;
  metrics: AgentMetrics;
  /** The governance decider's line to the portal (events, holds) over the tunnel client. */
  governanceUplink: TunnelGovernanceUplink;
  /** The metrics listener once started (start() resolves after it binds or fails to). */
  metricsServer: MetricsServer | undefined;
  start(): Promise<void>;
  /** Ends the agent as its process ending would: the tunnel closes, the bridges stop; workspaces run on. */
  stop(): Promise<void>;
}

/**
 * One agent: the tunnel client, the runtime it is given, and the bridges that
 * serve every workspace, built once for whichever runtime: the model route,
 * the egress proxy and the policy bridge behind paddock-guard, all asking one decider.
 */
export function createAgent(options: AgentOptions): Agent {
  const { runtime, governanceUplink, egressDestinations, egressCa, egressUpstreamCa, ...tunnel } = options;
  // The decider reports and holds through the tunnel; the uplink is made first and connected to the client once
  // it exists (the client takes the workspaces, which take the decider). Until then holds are refused (fail closed).
  const tunnelUplink = new TunnelGovernanceUplink(options.log.child({ component: 'governance-uplink' }));
  const decider = new PolicyDecider({ uplink: governanceUplink ?? tunnelUplink, clock: systemClock, log: options.log.child({ component: 'governance' }) });
  const llmGateway = new LlmGateway({ log: options.log.child({ component: 'llm-gateway' }), governance: decider, clock: options.clock });
  const keys = new BridgeKeys(options.dataDir);
  const egressProxy = new EgressProxy({
    governance: decider, destinations: egressDestinations ?? publicDestinations, ca: egressCa,
    ...(egressUpstreamCa ? { upstreamCa: egressUpstreamCa } : {}), log: options.log.child({ component: 'egress-proxy' }),
  });
  const bridges: Bridge[] = [new LlmBridge(llmGateway, keys), new EgressBridge(egressProxy), new PolicyBridge(decider, { log: options.log.child({ component: 'policy-bridge' }) })];
  // Published versions live here, beside the workspaces, and are reached only over a `versions` dial;
  // a published app's sandbox is made from one of them.
  const stores = new VersionStores(options.dataDir);
  const workspaces = new Workspaces(runtime, bridges, keys, decider, stores);
  const versions = new VersionsServer(stores, (id) => runtime.filesDir(id), options.log.child({ component: 'versions' }));
  const client = new TunnelClient({ ...tunnel, workspaces, versions });
  llmGateway.on('usage', (record) => client.reportUsage(record));
  const metrics = new AgentMetrics({ client, runtime, llmGateway });
  tunnelUplink.connect(client);
  // The admins' decisions on held actions; the policies come with each spec, through the workspaces.
  followHoldDecisions(client, decider);
  const agent: Agent = {
    client, workspaces, runtime, llmGateway, decider, metrics, metricsServer: undefined, governanceUplink: tunnelUplink,
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
      tunnelUplink.flush();
      tunnelUplink.close();
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

import type pino from 'pino';
import type { Bridge } from './bridges/bridge.js';
import { BridgeKeys } from './bridges/bridgeKeys.js';
import { LlmBridge } from './bridges/llmBridge.js';
import { LlmGateway } from './gateway/llm/llmGateway.js';
import type { RuntimeDriver } from './runtime/driver.js';
import { TunnelClient, type TunnelClientOptions } from './tunnel/tunnelClient.js';
import { Workspaces } from './workspaces/workspaces.js';

export interface AgentOptions extends Omit<TunnelClientOptions, 'workspaces'> {
  /** Where workspaces run (runtimeNamed(PADDOCK_RUNTIME) in the agent's main). */
  runtime: RuntimeDriver;
  log: pino.Logger;
}

export interface Agent {
  client: TunnelClient;
  workspaces: Workspaces;
  runtime: RuntimeDriver;
  llmGateway: LlmGateway;
  start(): void;
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
  const llmGateway = new LlmGateway({ log: options.log.child({ component: 'llm-gateway' }), clock: options.clock });
  const keys = new BridgeKeys(options.dataDir);
  const bridges: Bridge[] = [new LlmBridge(llmGateway, keys)];
  const workspaces = new Workspaces(runtime, bridges, keys);
  const client = new TunnelClient({ ...tunnel, workspaces });
  llmGateway.on('usage', (record) => client.reportUsage(record));
  return {
    client, workspaces, runtime, llmGateway,
    start: () => client.start(),
    stop: async () => {
      await client.stop();
      // Until the next agent serves them again, a workspace's forwarder answers its tools 503.
      await workspaces.close();
    },
  };
}

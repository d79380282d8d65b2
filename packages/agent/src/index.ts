export { createAgent, type Agent, type AgentOptions } from './agent.js';
export { TunnelClient, type TunnelClientOptions } from './tunnel/tunnelClient.js';
export { Workspaces } from './workspaces/workspaces.js';
export { SpecNotAppliedError } from './workspaces/specNotApplied.js';
export type { WorkspaceSpec } from './workspaces/workspaceSpec.js';
export type { Bridge, BridgeService } from './bridges/bridge.js';
export { BridgeKeys } from './bridges/bridgeKeys.js';
export { LlmBridge } from './bridges/llmBridge.js';
export { PolicyBridge } from './bridges/policyBridge.js';
export { LocalRuntime, type LocalRuntimeOptions, type RuntimeLog } from './runtime/local/localRuntime.js';
export { runtimeNamed } from './runtime/runtimeFromEnv.js';
export type {
  RuntimeDriver, WorkspaceRunSpec, StartHooks, DialTarget, RuntimeState, WorkspaceListing, WorkspaceAddress, AcceptConnection,
  ResourceControl, WorkspaceUsage,
} from './runtime/driver.js';
export { runInWorkspace } from './runtime/workspaceShell.js';
export { LlmGateway, type UsageRecord } from './gateway/llm/llmGateway.js';
export { createAgentLogger } from './logger.js';
export { DestinationError, publicDestinations, type Destination, type Destinations } from './gateway/egress/destinations.js';
export { EgressProxy, HELD_STATUS } from './gateway/egress/egressProxy.js';
export { EgressCa } from './gateway/egress/egressCa.js';
export { PolicyDecider, type KillListener, type PolicyDeciderOptions } from './governance/policyDecider.js';
export type { DecideContext, Decider, DeciderControl, EnforcementPoint, GovernanceUplink } from './governance/decider.js';
export type { DeciderClock } from './governance/clock.js';

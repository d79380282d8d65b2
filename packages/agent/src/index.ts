export { TunnelClient, type TunnelClientOptions } from './tunnel/tunnelClient.js';
export { LocalRuntime, type LocalRuntimeOptions, type RuntimeLog } from './runtime/local/localRuntime.js';
export type { RuntimeDriver, WorkspaceRunSpec, DialTarget, RuntimeState, ResourceControl, WorkspaceUsage } from './runtime/driver.js';
export { runInWorkspace } from './runtime/workspaceShell.js';
export { LlmGateway, type LlmRoute, type UsageRecord } from './gateway/llm/llmGateway.js';
export { createAgentLogger } from './logger.js';

import type { LlmRoute } from '@paddock/protocol';
import type { WorkspaceRunSpec } from '../runtime/driver.js';

/**
 * A workspace as the portal asks for it (its WorkspaceSpec): what the runtime
 * runs, and what the agent's bridges serve it.
 */
export interface WorkspaceSpec extends WorkspaceRunSpec {
  /** Where the workspace's model calls go, through the agent's LLM gateway; none when unset. */
  llm?: LlmRoute;
}

/** The part a runtime driver sees. */
export function runSpecOf(spec: WorkspaceSpec): WorkspaceRunSpec {
  const { llm: _served, ...run } = spec;
  return run;
}

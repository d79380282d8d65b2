import type { EffectivePolicy, LlmRoute } from '@paddock/protocol';
import type { WorkspaceRunSpec } from '../runtime/driver.js';

/**
 * A workspace as the portal asks for it (its WorkspaceSpec): what the runtime
 * runs, and what the agent's bridges serve it.
 */
export interface WorkspaceSpec extends WorkspaceRunSpec {
  /** Where the workspace's model calls go, through the agent's LLM gateway; none when unset. */
  llm?: LlmRoute;
  /** The policy the agent's decider applies to the workspace's agents; none: governance off. */
  governance?: EffectivePolicy;
  /** A published app: its files are this version of a workspace's store, written when the sandbox is first made. */
  app?: AppSource;
}

/** Where a published app's files come from (WorkspaceSpec.app in the tunnel). */
export interface AppSource {
  sourceWorkspaceId: string;
  version: string;
}

/** The part a runtime driver sees. */
export function runSpecOf(spec: WorkspaceSpec): WorkspaceRunSpec {
  const { llm: _served, governance: _decided, app: _seeded, ...run } = spec;
  return run;
}

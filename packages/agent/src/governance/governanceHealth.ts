import type { EffectivePolicy, LlmRoute } from '@paddock/protocol';

/** The enforcement points a workspace's bridges are (bridge.ts `point`). */
export type EnforcementPoint = 'hooks' | 'gateway' | 'proxy';

/**
 * Whether one workspace's enforcement points serve it now, as the agent tells
 * the portal (GovernanceHealth on the tunnel). Only what the agent itself did
 * is in it: which bridges took the workspace's spec and are exposed in it.
 */
export interface WorkspaceGovernanceHealth {
  workspaceId: string;
  /** The policy bridge behind paddock-guard (the hooks of Claude Code and OpenCode). */
  hooks: 'active' | 'missing';
  /** The LLM gateway; `unused` without a model route: the workspace has no way to call a model. */
  gateway: 'active' | 'missing' | 'unused';
  /** The egress proxy, the workspace's only way out. */
  proxy: 'active' | 'missing';
  /** The mode of the policy the decider holds for it ('off' without a policy). */
  mode: EffectivePolicy['mode'];
  killSwitch: boolean;
  /** The agent serves it no more (stopped or deleted). */
  stopped: boolean;
}

export function governanceHealthOf(
  workspaceId: string, served: ReadonlySet<EnforcementPoint>, spec: { llm?: LlmRoute; governance?: EffectivePolicy },
): WorkspaceGovernanceHealth {
  return {
    workspaceId,
    hooks: served.has('hooks') ? 'active' : 'missing',
    gateway: served.has('gateway') ? 'active' : spec.llm ? 'missing' : 'unused',
    proxy: served.has('proxy') ? 'active' : 'missing',
    mode: spec.governance?.mode ?? 'off',
    killSwitch: spec.governance?.killSwitch.engaged ?? false,
    stopped: false,
  };
}

/** What is said of a workspace the agent no longer serves. */
export function stoppedHealth(workspaceId: string): WorkspaceGovernanceHealth {
  return { workspaceId, hooks: 'missing', gateway: 'missing', proxy: 'missing', mode: 'off', killSwitch: false, stopped: true };
}

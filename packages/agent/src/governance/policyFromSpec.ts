import { effectivePolicySchema, type EffectivePolicy } from '@paddock/protocol';
import type pino from 'pino';

/**
 * What a policy the portal sent but the agent can't read becomes: every
 * action denied, as a kill switch would (governance fails closed, never open).
 */
export const UNREADABLE_POLICY: EffectivePolicy = {
  mode: 'enforce',
  defaults: { llm_call: 'deny', bash_command: 'deny', file_write: 'deny', git_push: 'deny', http_request: 'deny' },
  rules: [],
  contentFilters: { secrets: true, privateKeys: true, exfiltration: true },
  killSwitch: { engaged: true, reason: 'the governance policy this agent was sent could not be read' },
  holdTimeoutSeconds: 300,
};

/**
 * A WorkspaceSpec's `governance_policy`: the EffectivePolicy as JSON, or ''
 * when the workspace is not governed (undefined: governance off). One that
 * doesn't parse or validate is logged and read as UNREADABLE_POLICY.
 */
export function policyFromSpec(json: string, log: pino.Logger, workspaceId: string): EffectivePolicy | undefined {
  if (json === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    log.error({ workspaceId }, "the workspace's governance policy is not JSON: denying every action");
    return UNREADABLE_POLICY;
  }
  const parsed = effectivePolicySchema.safeParse(value);
  if (parsed.success) return parsed.data;
  log.error({ workspaceId, issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) }, "the workspace's governance policy is not valid: denying every action");
  return UNREADABLE_POLICY;
}

import { randomUUID } from 'node:crypto';
import type { DecisionOutcome, EffectivePolicy, GovernanceAction, PolicyRule } from '@paddock/protocol';
import type { DecideContext, Decider } from '../decider.js';

/** One decision as the enforcement point asked it, for tests to look at. */
export interface RecordedDecision {
  workspaceId: string;
  action: GovernanceAction;
  context: DecideContext;
  outcome: DecisionOutcome;
}

/**
 * A Decider over one fixed policy per workspace, for the enforcement points'
 * own tests while the agent's PolicyDecider is built beside them: first
 * matching rule, else the class's default; monitor reports without
 * enforcing; an enforced ask is held until `resolve` or its timeout. Rules
 * match with `*` globs on the whole command (or any `&&`/`;`/`|` part of it),
 * the path or the domain; the real matchers are the PolicyDecider's.
 */
export class FixedPolicyDecider implements Decider {
  readonly decisions: RecordedDecision[] = [];
  private readonly policies = new Map<string, EffectivePolicy>();
  private readonly holds = new Map<string, { workspaceId: string; expiresAt: number; outcome: DecisionOutcome; settle?: (o: DecisionOutcome) => void }>();

  constructor(private readonly fallback?: EffectivePolicy) {}

  setPolicy(workspaceId: string, policy: EffectivePolicy): void {
    this.policies.set(workspaceId, policy);
  }

  async decide(workspaceId: string, action: GovernanceAction, context: DecideContext): Promise<DecisionOutcome> {
    const policy = this.policies.get(workspaceId) ?? this.fallback;
    let outcome: DecisionOutcome;
    if (!policy) outcome = { verdict: 'deny', enforced: true, mode: 'enforce', reason: 'no policy for this workspace' };
    else if (policy.killSwitch.engaged) outcome = { verdict: 'deny', enforced: true, mode: policy.mode, reason: `the kill switch is engaged${policy.killSwitch.reason ? `: ${policy.killSwitch.reason}` : ''}` };
    else {
      const rule = policy.rules.find((r) => r.class === action.class && matches(r, action));
      const verdict = rule?.verdict ?? policy.defaults[action.class];
      const enforced = policy.mode === 'enforce';
      const reason = `${verdict} by ${rule?.id ? `rule ${rule.id}` : `the ${action.class} default`}`;
      outcome = { verdict, enforced, mode: policy.mode, ...(rule?.id ? { ruleId: rule.id } : {}), reason };
      if (verdict === 'ask' && enforced) {
        const id = randomUUID();
        const expiresAt = Date.now() + policy.holdTimeoutSeconds * 1000;
        outcome.held = { id, expiresAt: new Date(expiresAt).toISOString() };
        this.holds.set(id, { workspaceId, expiresAt, outcome });
      }
    }
    this.decisions.push({ workspaceId, action, context, outcome });
    return outcome;
  }

  async awaitHeld(workspaceId: string, heldId: string, timeoutMs: number): Promise<DecisionOutcome> {
    const hold = this.holds.get(heldId);
    if (!hold || hold.workspaceId !== workspaceId) return { verdict: 'deny', enforced: true, mode: 'enforce', reason: 'no such held action' };
    const waitMs = Math.max(0, Math.min(timeoutMs, hold.expiresAt - Date.now()));
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ ...hold.outcome, held: undefined, verdict: 'deny', reason: 'no admin decided in time' }), waitMs);
      hold.settle = (outcome) => { clearTimeout(timer); resolve(outcome); };
    });
  }

  /** An admin's decision on a held action. */
  resolve(heldId: string, decision: 'approve' | 'deny'): void {
    const hold = this.holds.get(heldId);
    if (!hold) throw new Error(`no held action ${heldId}`);
    this.holds.delete(heldId);
    hold.settle?.({ ...hold.outcome, held: undefined, verdict: decision === 'approve' ? 'allow' : 'deny', reason: `${decision === 'approve' ? 'approved' : 'denied'} by an admin` });
  }
}

function matches(rule: PolicyRule, action: GovernanceAction): boolean {
  const { match } = rule;
  switch (action.class) {
    case 'bash_command':
      return match.command === undefined || [action.command, ...action.command.split(/&&|\|\||;|\|/)].some((part) => glob(match.command!).test(part.trim()));
    case 'file_write':
      return match.path === undefined || glob(match.path).test(action.path);
    case 'http_request':
      return (match.domain === undefined || glob(match.domain).test(action.domain)) && (match.method === undefined || match.method.toUpperCase() === action.method);
    case 'git_push':
      return (match.force === undefined || match.force === action.force) && (match.delete === undefined || match.delete === action.delete);
    case 'llm_call':
      return true;
  }
}

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
}

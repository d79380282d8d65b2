import { createHash } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import {
  exactMatchOf, holdRequestSchema, policyRuleSchema,
  type ApprovalDecisionRequest, type ApprovalItem, type ApprovalState, type HeldAction, type HoldDecision, type PolicyRule,
} from '@paddock/protocol';
import { canonicalJson } from '../audit/canonicalJson.js';
import { POLICY_SWEEPER, type UserActor } from '../auth/actor.js';
import type { GovernanceApprovalsTable } from '../db/governanceSchema.js';
import { ApiError, ConflictError, InputError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import type { PortalServices } from '../services.js';

type Deps = Pick<PortalServices, 'db' | 'clock' | 'audit' | 'events'>;
type Row = Selectable<GovernanceApprovalsTable>;

/**
 * Pending holds one workspace may have at once. An agent asking for more (a
 * loop, or an agent turned hostile) is refused, and its caller denies: an
 * admin's queue is not a place one workspace can flood.
 */
export const MAX_PENDING_PER_WORKSPACE = 50;

export class TooManyHoldsError extends ApiError {
  constructor() { super(429, 'rate_limited', `this workspace already waits on ${MAX_PENDING_PER_WORKSPACE} held actions; decide those first`); }
}

/** A hold for a workspace its agent doesn't run (or that doesn't exist): refused, whatever the agent claims. */
export class NotHostedError extends ApiError {
  constructor() { super(404, 'not_found', 'no such workspace on this agent'); }
}

const toItem = (r: Row): ApprovalItem => ({
  id: r.id, workspaceId: r.workspace_id, userId: r.user_id, blueprintId: r.blueprint_id, class: r.class, action: r.action,
  summary: r.summary, ...(r.rule_id ? { ruleId: r.rule_id } : {}), state: r.state,
  requestedAt: r.requested_at.toISOString(), expiresAt: r.expires_at.toISOString(),
  ...(r.decided_at ? { decidedAt: r.decided_at.toISOString() } : {}),
  ...(r.decided_at && r.state !== 'expired' ? { decidedBy: { id: r.decided_by, email: r.decided_by_email } } : {}),
  ...(r.scope ? { scope: r.scope } : {}), ...(r.minutes ? { minutes: r.minutes } : {}), ...(r.grant_id ? { grantId: r.grant_id } : {}),
  redacted: r.redacted,
});

/** Identical actions, told apart without keeping a second copy of a long command. */
const actionKey = (action: unknown): string => createHash('sha256').update(canonicalJson(action)).digest('hex');

/**
 * Held actions: an "ask" in enforce mode becomes a pending approval, answered to
 * the agent at once with its id and expiry (never a connection held open while a
 * person decides). An admin approves (once, for N minutes, or with a rule) or
 * denies (once, or with a rule); a decision releases every pending approval of
 * the same workspace, rule and action, and can only narrow what was asked: the
 * rule it adds matches exactly that action, in that workspace. Undecided holds
 * expire (the sweep, on the injected clock) and are denied.
 */
export class GovernanceApprovals {
  constructor(private readonly deps: Deps) {}

  /** An agent asks to hold an action of a workspace it runs. */
  async hold(agentId: string, raw: unknown): Promise<HeldAction> {
    const parsed = holdRequestSchema.safeParse(raw);
    if (!parsed.success) throw new InputError('the hold request is not valid');
    const request = parsed.data;
    const ws = await this.deps.db.selectFrom('workspaces').select(['owner_id', 'blueprint_id', 'agent_id'])
      .where('id', '=', request.workspaceId).executeTakeFirst();
    if (!ws || ws.agent_id !== agentId) throw new NotHostedError();
    const pending = await this.deps.db.selectFrom('governance_approvals').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('workspace_id', '=', request.workspaceId).where('state', '=', 'pending').executeTakeFirstOrThrow();
    if (Number(pending.n) >= MAX_PENDING_PER_WORKSPACE) throw new TooManyHoldsError();
    const now = this.deps.clock.now();
    const expiresAt = new Date(now.getTime() + request.timeoutSeconds * 1000);
    const id = newId();
    await this.deps.db.insertInto('governance_approvals').values({
      id, agent_id: agentId, workspace_id: request.workspaceId, user_id: ws.owner_id, blueprint_id: ws.blueprint_id,
      class: request.action.class, action: JSON.stringify(request.action), action_key: actionKey(request.action), redacted: request.redacted ?? false,
      summary: request.summary, rule_id: request.ruleId ?? null, state: 'pending', requested_at: now, expires_at: expiresAt,
    }).execute();
    this.deps.events.publish('approval', { approvalId: id, workspaceId: request.workspaceId });
    return { id, expiresAt: expiresAt.toISOString() };
  }

  async list(query: { state?: ApprovalState; workspaceId?: string; limit: number }): Promise<ApprovalItem[]> {
    let q = this.deps.db.selectFrom('governance_approvals').selectAll().orderBy('requested_at', 'desc').orderBy('id').limit(query.limit);
    if (query.state) q = q.where('state', '=', query.state);
    if (query.workspaceId) q = q.where('workspace_id', '=', query.workspaceId);
    return (await q.execute()).map(toItem);
  }

  async decide(id: string, request: ApprovalDecisionRequest, by: UserActor): Promise<{ approval: ApprovalItem; released: string[] }> {
    const now = this.deps.clock.now();
    const result = await this.deps.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('governance_approvals').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) throw new NotFoundError('approval');
      if (row.state !== 'pending') throw new ConflictError(`this action was already ${row.state}`);
      if (row.expires_at.getTime() <= now.getTime()) throw new ConflictError('this action expired before the decision; it was denied');
      const state: ApprovalState = request.decision === 'approve' ? 'approved' : 'denied';
      let grant: { id: string; rule: PolicyRule; expiresAt: Date | null } | undefined;
      if (request.scope !== 'once') {
        const grantId = newId();
        grant = {
          id: grantId,
          rule: grantRule(row, grantId, request),
          expiresAt: request.scope === 'minutes' ? new Date(now.getTime() + request.minutes! * 60_000) : null,
        };
        await tx.insertInto('governance_grants').values({
          id: grant.id, approval_id: row.id, workspace_id: row.workspace_id, rule: JSON.stringify(grant.rule),
          created_at: now, created_by: by.user.id, expires_at: grant.expiresAt,
        }).execute();
      }
      const released = await tx.updateTable('governance_approvals').set({
        state, decided_at: now, decided_by: by.user.id, decided_by_email: by.user.email, scope: request.scope,
        minutes: request.minutes ?? null, grant_id: grant?.id ?? null,
      }).where('state', '=', 'pending').where('workspace_id', '=', row.workspace_id).where('action_key', '=', row.action_key)
        .where(sql<boolean>`rule_id is not distinct from ${row.rule_id}`)
        .returningAll().execute();
      await this.deps.audit.append({
        actor: by, action: `governance.approval.${request.decision}`, targetType: 'workspace', targetId: row.workspace_id,
        blueprintId: row.blueprint_id, outcome: 'success',
        detail: {
          approvalId: row.id, summary: row.summary, class: row.class, ruleId: row.rule_id, scope: request.scope,
          minutes: request.minutes ?? null, reason: request.reason ?? null, grant: grant ? { id: grant.id, rule: grant.rule } : null,
          released: released.map((r) => r.id).filter((r) => r !== row.id),
        },
      }, tx);
      return { row: released.find((r) => r.id === row.id)!, released, grant };
    });
    for (const r of result.released) this.deps.events.publish('approval', { approvalId: r.id, workspaceId: r.workspace_id });
    if (result.grant) this.deps.events.publish('governancePolicy', { workspaceId: result.row.workspace_id });
    return { approval: toItem(result.row), released: result.released.map((r) => r.id).filter((r) => r !== id) };
  }

  /**
   * Expires the holds nobody decided in time (denied), and removes the grants
   * whose minutes are up, telling the agents concerned. Idempotent across portals:
   * each row changes once, whoever's sweep gets it.
   */
  async sweep(): Promise<{ expired: number; grantsEnded: number }> {
    const now = this.deps.clock.now();
    const expired = await this.deps.db.updateTable('governance_approvals').set({ state: 'expired', decided_at: now })
      .where('state', '=', 'pending').where('expires_at', '<=', now).returning(['id', 'workspace_id', 'blueprint_id', 'summary']).execute();
    for (const r of expired) {
      await this.deps.audit.append({
        actor: POLICY_SWEEPER, action: 'governance.approval.expire', targetType: 'workspace', targetId: r.workspace_id,
        blueprintId: r.blueprint_id, outcome: 'success', detail: { approvalId: r.id, summary: r.summary },
      });
      this.deps.events.publish('approval', { approvalId: r.id, workspaceId: r.workspace_id });
    }
    const ended = await this.deps.db.deleteFrom('governance_grants').where('expires_at', '<=', now).returning(['workspace_id']).execute();
    for (const workspaceId of new Set(ended.map((g) => g.workspace_id))) this.deps.events.publish('governancePolicy', { workspaceId });
    return { expired: expired.length, grantsEnded: ended.length };
  }

  /** What to tell the agent holding an approval, once it is decided or expired (undefined while pending). */
  async outcome(id: string): Promise<{ agentId: string; decision: HoldDecision } | undefined> {
    const r = await this.deps.db.selectFrom('governance_approvals').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r || r.state === 'pending') return undefined;
    const reason = r.state === 'expired'
      ? 'no admin decided in time'
      : `${r.state} by ${r.decided_by_email ?? 'an admin'}${r.scope === 'minutes' ? ` for ${r.minutes} minutes` : r.scope === 'rule' ? ' with a rule' : ''}`;
    return { agentId: r.agent_id, decision: { heldId: r.id, decision: r.state === 'approved' ? 'approve' : 'deny', reason } };
  }
}

/** The one rule a "minutes" or "rule" decision adds: exactly the action asked, its verdict the decision. */
function grantRule(row: Row, grantId: string, request: ApprovalDecisionRequest): PolicyRule {
  // A rule naming it would hold a mask, not the credential, and match nothing: said, not silently useless.
  if (row.redacted) throw new InputError("this action holds one of the workspace's credentials (masked here), so no rule can name it; decide it once");
  const match = exactMatchOf(row.action);
  // A model call has no key that names one call: only "for N minutes" (every model call of this workspace, for that long) covers it.
  if (!match && row.class === 'llm_call' && request.scope === 'rule') throw new InputError('a rule cannot name one model call; decide once or for N minutes');
  // Anything else no pattern names exactly (a command with wildcards, quoting or several parts) would be widened by one: once only.
  if (!match && row.class !== 'llm_call') throw new InputError('no rule can name exactly this action (a wildcard, quoting or several commands in one); decide it once');
  const rule = policyRuleSchema.safeParse({
    id: `grant-${grantId.slice(0, 8)}`, class: row.class, match: match ?? {}, verdict: request.decision === 'approve' ? 'allow' : 'deny',
  });
  if (!rule.success) throw new InputError('this action is too long to make a rule of; decide once');
  return rule.data;
}

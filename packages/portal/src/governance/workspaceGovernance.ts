import type { ApprovalState, WorkspaceDecidedHold, WorkspaceGovernance as WorkspaceGovernanceView, WorkspaceHold } from '@paddock/protocol';
import type { Actor } from '../auth/actor.js';
import type { PortalServices } from '../services.js';

type Deps = Pick<PortalServices, 'db' | 'clock' | 'workspaces' | 'governancePolicies'>;

/** How far back a decided hold is still news to the builder (a denial shown, an approval's banner gone). */
export const RECENTLY_DECIDED_MS = 10 * 60_000;
const RECENTLY_DECIDED_MAX = 5;

/**
 * What a workspace's owner sees of governance (issue 9, "the builder sees it in plain
 * words"): the kill switch as it applies to the workspace, with its scope and the
 * admin's reason, and the workspace's held actions by their one-line summaries. Who
 * may see it is whoever may read the workspace (its owner, admins, auditors); to
 * anyone else the workspace does not exist.
 */
export class WorkspaceGovernance {
  constructor(private readonly deps: Deps) {}

  async get(actor: Actor, workspaceId: string): Promise<WorkspaceGovernanceView> {
    const workspace = await this.deps.workspaces.get(actor, workspaceId, 'read');
    const now = this.deps.clock.now();
    const columns = ['id', 'class', 'summary', 'state', 'requested_at', 'expires_at', 'decided_at'] as const;
    const [policy, pending, decided] = await Promise.all([
      this.deps.governancePolicies.effectiveFor({ id: workspace.id, blueprintId: workspace.blueprintId }),
      this.deps.db.selectFrom('governance_approvals').select(columns).where('workspace_id', '=', workspace.id)
        .where('state', '=', 'pending').orderBy('requested_at').orderBy('id').execute(),
      this.deps.db.selectFrom('governance_approvals').select(columns).where('workspace_id', '=', workspace.id)
        .where('state', '<>', 'pending').where('decided_at', '>', new Date(now.getTime() - RECENTLY_DECIDED_MS))
        .orderBy('decided_at', 'desc').orderBy('id').limit(RECENTLY_DECIDED_MAX).execute(),
    ]);
    const hold = (r: (typeof pending)[number]): WorkspaceHold => ({
      id: r.id, class: r.class, summary: r.summary, requestedAt: r.requested_at.toISOString(), expiresAt: r.expires_at.toISOString(),
    });
    const { killSwitch } = policy;
    return {
      mode: policy.mode,
      killSwitch: {
        engaged: killSwitch.engaged,
        scope: killSwitch.engaged ? killSwitch.scope ?? null : null,
        ...(killSwitch.engaged && killSwitch.reason ? { reason: killSwitch.reason } : {}),
      },
      holds: pending.map(hold),
      decided: decided.map((r): WorkspaceDecidedHold => ({
        // The query left pending ones out; a decided row always has decided_at (a CHECK keeps it so).
        ...hold(r), state: r.state as Exclude<ApprovalState, 'pending'>, decidedAt: (r.decided_at ?? now).toISOString(),
      })),
    };
  }
}

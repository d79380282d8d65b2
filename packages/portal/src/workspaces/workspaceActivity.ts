import type { Workspace, WorkspaceActivityAction, WorkspaceActivityEntry } from '@paddock/protocol';
import type { AuditLog } from '../audit/auditLog.js';
import type { UserActor } from '../auth/actor.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { Workspaces } from './workspaces.js';

/**
 * Who used a workspace, and how: a terminal attached, a preview link issued, a
 * prompt sent to its AI. These come with every page view, reconnect and message,
 * and record use rather than a change, so they are plain rows of their own
 * (workspace_activity), not links of the audit log's chain, whose appends all
 * wait on one row. Using someone else's workspace is access an auditor reviews:
 * that is audited too.
 */
export class WorkspaceActivity {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly workspaces: Pick<Workspaces, 'touch'>,
  ) {}

  /**
   * Use that pushes a workspace's idle deadline but is too frequent to list: terminal
   * input, a model call, a preview request, a file save (docs/usage-and-cost.md lists what
   * counts). Every recorded use counts too. Having its page open does not.
   */
  touch(workspaceId: string): Promise<void> {
    return this.workspaces.touch(workspaceId);
  }

  async record(
    actor: UserActor,
    workspace: Pick<Workspace, 'id' | 'ownerId' | 'blueprintId'>,
    action: WorkspaceActivityAction,
    detail: Record<string, unknown>,
  ): Promise<void> {
    await this.db.insertInto('workspace_activity').values({
      at: this.clock.now(), workspace_id: workspace.id, actor_id: actor.user.id, actor_email: actor.user.email,
      action, detail: JSON.stringify(detail),
    }).execute();
    await this.touch(workspace.id);
    if (actor.user.id === workspace.ownerId) return;
    await this.audit.append({
      actor, action, targetType: 'workspace', targetId: workspace.id,
      blueprintId: workspace.blueprintId, outcome: 'success', detail: { ...detail, owner: workspace.ownerId },
    });
  }

  /**
   * The end of a use recorded with `record` (a terminal detached): a plain row, neither
   * audited (its start was) nor activity that pushes the idle deadline.
   */
  async recordEnd(actor: UserActor, workspace: Pick<Workspace, 'id'>, action: 'workspace.terminal.close', detail: Record<string, unknown>): Promise<void> {
    await this.db.insertInto('workspace_activity').values({
      at: this.clock.now(), workspace_id: workspace.id, actor_id: actor.user.id, actor_email: actor.user.email,
      action, detail: JSON.stringify(detail),
    }).execute();
  }

  /** Newest first; `before` pages backwards by id. */
  async list(options: { limit: number; before?: number; workspaceId?: string; action?: WorkspaceActivityAction }): Promise<WorkspaceActivityEntry[]> {
    let q = this.db.selectFrom('workspace_activity').selectAll().orderBy('id', 'desc').limit(options.limit);
    if (options.before !== undefined) q = q.where('id', '<', options.before);
    if (options.workspaceId) q = q.where('workspace_id', '=', options.workspaceId);
    if (options.action) q = q.where('action', '=', options.action);
    return (await q.execute()).map((r) => ({
      id: String(r.id), at: r.at.toISOString(), workspaceId: r.workspace_id, actorId: r.actor_id, actorEmail: r.actor_email,
      action: r.action as WorkspaceActivityAction, detail: r.detail,
    }));
  }
}

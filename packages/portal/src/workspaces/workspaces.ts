import type { ExpressionBuilder, Selectable, Transaction } from 'kysely';
import type { DesiredState, StopReason, Workspace, WorkspaceState } from '@paddock/protocol';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { Tables } from '../db/schema.js';
import type { AuditLog } from '../audit/auditLog.js';
import type { Actor, SystemActor, UserActor } from '../auth/actor.js';
import { authorize, workspaceScope, type WorkspaceAction, type WorkspaceResource } from '../authz/policy.js';
import { sql } from 'kysely';
import { ApiError, BlueprintAccessLostError, ConflictError, NotFoundError, QuotaExceededError } from '../errors.js';
import { newId } from '../ids.js';
import type { EventBus } from '../events/eventBus.js';
import { mayUseBlueprint, type BlueprintAccessControl } from '../blueprints/blueprintAccess.js';
import { assertNewWorkspaceAllowed } from '../blueprints/blueprints.js';
import { workspaceResourceStatus } from './workspaceResources.js';
import { cleanupDeadline, effectiveValue, idleDeadline, lifetimeDeadline, nearestDeadline, RESOURCE_POLICY_KEY, stopDeadline } from '../policies/workspaceDeadlines.js';

type Db = Database | Transaction<Tables>;

type WorkspaceRow = Selectable<Tables['workspaces']> & {
  owner_email: string; blueprint_name: string; idle_deadline: Date; lifetime_deadline: Date | null; cleanup_at: Date | null;
};

/** Its deadline while meant to run, and its cleanup while stopped, as the policy in force puts them (policies/workspaceDeadlines.ts). */
function deadlines(r: WorkspaceRow): Pick<Workspace, 'stopsAt' | 'stopReason' | 'deletesAt'> {
  if (r.desired_state === 'running') {
    const { at, reason } = nearestDeadline(r.idle_deadline, r.lifetime_deadline);
    return { stopsAt: at.toISOString(), stopReason: reason, deletesAt: null };
  }
  return { stopsAt: null, stopReason: r.stop_reason, deletesAt: r.desired_state === 'stopped' && r.cleanup_at ? r.cleanup_at.toISOString() : null };
}

export const toWorkspace = (r: WorkspaceRow): Workspace => ({
  id: r.id, name: r.name, displayName: r.display_name, ownerId: r.owner_id, ownerEmail: r.owner_email,
  blueprintId: r.blueprint_id, blueprintName: r.blueprint_name,
  state: r.state, desiredState: r.desired_state,
  stateMessage: r.state_message, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
  resources: workspaceResourceStatus(r.resource_usage),
  ...deadlines(r),
});

/** Workspaces with their owner, blueprint and the org's resource policy (the settings row, absent until saved). */
export function withPolicy(db: Db) {
  return db.selectFrom('workspaces')
    .innerJoin('users', 'users.id', 'workspaces.owner_id')
    .innerJoin('blueprints', 'blueprints.id', 'workspaces.blueprint_id')
    .leftJoin('settings as resource_org', (j) => j.on('resource_org.key', '=', RESOURCE_POLICY_KEY));
}

/** Workspaces as toWorkspace reads them: the row with its owner, blueprint and deadlines. */
export function workspaceQuery(db: Db) {
  return withPolicy(db)
    .selectAll('workspaces')
    .select(['users.email as owner_email', 'blueprints.name as blueprint_name'])
    .select([idleDeadline().as('idle_deadline'), lifetimeDeadline().as('lifetime_deadline'), cleanupDeadline().as('cleanup_at')]);
}

/** The columns a change of a workspace's wish sets beside it: when it was asked to run or stop, and (only the policy gives one) why it stopped. */
function wishColumns(desired: DesiredState, now: Date, stopReason: StopReason | null = null) {
  if (desired === 'running') return { desired_state: desired, running_since: now, last_active_at: now, stopped_at: null, stop_reason: null };
  return { desired_state: desired, running_since: null, stopped_at: now, stop_reason: stopReason };
}

/** The reported states that end a run of compute time. */
const RUN_ENDS: ReadonlySet<WorkspaceState> = new Set(['stopping', 'stopped', 'failed', 'deleted']);

/** How often one workspace's activity is written at most: its idle deadline is this precise, and a keystroke costs no write. */
const TOUCH_EVERY_MS = 30_000;

/**
 * A workspace as it is now, whoever owns it: for the event bus, which reads a
 * workspace another portal changed (its subscribers decide who may see it).
 */
export async function readWorkspace(db: Db, id: string): Promise<Workspace | undefined> {
  const r = await workspaceQuery(db).where('workspaces.id', '=', id).executeTakeFirst();
  return r && toWorkspace(r);
}

/**
 * Workspaces as their owners see them. Every read and write goes through the policy
 * (authz/policy.ts) for its actor, a person or a named system actor: a builder's query
 * for someone else's workspace finds nothing (404), so nothing leaks.
 */
export class Workspaces {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly events: EventBus,
    private readonly blueprintAccess: BlueprintAccessControl,
  ) {}

  /** When each workspace's activity was last written (touch), on the clock's time. */
  private readonly touched = new Map<string, number>();

  /** My workspaces; with `all`, every workspace the actor may read (admins and auditors: everyone's). */
  async list(actor: UserActor, options: { all?: boolean } = {}): Promise<Workspace[]> {
    let q = workspaceQuery(this.db).where('workspaces.state', '<>', 'deleted').orderBy('workspaces.created_at', 'desc')
      .where(workspaceScope(actor, 'read'));
    if (!options.all) q = q.where('workspaces.owner_id', '=', actor.user.id);
    return (await q.execute()).map(toWorkspace);
  }

  /**
   * The workspace if the actor may do `action` to it (default: read it). NotFoundError when
   * it may not even see it, as for an id that names nothing; otherwise why not (403).
   */
  async get(actor: Actor, id: string, action: WorkspaceAction = 'read'): Promise<Workspace> {
    const r = await workspaceQuery(this.db).where('workspaces.id', '=', id).where('workspaces.state', '<>', 'deleted')
      .select(mayUseBlueprint(sql.ref('workspaces.owner_id'), sql.ref('workspaces.blueprint_id')).as('owner_may_use_blueprint'))
      .executeTakeFirst();
    if (!r) throw new NotFoundError('workspace');
    authorize(actor, action, { type: 'workspace', ownerId: r.owner_id, ownerMayUseBlueprint: Boolean(r.owner_may_use_blueprint) }, 'workspace');
    return toWorkspace(r);
  }

  /** The agent a workspace runs on. Not a read of its own: callers hold a workspace `get` gave them. */
  /**
   * Whose a workspace is (null once deleted or for no workspace), for a feed that decides with
   * `can()` who may hear of an event naming it, as it does for the workspace events themselves.
   */
  async ownerOf(id: string): Promise<string | null> {
    const r = await this.db.selectFrom('workspaces').select('owner_id').where('id', '=', id).where('state', '<>', 'deleted').executeTakeFirst();
    return r?.owner_id ?? null;
  }

  async agentOf(id: string): Promise<string | null> {
    const r = await this.db.selectFrom('workspaces').select('agent_id').where('id', '=', id).executeTakeFirst();
    return r?.agent_id ?? null;
  }

  /** A refused or failed operation is audited too, after its transaction rolled back. */
  private async audited<T>(actor: Actor, action: string, targetId: string | null, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      await this.audit.append({
        actor, action, targetType: 'workspace', targetId,
        outcome: 'failure', detail: { error: err instanceof ApiError ? err.code : 'internal' },
      });
      throw err;
    }
  }

  async create(actor: UserActor, input: { blueprintId: string; name: string; displayName?: string }): Promise<Workspace> {
    return this.audited(actor, 'workspace.create', null, () => this.createIn(actor, input));
  }

  private async createIn(actor: UserActor, input: { blueprintId: string; name: string; displayName?: string }): Promise<Workspace> {
    await this.blueprintAccess.assertUsable(actor, input.blueprintId);
    const now = this.clock.now();
    const w = await this.db.transaction().execute(async (tx) => {
      const bp = await tx.selectFrom('blueprints').select(['id', 'name', 'enabled', 'archived_at']).where('id', '=', input.blueprintId).executeTakeFirst();
      if (!bp) throw new NotFoundError('blueprint');
      assertNewWorkspaceAllowed(bp, actor);
      const clash = await tx.selectFrom('workspaces').select('id')
        .where('owner_id', '=', actor.user.id).where('name', '=', input.name).where('state', '<>', 'deleted').executeTakeFirst();
      if (clash) throw new ConflictError(`you already have a workspace named ${input.name}`);
      await this.assertWithinRunningLimit(tx, actor, actor.user.id, bp.id, null);
      const id = newId();
      await tx.insertInto('workspaces').values({
        id, name: input.name, display_name: input.displayName ?? input.name, owner_id: actor.user.id, blueprint_id: bp.id, agent_id: null,
        state: 'pending', state_message: '', created_at: now, updated_at: now, ...wishColumns('running', now),
      }).execute();
      await this.audit.append({
        actor, action: 'workspace.create',
        targetType: 'workspace', targetId: id, blueprintId: bp.id, outcome: 'success',
        detail: { name: input.name, displayName: input.displayName ?? input.name },
      }, tx);
      return (await readWorkspace(tx, id))!;
    });
    this.changed(w);
    return w;
  }

  /**
   * Renames it: its display name, what its builder sees (the internal name stays). Whoever may
   * operate it (its owner, an admin), whatever state it is in but deleted; audited with both names.
   */
  async rename(actor: Actor, id: string, displayName: string): Promise<Workspace> {
    return this.audited(actor, 'workspace.rename', id, async () => {
      const w = await this.db.transaction().execute(async (tx) => {
        const current = await tx.selectFrom('workspaces').select(['owner_id', 'blueprint_id', 'display_name', 'state'])
          .where('id', '=', id).forUpdate().executeTakeFirst();
        if (!current || current.state === 'deleted') throw new NotFoundError('workspace');
        authorize(actor, 'operate', { type: 'workspace', ownerId: current.owner_id }, 'workspace');
        if (current.display_name === displayName) return (await readWorkspace(tx, id))!;
        await tx.updateTable('workspaces').set({ display_name: displayName, updated_at: this.clock.now() }).where('id', '=', id).execute();
        await this.audit.append({
          actor, action: 'workspace.rename', targetType: 'workspace', targetId: id, blueprintId: current.blueprint_id,
          outcome: 'success', detail: { from: current.display_name, to: displayName },
        }, tx);
        return (await readWorkspace(tx, id))!;
      });
      this.changed(w);
      return w;
    });
  }

  /** Records the owner's wish (start, stop, delete); the reconciler makes it so. */
  async setDesired(actor: Actor, id: string, desired: DesiredState): Promise<Workspace> {
    const action = { running: 'workspace.start', stopped: 'workspace.stop', deleted: 'workspace.delete' }[desired];
    return this.audited(actor, action, id, () => this.setDesiredIn(actor, id, desired, action));
  }

  private async setDesiredIn(actor: Actor, id: string, desired: DesiredState, action: string): Promise<Workspace> {
    const w = await this.db.transaction().execute(async (tx) => {
      const current = await readWorkspace(tx, id);
      if (!current || current.state === 'deleted') throw new NotFoundError('workspace');
      const resource: WorkspaceResource = { type: 'workspace', ownerId: current.ownerId };
      authorize(actor, 'operate', resource, 'workspace');
      // It would run with the blueprint's credentials: only for an owner who may still use it, whoever asks.
      if (desired === 'running' && !(await this.blueprintAccess.mayUse(current.ownerId, current.blueprintId, tx))) {
        throw new BlueprintAccessLostError(actor.kind === 'user' && current.ownerId === actor.user.id);
      }
      if (desired === 'running' && current.desiredState !== 'running') {
        await this.assertWithinRunningLimit(tx, actor, current.ownerId, current.blueprintId, id);
      }
      // Starting a failed workspace is how its owner retries.
      const state = desired === 'running' && current.state === 'failed' ? 'pending' : current.state;
      // Asking again for what it is already asked to do keeps its deadlines (a start is not activity).
      const wish = desired === current.desiredState ? {} : wishColumns(desired, this.clock.now());
      await tx.updateTable('workspaces')
        .set({ ...wish, state, state_message: '', updated_at: this.clock.now() })
        .where('id', '=', id).execute();
      await this.audit.append({
        actor, action,
        targetType: 'workspace', targetId: id, blueprintId: current.blueprintId, outcome: 'success',
        detail: { name: current.name, from: current.state },
      }, tx);
      return (await readWorkspace(tx, id))!;
    });
    this.changed(w);
    return w;
  }

  /**
   * Stops every workspace a user owns, on behalf of whoever deactivated or removed
   * them (an admin, SCIM). Their files stay. Returns how many were asked to stop.
   */
  async stopAllOwnedBy(by: Actor, userId: string, reason: string): Promise<number> {
    authorize(by, 'stop', { type: 'workspace', ownerId: userId }, 'workspace');
    const rows = await this.db.updateTable('workspaces')
      .set({ ...wishColumns('stopped', this.clock.now()), updated_at: this.clock.now() })
      .where('owner_id', '=', userId).where('desired_state', '=', 'running')
      .returning(['id', 'blueprint_id']).execute();
    for (const r of rows) {
      await this.audit.append({
        actor: by, action: 'workspace.stop', targetType: 'workspace', targetId: r.id,
        blueprintId: r.blueprint_id, outcome: 'success', detail: { reason },
      });
      const w = await readWorkspace(this.db, r.id);
      if (w) this.changed(w);
    }
    return rows.length;
  }

  /**
   * Stops, as the policy sweeper, every workspace meant to run whose owner may no longer
   * use its blueprint, however that came about (its access list, a group, a role or an
   * email changed). One level-triggered pass over all of them (blueprintAccessSweep.ts
   * runs it, and the reconciler before each pass), so no path that changes access has
   * to remember to call it. Files stay.
   */
  async stopWhereBlueprintAccessLost(by: SystemActor): Promise<number> {
    const stopped = await this.db.transaction().execute(async (tx) => {
      const rows = await tx.updateTable('workspaces')
        .set({ ...wishColumns('stopped', this.clock.now()), updated_at: this.clock.now() })
        .where('desired_state', '=', 'running')
        .where(workspaceScope(by, 'stop'))
        .where(sql<boolean>`not ${mayUseBlueprint(sql.ref('workspaces.owner_id'), sql.ref('workspaces.blueprint_id'))}`)
        .returning(['id', 'blueprint_id']).execute();
      for (const r of rows) {
        await this.audit.append({
          actor: by, action: 'workspace.stop', targetType: 'workspace', targetId: r.id,
          blueprintId: r.blueprint_id, outcome: 'success', detail: { reason: 'its owner may no longer use its blueprint' },
        }, tx);
      }
      return rows;
    });
    for (const r of stopped) {
      const w = await readWorkspace(this.db, r.id);
      if (w) this.changed(w);
    }
    return stopped.length;
  }

  /**
   * Refuses a start past the running limit of the policy in force for this blueprint,
   * counting the owner's other workspaces meant to run (starting ones too; stopped ones
   * don't). The owner's row is locked first, so two starts at once can't both pass.
   */
  private async assertWithinRunningLimit(tx: Transaction<Tables>, actor: Actor, ownerId: string, blueprintId: string, exceptId: string | null): Promise<void> {
    await tx.selectFrom('users').select('id').where('id', '=', ownerId).forUpdate().execute();
    const policy = await tx.selectFrom('blueprints')
      .leftJoin('settings as resource_org', (j) => j.on('resource_org.key', '=', RESOURCE_POLICY_KEY))
      .select(effectiveValue('maxRunningPerUser').as('limit')).where('blueprints.id', '=', blueprintId).executeTakeFirst();
    // Named as their builder knows them (the display name): the refusal is read by a person.
    let running = tx.selectFrom('workspaces').select(['id', 'display_name as name'])
      .where('owner_id', '=', ownerId).where('desired_state', '=', 'running').orderBy('created_at').orderBy('name');
    if (exceptId) running = running.where('id', '<>', exceptId);
    const rows = await running.execute();
    const limit = policy?.limit ?? 1;
    if (rows.length >= limit) throw new QuotaExceededError(limit, rows, actor.kind === 'user' && actor.user.id === ownerId);
  }

  /**
   * Activity in a workspace meant to run (terminal input, a chat prompt, a model call, a
   * preview request, a file save): pushes its idle deadline. Written at most every
   * TOUCH_EVERY_MS per workspace, on the injected clock, so a burst of keystrokes is one write.
   */
  async touch(id: string): Promise<void> {
    const now = this.clock.now();
    const last = this.touched.get(id);
    if (last !== undefined && now.getTime() - last < TOUCH_EVERY_MS) return;
    this.touched.set(id, now.getTime());
    await this.markActive(id, now);
  }

  /** Keep running: its owner (or an admin) pushes the idle deadline now; the lifetime still bounds it. */
  async keepAlive(actor: Actor, id: string): Promise<Workspace> {
    const w = await this.get(actor, id, 'operate');
    if (w.desiredState !== 'running') throw new ConflictError('the workspace is not running; start it instead');
    await this.markActive(id, this.clock.now());
    return this.get(actor, id);
  }

  private async markActive(id: string, now: Date): Promise<void> {
    const r = await this.db.updateTable('workspaces').set({ last_active_at: now })
      .where('id', '=', id).where('desired_state', '=', 'running').where('last_active_at', '<', now).executeTakeFirst();
    if (r.numUpdatedRows > 0n) await this.notifyChanged(id);
  }

  /**
   * One pass of the resource policy, as the policy sweeper: stops every workspace meant
   * to run whose deadline (idle or lifetime, policies/workspaceDeadlines.ts) has passed,
   * except while an admin's decision on one of its agent's actions is pending (its agent
   * is waiting, not idle) or a publish of it is under way; and deletes, files and all,
   * every workspace stopped longer than the cleanup allows. Each workspace in its own
   * transaction with its audit record, its row re-checked under lock: a pass cut off
   * anywhere (a restart) leaves each one done or not, and the next does the rest, never twice.
   */
  async enforceResourcePolicy(by: SystemActor): Promise<{ stopped: number; deleted: number }> {
    const now = this.clock.now();
    const busy = (eb: ExpressionBuilder<Tables & { workspaces: Tables['workspaces'] }, 'workspaces'>) => eb.or([
      eb.exists(eb.selectFrom('governance_approvals').select('id')
        .whereRef('governance_approvals.workspace_id', '=', 'workspaces.id').where('governance_approvals.state', '=', 'pending')),
      eb.exists(eb.selectFrom('publish_requests').select('id')
        .whereRef('publish_requests.workspace_id', '=', 'workspaces.id').where('publish_requests.state', 'in', ['approved', 'publishing'])),
    ]);
    const due = await withPolicy(this.db).select(['workspaces.id'])
      .where('workspaces.desired_state', '=', 'running').where(stopDeadline(), '<=', now)
      .where((eb) => eb.not(busy(eb))).where(workspaceScope(by, 'enforcePolicy')).execute();
    const expired = await withPolicy(this.db).select(['workspaces.id'])
      .where('workspaces.desired_state', '=', 'stopped').where(cleanupDeadline(), '<=', now)
      .where(workspaceScope(by, 'enforcePolicy')).execute();
    let stopped = 0;
    let deleted = 0;
    for (const { id } of due) if (await this.policyChange(by, id, 'stopped', now)) stopped++;
    for (const { id } of expired) if (await this.policyChange(by, id, 'deleted', now)) deleted++;
    return { stopped, deleted };
  }

  /** One workspace stopped or cleaned up by the policy, if it is still due once locked. */
  private async policyChange(by: SystemActor, id: string, to: 'stopped' | 'deleted', now: Date): Promise<boolean> {
    const w = await this.db.transaction().execute(async (tx) => {
      await tx.selectFrom('workspaces').select('id').where('id', '=', id).forUpdate().execute();
      const r = await workspaceQuery(tx).where('workspaces.id', '=', id).executeTakeFirst();
      if (!r) return undefined;
      const current = toWorkspace(r);
      let reason: StopReason | null = null;
      let detail: Record<string, unknown>;
      if (to === 'stopped') {
        if (current.desiredState !== 'running' || !current.stopsAt || new Date(current.stopsAt) > now) return undefined;
        reason = current.stopReason;
        detail = { name: current.name, reason, deadline: current.stopsAt };
      } else {
        if (current.desiredState !== 'stopped' || !current.deletesAt || new Date(current.deletesAt) > now) return undefined;
        detail = { name: current.name, reason: 'cleanup', stoppedAt: r.stopped_at?.toISOString() ?? null };
      }
      authorize(by, 'enforcePolicy', { type: 'workspace', ownerId: current.ownerId }, 'workspace');
      await tx.updateTable('workspaces').set({ ...wishColumns(to, now, reason), updated_at: now }).where('id', '=', id).execute();
      await this.audit.append({
        actor: by, action: to === 'stopped' ? 'workspace.stop' : 'workspace.delete', targetType: 'workspace', targetId: id,
        blueprintId: current.blueprintId, outcome: 'success', detail,
      }, tx);
      return readWorkspace(tx, id);
    });
    if (w) this.changed(w);
    return Boolean(w);
  }

  /**
   * What the runtime reports, recorded by the reconciler (what it sent) or an agent
   * (what it saw). Settled outcomes (running, stopped, failed, deleted) are audited
   * as that actor's doing. With `ifState`, only from that state: false when it had moved on.
   */
  async setObserved(by: SystemActor, id: string, state: WorkspaceState, message: string, agentId?: string, options: { ifState?: WorkspaceState } = {}): Promise<boolean> {
    let stale = false;
    const w = await this.db.transaction().execute(async (tx) => {
      const before = await tx.selectFrom('workspaces').select(['state', 'state_message', 'blueprint_id', 'agent_id', 'owner_id'])
        .where('id', '=', id).forUpdate().executeTakeFirst();
      if (before) authorize(by, 'observe', { type: 'workspace', ownerId: before.owner_id }, 'workspace');
      if (!before || before.state === 'deleted') return undefined;
      // Compare-and-set: the caller acted on a state it read earlier, and a report came in since.
      if (options.ifState !== undefined && before.state !== options.ifState) {
        stale = true;
        return undefined;
      }
      if (before.state === state && before.state_message === message && (agentId === undefined || before.agent_id === agentId)) {
        return undefined;
      }
      await tx.updateTable('workspaces')
        .set({ state, state_message: message, updated_at: this.clock.now(), ...(agentId !== undefined ? { agent_id: agentId } : {}) })
        .where('id', '=', id).execute();
      await this.recordRun(tx, { id, ownerId: before.owner_id, blueprintId: before.blueprint_id }, before.state, state);
      if (before.state !== state && ['running', 'stopped', 'failed', 'deleted'].includes(state)) {
        await this.audit.append({
          actor: by, action: `workspace.${state}`, targetType: 'workspace', targetId: id,
          blueprintId: before.blueprint_id, outcome: state === 'failed' ? 'failure' : 'success',
          detail: message ? { message } : {},
        }, tx);
      }
      return readWorkspace(tx, id);
    });
    if (w) this.changed(w);
    return !stale;
  }

  /**
   * Compute time: a run opens when the workspace is reported running, and closes when it is
   * reported on its way down or down (stopping, stopped, failed, deleted). A stale "starting"
   * from an agent right after "running" is no stop: the run stays open, rather than splitting in two.
   */
  private async recordRun(tx: Transaction<Tables>, w: { id: string; ownerId: string; blueprintId: string }, from: WorkspaceState, to: WorkspaceState): Promise<void> {
    const now = this.clock.now();
    if (to === 'running') {
      await tx.insertInto('workspace_runs').values({ workspace_id: w.id, user_id: w.ownerId, blueprint_id: w.blueprintId, started_at: now })
        .onConflict((oc) => oc.column('workspace_id').where('ended_at', 'is', null).doNothing()).execute();
    } else if (from !== to && RUN_ENDS.has(to)) {
      await tx.updateTable('workspace_runs').set({ ended_at: now }).where('workspace_id', '=', w.id).where('ended_at', 'is', null).execute();
    }
  }

  /** Tells subscribers about a change made elsewhere (a resource report). */
  async notifyChanged(id: string): Promise<void> {
    const w = await readWorkspace(this.db, id);
    if (w) this.changed(w);
  }

  /** Every change, once committed, goes on the bus: live views, the reconciler, other portals. */
  private changed(w: Workspace) {
    this.events.publish('workspace', w);
  }
}

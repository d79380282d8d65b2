import type { Selectable, Transaction } from 'kysely';
import type { DesiredState, Workspace, WorkspaceState } from '@paddock/protocol';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { Tables } from '../db/schema.js';
import type { AuditLog } from '../audit/auditLog.js';
import { canSeeAll, isAdmin, type UserActor } from '../auth/actor.js';
import { sql } from 'kysely';
import { ApiError, BlueprintAccessLostError, ConflictError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import type { WorkspaceEvents } from './workspaceEvents.js';
import { mayUseBlueprint, type BlueprintAccessControl } from '../blueprints/blueprintAccess.js';
import { workspaceResourceStatus } from './workspaceResources.js';

type Db = Database | Transaction<Tables>;

type WorkspaceRow = Selectable<Tables['workspaces']> & { owner_email: string; blueprint_name: string };

const toWorkspace = (r: WorkspaceRow): Workspace => ({
  id: r.id, name: r.name, ownerId: r.owner_id, ownerEmail: r.owner_email,
  blueprintId: r.blueprint_id, blueprintName: r.blueprint_name,
  state: r.state, desiredState: r.desired_state,
  stateMessage: r.state_message, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
  resources: workspaceResourceStatus(r.resource_usage),
});

/**
 * Workspaces as their owners see them. Every read and write is scoped by the actor:
 * a builder's query for someone else's workspace finds nothing (404), so nothing leaks.
 * Admins see and touch all workspaces.
 */
export class Workspaces {
  /** Called after a change the reconciler should act on. */
  onChange: () => void = () => {};

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly events: WorkspaceEvents,
    private readonly blueprintAccess: BlueprintAccessControl,
  ) {}

  private query(db: Db) {
    return db.selectFrom('workspaces')
      .innerJoin('users', 'users.id', 'workspaces.owner_id')
      .innerJoin('blueprints', 'blueprints.id', 'workspaces.blueprint_id')
      .selectAll('workspaces')
      .select(['users.email as owner_email', 'blueprints.name as blueprint_name']);
  }

  private async load(db: Db, id: string): Promise<Workspace | undefined> {
    const r = await this.query(db).where('workspaces.id', '=', id).executeTakeFirst();
    return r && toWorkspace(r);
  }

  async list(actor: UserActor, options: { all?: boolean } = {}): Promise<Workspace[]> {
    let q = this.query(this.db).where('workspaces.state', '<>', 'deleted').orderBy('workspaces.created_at', 'desc');
    if (!(options.all && canSeeAll(actor))) q = q.where('workspaces.owner_id', '=', actor.user.id);
    return (await q.execute()).map(toWorkspace);
  }

  /** The workspace if the actor may see it; otherwise NotFoundError. */
  async get(actor: UserActor, id: string): Promise<Workspace> {
    const w = await this.load(this.db, id);
    if (!w || w.state === 'deleted' || (w.ownerId !== actor.user.id && !canSeeAll(actor))) throw new NotFoundError('workspace');
    return w;
  }

  /** The agent a workspace runs on (no actor: callers have already checked access). */
  async agentOf(id: string): Promise<string | null> {
    const r = await this.db.selectFrom('workspaces').select('agent_id').where('id', '=', id).executeTakeFirst();
    return r?.agent_id ?? null;
  }

  /** A refused or failed operation is audited too, after its transaction rolled back. */
  private async audited<T>(actor: UserActor, action: string, targetId: string | null, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      await this.audit.append({
        actorId: actor.user.id, actorEmail: actor.user.email, action, targetType: 'workspace', targetId,
        outcome: 'failure', detail: { error: err instanceof ApiError ? err.code : 'internal' },
      });
      throw err;
    }
  }

  async create(actor: UserActor, input: { blueprintId: string; name: string }): Promise<Workspace> {
    return this.audited(actor, 'workspace.create', null, () => this.createIn(actor, input));
  }

  private async createIn(actor: UserActor, input: { blueprintId: string; name: string }): Promise<Workspace> {
    await this.blueprintAccess.assertUsable(actor, input.blueprintId);
    const now = this.clock.now();
    const w = await this.db.transaction().execute(async (tx) => {
      const bp = await tx.selectFrom('blueprints').select(['id']).where('id', '=', input.blueprintId).executeTakeFirst();
      if (!bp) throw new NotFoundError('blueprint');
      const clash = await tx.selectFrom('workspaces').select('id')
        .where('owner_id', '=', actor.user.id).where('name', '=', input.name).where('state', '<>', 'deleted').executeTakeFirst();
      if (clash) throw new ConflictError(`you already have a workspace named ${input.name}`);
      const id = newId();
      await tx.insertInto('workspaces').values({
        id, name: input.name, owner_id: actor.user.id, blueprint_id: bp.id, agent_id: null,
        state: 'pending', desired_state: 'running', state_message: '', created_at: now, updated_at: now,
      }).execute();
      await this.audit.append({
        actorId: actor.user.id, actorEmail: actor.user.email, action: 'workspace.create',
        targetType: 'workspace', targetId: id, blueprintId: bp.id, outcome: 'success', detail: { name: input.name },
      }, tx);
      return (await this.load(tx, id))!;
    });
    this.changed(w);
    return w;
  }

  /** Records the owner's wish (start, stop, delete); the reconciler makes it so. */
  async setDesired(actor: UserActor, id: string, desired: DesiredState): Promise<Workspace> {
    const action = { running: 'workspace.start', stopped: 'workspace.stop', deleted: 'workspace.delete' }[desired];
    return this.audited(actor, action, id, () => this.setDesiredIn(actor, id, desired, action));
  }

  private async setDesiredIn(actor: UserActor, id: string, desired: DesiredState, action: string): Promise<Workspace> {
    const w = await this.db.transaction().execute(async (tx) => {
      const current = await this.load(tx, id);
      if (!current || current.state === 'deleted' || (current.ownerId !== actor.user.id && !isAdmin(actor))) {
        throw new NotFoundError('workspace');
      }
      // It would run with the blueprint's credentials: only for an owner who may still use it, whoever asks.
      if (desired === 'running' && !(await this.blueprintAccess.mayUse(current.ownerId, current.blueprintId, tx))) {
        throw new BlueprintAccessLostError(current.ownerId === actor.user.id);
      }
      // Starting a failed workspace is how its owner retries.
      const state = desired === 'running' && current.state === 'failed' ? 'pending' : current.state;
      await tx.updateTable('workspaces')
        .set({ desired_state: desired, state, state_message: '', updated_at: this.clock.now() })
        .where('id', '=', id).execute();
      await this.audit.append({
        actorId: actor.user.id, actorEmail: actor.user.email, action,
        targetType: 'workspace', targetId: id, blueprintId: current.blueprintId, outcome: 'success',
        detail: { name: current.name, from: current.state },
      }, tx);
      return (await this.load(tx, id))!;
    });
    this.changed(w);
    return w;
  }

  /**
   * Stops every workspace a user owns, as the system (deactivation, removal).
   * Their files stay. Returns how many were asked to stop.
   */
  async stopAllOwnedBy(userId: string, reason: string): Promise<number> {
    const rows = await this.db.updateTable('workspaces')
      .set({ desired_state: 'stopped', updated_at: this.clock.now() })
      .where('owner_id', '=', userId).where('desired_state', '=', 'running')
      .returning(['id', 'blueprint_id']).execute();
    for (const r of rows) {
      await this.audit.append({
        actorId: null, actorEmail: 'system', action: 'workspace.stop', targetType: 'workspace', targetId: r.id,
        blueprintId: r.blueprint_id, outcome: 'success', detail: { reason },
      });
      const w = await this.load(this.db, r.id);
      if (w) this.events.emit('workspace', w);
    }
    this.onChange();
    return rows.length;
  }

  /**
   * Stops, as the system, every workspace meant to run whose owner may no longer use
   * its blueprint, however that came about (its access list, a group, a role or an
   * email changed). One level-triggered pass over all of them (blueprintAccessSweep.ts
   * runs it), so no path that changes access has to remember to call it. Files stay.
   */
  async stopWhereBlueprintAccessLost(): Promise<number> {
    const stopped = await this.db.transaction().execute(async (tx) => {
      const rows = await tx.updateTable('workspaces')
        .set({ desired_state: 'stopped', updated_at: this.clock.now() })
        .where('desired_state', '=', 'running')
        .where(sql<boolean>`not ${mayUseBlueprint(sql.ref('workspaces.owner_id'), sql.ref('workspaces.blueprint_id'))}`)
        .returning(['id', 'blueprint_id']).execute();
      for (const r of rows) {
        await this.audit.append({
          actorId: null, actorEmail: 'system', action: 'workspace.stop', targetType: 'workspace', targetId: r.id,
          blueprintId: r.blueprint_id, outcome: 'success', detail: { reason: 'its owner may no longer use its blueprint' },
        }, tx);
      }
      return rows;
    });
    for (const r of stopped) {
      const w = await this.load(this.db, r.id);
      if (w) this.events.emit('workspace', w);
    }
    if (stopped.length > 0) this.onChange();
    return stopped.length;
  }

  /**
   * The reconciler's view: records what the runtime reports. Settled outcomes
   * (running, stopped, failed, deleted) are audited as the system's doing.
   */
  async setObserved(id: string, state: WorkspaceState, message: string, agentId?: string): Promise<void> {
    const w = await this.db.transaction().execute(async (tx) => {
      const before = await tx.selectFrom('workspaces').select(['state', 'state_message', 'blueprint_id', 'agent_id'])
        .where('id', '=', id).forUpdate().executeTakeFirst();
      if (!before || before.state === 'deleted') return undefined;
      if (before.state === state && before.state_message === message && (agentId === undefined || before.agent_id === agentId)) {
        return undefined;
      }
      await tx.updateTable('workspaces')
        .set({ state, state_message: message, updated_at: this.clock.now(), ...(agentId !== undefined ? { agent_id: agentId } : {}) })
        .where('id', '=', id).execute();
      if (before.state !== state && ['running', 'stopped', 'failed', 'deleted'].includes(state)) {
        await this.audit.append({
          actorId: null, actorEmail: 'system', action: `workspace.${state}`, targetType: 'workspace', targetId: id,
          blueprintId: before.blueprint_id, outcome: state === 'failed' ? 'failure' : 'success',
          detail: message ? { message } : {},
        }, tx);
      }
      return this.load(tx, id);
    });
    if (w) this.changed(w);
  }

  /** Tells live views about a change the reconciler has nothing to do for (a resource report). */
  async notifyChanged(id: string): Promise<void> {
    const w = await this.load(this.db, id);
    if (w) this.events.emit('workspace', w);
  }

  private changed(w: Workspace) {
    this.events.emit('workspace', w);
    this.onChange();
  }
}

import type { Selectable, Transaction } from 'kysely';
import type { DesiredState, Workspace, WorkspaceState } from '@paddock/protocol';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { Tables } from '../db/schema.js';
import type { AuditLog } from '../audit/auditLog.js';
import type { Actor, SystemActor, UserActor } from '../auth/actor.js';
import { authorize, workspaceScope, type WorkspaceAction, type WorkspaceResource } from '../authz/policy.js';
import { sql } from 'kysely';
import { ApiError, BlueprintAccessLostError, ConflictError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import type { EventBus } from '../events/eventBus.js';
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

function workspaceQuery(db: Db) {
  return db.selectFrom('workspaces')
    .innerJoin('users', 'users.id', 'workspaces.owner_id')
    .innerJoin('blueprints', 'blueprints.id', 'workspaces.blueprint_id')
    .selectAll('workspaces')
    .select(['users.email as owner_email', 'blueprints.name as blueprint_name']);
}

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
        actor, action: 'workspace.create',
        targetType: 'workspace', targetId: id, blueprintId: bp.id, outcome: 'success', detail: { name: input.name },
      }, tx);
      return (await readWorkspace(tx, id))!;
    });
    this.changed(w);
    return w;
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
      // Starting a failed workspace is how its owner retries.
      const state = desired === 'running' && current.state === 'failed' ? 'pending' : current.state;
      await tx.updateTable('workspaces')
        .set({ desired_state: desired, state, state_message: '', updated_at: this.clock.now() })
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
      .set({ desired_state: 'stopped', updated_at: this.clock.now() })
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
        .set({ desired_state: 'stopped', updated_at: this.clock.now() })
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
   * What the runtime reports, recorded by the reconciler (what it sent) or an agent
   * (what it saw). Settled outcomes (running, stopped, failed, deleted) are audited
   * as that actor's doing.
   */
  async setObserved(by: SystemActor, id: string, state: WorkspaceState, message: string, agentId?: string): Promise<void> {
    const w = await this.db.transaction().execute(async (tx) => {
      const before = await tx.selectFrom('workspaces').select(['state', 'state_message', 'blueprint_id', 'agent_id', 'owner_id'])
        .where('id', '=', id).forUpdate().executeTakeFirst();
      if (before) authorize(by, 'observe', { type: 'workspace', ownerId: before.owner_id }, 'workspace');
      if (!before || before.state === 'deleted') return undefined;
      if (before.state === state && before.state_message === message && (agentId === undefined || before.agent_id === agentId)) {
        return undefined;
      }
      await tx.updateTable('workspaces')
        .set({ state, state_message: message, updated_at: this.clock.now(), ...(agentId !== undefined ? { agent_id: agentId } : {}) })
        .where('id', '=', id).execute();
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

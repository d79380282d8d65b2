import { randomBytes } from 'node:crypto';
import type { Selectable, Transaction } from 'kysely';
import { subdomainSchema, type AppState, type PublishedApp, type PublishState } from '@paddock/protocol';
import type { Actor, UserActor } from '../auth/actor.js';
import { appScope, authorize } from '../authz/policy.js';
import type { Tables } from '../db/schema.js';
import type { PublishedAppsTable, PublishRequestsTable } from '../db/publishSchema.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { PortalServices } from '../services.js';
import type { AppAuth } from './appAuth.js';
import { APP_AUTH_PATH, sameOriginPath } from './appPaths.js';
import { appOrigin } from './appHost.js';

type Deps = Pick<PortalServices, 'db' | 'clock' | 'audit' | 'events' | 'config'> & { appAuth: AppAuth };
export type AppRow = Selectable<PublishedAppsTable>;
type RequestRow = Selectable<PublishRequestsTable>;

/** Request states whose version was approved: what a rollback may take without a new review, and what a new request is compared with. */
export const APPROVED_BEFORE: readonly PublishState[] = ['approved', 'publishing', 'live'];

/**
 * The sandbox that serves one version of an app: a version is immutable, so is its sandbox.
 * Another version (a new publish, a rollback) is another sandbox, started while the one before
 * still serves and removed once the new one answers.
 */
export const appSandboxId = (appId: string, version: string): string => `app-${appId}-${version.slice(0, 12)}`;
/** Whether a runtime's id names an app's sandbox (never a workspace's: those are bare UUIDs). */
export const isAppSandbox = (id: string): boolean => /^app-[0-9a-f]{16}-[0-9a-f]{12}$/.test(id);
/** The app a sandbox id names. */
export const appIdOf = (sandboxId: string): string => sandboxId.slice('app-'.length, 'app-'.length + 16);
/**
 * 64 random bits, hex: short, so a sandbox's id stays shorter than a workspace's UUID (its
 * bridges' socket paths must fit the 108 bytes a Unix socket address holds).
 */
const newAppId = (): string => randomBytes(8).toString('hex');

/**
 * Published apps (issue 10): one per workspace, at its subdomain, serving an approved
 * version from a sandbox of its own on the agent that keeps the workspace's versions.
 * This holds what should serve and what does; the AppReconciler makes the agent agree
 * and says when a version answers (live) or didn't start (failed). Every change is
 * audited with its version, and heard on the event bus as the app's request's `publish` event.
 */
export class PublishedApps {
  constructor(private readonly deps: Deps) {}

  toApp(row: AppRow & { owner_email: string }): PublishedApp {
    const { publicUrl, appsDomain } = this.deps.config;
    return {
      subdomain: row.subdomain, url: appOrigin(publicUrl, appsDomain, row.subdomain), ownerId: row.owner_id, ownerEmail: row.owner_email,
      workspaceId: row.workspace_id, blueprintId: row.blueprint_id, version: row.version, liveVersion: row.live_version,
      access: row.access, state: row.state, message: row.message, command: row.command, port: row.port, requestId: row.request_id,
      updatedAt: row.updated_at.toISOString(),
    };
  }

  /** Admins and auditors see every app; anyone else their own. Newest change first. */
  async list(actor: Actor, state?: AppState): Promise<PublishedApp[]> {
    let q = this.deps.db.selectFrom('published_apps').innerJoin('users', 'users.id', 'published_apps.owner_id')
      .selectAll('published_apps').select('users.email as owner_email').where(appScope(actor));
    if (state) q = q.where('published_apps.state', '=', state);
    return (await q.orderBy('published_apps.updated_at', 'desc').limit(1000).execute()).map((r) => this.toApp(r));
  }

  async get(actor: Actor, subdomain: string): Promise<PublishedApp> {
    const row = await this.row(actor, subdomain, 'read');
    return this.toApp({ ...row, owner_email: await this.ownerEmail(row.owner_id) });
  }

  /** Every version of the app that was approved, newest first: the ones a rollback may take. */
  async versions(actor: Actor, subdomain: string) {
    const app = await this.row(actor, subdomain, 'read');
    const rows = await this.deps.db.selectFrom('publish_requests').selectAll().where('workspace_id', '=', app.workspace_id)
      .where('state', 'in', APPROVED_BEFORE).orderBy('requested_at', 'desc').orderBy('id', 'desc').limit(200).execute();
    const seen = new Set<string>();
    return rows.filter((r) => !seen.has(r.version) && seen.add(r.version)).map((r) => ({
      version: r.version, requestId: r.id, note: r.note, requestedAt: r.requested_at.toISOString(), decidedBy: r.decided_by,
      decidedAt: r.decided_at?.toISOString() ?? null, live: app.state !== 'unpublished' && app.live_version === r.version,
    }));
  }

  /**
   * Serves an earlier version again, with no new review: it was approved before (by a reviewer,
   * or at once for a trusted builder whose checks passed). Also republishes an unpublished app.
   */
  async rollback(actor: Actor, subdomain: string, version: string): Promise<PublishedApp> {
    const app = await this.row(actor, subdomain, 'manage');
    const request = await this.deps.db.selectFrom('publish_requests').selectAll().where('workspace_id', '=', app.workspace_id)
      .where('version', '=', version).where('state', 'in', APPROVED_BEFORE).orderBy('requested_at', 'desc').executeTakeFirst();
    if (!request) throw new ConflictError(`version ${version.slice(0, 12)} was never approved for this app: publish it and have it reviewed`);
    if (app.state !== 'unpublished' && app.version === version && app.state !== 'failed') {
      throw new ConflictError(`the app already serves version ${version.slice(0, 12)}`);
    }
    const row = await this.deps.db.transaction().execute(async (tx) => {
      const updated = await tx.updateTable('published_apps').set({ version, request_id: request.id, state: 'publishing', message: '', updated_at: this.deps.clock.now() })
        .where('id', '=', app.id).where('updated_at', '=', app.updated_at).returningAll().executeTakeFirst();
      if (!updated) throw new ConflictError('the app changed meanwhile: look at it again');
      await tx.updateTable('publish_requests').set({ state: 'publishing', message: null }).where('id', '=', request.id).execute();
      await this.deps.audit.append({
        actor, action: 'app.rollback', targetType: 'app', targetId: app.subdomain, blueprintId: app.blueprint_id, outcome: 'success',
        detail: { subdomain: app.subdomain, version, from: app.live_version, requestId: request.id, owner: app.owner_id },
      }, tx);
      return updated;
    });
    this.changed(row);
    return this.toApp({ ...row, owner_email: await this.ownerEmail(row.owner_id) });
  }

  /** Takes the app down: it serves nothing until its builder publishes or rolls back again. Its builder, an admin, or a kill switch. */
  async unpublish(actor: Actor, subdomain: string, reason?: string): Promise<PublishedApp> {
    const app = await this.row(actor, subdomain, 'manage');
    if (app.state === 'unpublished') throw new ConflictError('the app is not published');
    const row = await this.deps.db.transaction().execute((tx) => this.takeDown(tx, actor, app, reason));
    this.changed(row);
    return this.toApp({ ...row, owner_email: await this.ownerEmail(row.owner_id) });
  }

  /** Inside the transaction that unpublishes: the requests that were on their way or live go back to approved (a rollback may take them). */
  async takeDown(tx: Transaction<Tables>, actor: Actor, app: AppRow, reason?: string): Promise<AppRow> {
    const updated = await tx.updateTable('published_apps').set({ state: 'unpublished', live_version: null, message: reason ?? '', updated_at: this.deps.clock.now() })
      .where('id', '=', app.id).returningAll().executeTakeFirstOrThrow();
    await tx.updateTable('publish_requests').set({ state: 'approved' }).where('workspace_id', '=', app.workspace_id).where('state', 'in', ['publishing', 'live']).execute();
    await this.deps.audit.append({
      actor, action: 'app.unpublish', targetType: 'app', targetId: app.subdomain, blueprintId: app.blueprint_id, outcome: 'success',
      detail: { subdomain: app.subdomain, version: app.live_version, owner: app.owner_id, ...(reason ? { reason } : {}) },
    }, tx);
    return updated;
  }

  /**
   * An approved request's version becomes what its workspace's app serves (made on the first
   * approval), inside the transaction that approved it: approved and publishing are one step.
   */
  async publishApproved(tx: Transaction<Tables>, request: RequestRow, agentId: string, start: { command: string; port: number }): Promise<AppRow> {
    const now = this.deps.clock.now();
    const values = {
      subdomain: request.subdomain, access: request.access, command: start.command, port: start.port, request_id: request.id,
      version: request.version, state: 'publishing' as const, message: '', updated_at: now,
    };
    const existing = await tx.selectFrom('published_apps').selectAll().where('workspace_id', '=', request.workspace_id).forUpdate().executeTakeFirst();
    const row = existing
      ? await tx.updateTable('published_apps').set(values).where('id', '=', existing.id).returningAll().executeTakeFirstOrThrow()
      : await tx.insertInto('published_apps').values({
        id: newAppId(), workspace_id: request.workspace_id, owner_id: request.owner_id, blueprint_id: request.blueprint_id, agent_id: agentId,
        live_version: null, created_at: now, ...values,
      }).returningAll().executeTakeFirstOrThrow();
    await tx.updateTable('publish_requests').set({ state: 'publishing' }).where('id', '=', request.id).execute();
    return row;
  }

  /** The version answered: it serves, and the request before it that served goes back to approved. The app, when this made it live. */
  async markLive(appId: string, version: string): Promise<AppRow | undefined> {
    const row = await this.deps.db.transaction().execute(async (tx) => {
      const app = await tx.selectFrom('published_apps').selectAll().where('id', '=', appId).forUpdate().executeTakeFirst();
      if (!app || app.state !== 'publishing' || app.version !== version) return undefined;
      const updated = await tx.updateTable('published_apps').set({ state: 'live', live_version: version, message: '', updated_at: this.deps.clock.now() })
        .where('id', '=', app.id).returningAll().executeTakeFirstOrThrow();
      await tx.updateTable('publish_requests').set({ state: 'approved' }).where('workspace_id', '=', app.workspace_id).where('state', '=', 'live').execute();
      await tx.updateTable('publish_requests').set({ state: 'live', message: null }).where('id', '=', app.request_id).execute();
      await this.deps.audit.append({
        actor: { kind: 'system', name: 'reconciler' }, action: 'app.live', targetType: 'app', targetId: app.subdomain, blueprintId: app.blueprint_id, outcome: 'success',
        detail: { subdomain: app.subdomain, version, previous: app.live_version, requestId: app.request_id, owner: app.owner_id, access: app.access },
      }, tx);
      return updated;
    });
    if (row) this.changed(row);
    return row;
  }

  /** The version did not start or answer: said to the builder; a version that served before serves on. */
  async markFailed(appId: string, version: string, message: string): Promise<void> {
    const row = await this.deps.db.transaction().execute(async (tx) => {
      const app = await tx.selectFrom('published_apps').selectAll().where('id', '=', appId).forUpdate().executeTakeFirst();
      if (!app || app.state !== 'publishing' || app.version !== version) return undefined;
      const updated = await tx.updateTable('published_apps').set({ state: 'failed', message, updated_at: this.deps.clock.now() })
        .where('id', '=', app.id).returningAll().executeTakeFirstOrThrow();
      await tx.updateTable('publish_requests').set({ state: 'failed', message }).where('id', '=', app.request_id).execute();
      await this.deps.audit.append({
        actor: { kind: 'system', name: 'reconciler' }, action: 'app.fail', targetType: 'app', targetId: app.subdomain, blueprintId: app.blueprint_id, outcome: 'failure',
        detail: { subdomain: app.subdomain, version, requestId: app.request_id, owner: app.owner_id, message: message.slice(0, 500) },
      }, tx);
      return updated;
    });
    if (row) this.changed(row);
  }

  /**
   * Where a member lands signed in to an app: its origin's sign-in path with a one-time token
   * (an "everyone signed in" app), or the app itself (a public one). Any active member may
   * open any published app; one not published is not found.
   */
  async signInLink(actor: UserActor, subdomain: string, path: string): Promise<string> {
    const row = subdomainSchema.safeParse(subdomain).success
      ? await this.deps.db.selectFrom('published_apps').select(['subdomain', 'access', 'state']).where('subdomain', '=', subdomain).executeTakeFirst()
      : undefined;
    if (!row || row.state === 'unpublished') throw new NotFoundError('app');
    const origin = appOrigin(this.deps.config.publicUrl, this.deps.config.appsDomain, row.subdomain);
    const landing = sameOriginPath(path);
    if (row.access === 'public') return new URL(landing, origin).toString();
    const token = await this.deps.appAuth.issue({ userId: actor.user.id, subdomain: row.subdomain, portalSessionHash: actor.sessionHash ?? null });
    const link = new URL(APP_AUTH_PATH, origin);
    link.searchParams.set('token', token);
    link.searchParams.set('path', landing);
    return link.toString();
  }

  private async row(actor: Actor, subdomain: string, action: 'read' | 'manage'): Promise<AppRow> {
    const row = subdomainSchema.safeParse(subdomain).success
      ? await this.deps.db.selectFrom('published_apps').selectAll().where('subdomain', '=', subdomain).executeTakeFirst()
      : undefined;
    if (!row) throw new NotFoundError('app');
    authorize(actor, action, { type: 'app', ownerId: row.owner_id }, 'app');
    return row;
  }

  private async ownerEmail(userId: string): Promise<string> {
    return (await this.deps.db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirst())?.email ?? '';
  }

  /** Heard as its request's change: whoever follows the workspace's publishing reads it again. */
  changed(row: AppRow): void {
    this.deps.events.publish('publish', { publishId: row.request_id, workspaceId: row.workspace_id });
  }
}

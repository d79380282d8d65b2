import type { Selectable } from 'kysely';
import {
  appPortProblem, defaultAppStart, type CreatePublishRequest, type PublishCheckResult, type PublishRequest, type PublishRequestDetail, type PublishState, type PublishStatus,
} from '@paddock/protocol';
import type { UserActor } from '../auth/actor.js';
import { authorize, publishRequestScope } from '../authz/policy.js';
import type { PublishRequestsTable } from '../db/publishSchema.js';
import { readWorkspaceConfig } from '../blueprints/workspaceSetup.js';
import { ApiError, ConflictError, ForbiddenError, InputError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import type { PortalServices } from '../services.js';
import type { AgentVersions } from './agentVersions.js';
import { APPROVED_BEFORE, type PublishedApps } from './publishedApps.js';
import { previewActivityCheck } from './previewActivityCheck.js';

type Deps = Pick<PortalServices, 'db' | 'clock' | 'audit' | 'events' | 'workspaces' | 'governancePolicies'> & { versions: AgentVersions; apps: PublishedApps };
type Row = Selectable<PublishRequestsTable>;

/** States in which a request holds its subdomain: on its way to being served, or served. */
const HOLDING: readonly PublishState[] = ['pending', 'approved', 'publishing', 'live'];
/** Findings kept per check: the summary is for a reviewer's eyes, not an archive. */
const MAX_FINDINGS_KEPT = 200;

const toRequest = (r: Row): PublishRequest => ({
  id: r.id, workspaceId: r.workspace_id, ownerId: r.owner_id, blueprintId: r.blueprint_id, subdomain: r.subdomain, access: r.access,
  command: r.command, port: r.port, note: r.note, version: r.version, baseVersion: r.base_version, state: r.state, checks: r.checks,
  trusted: r.trusted, requestedAt: r.requested_at.toISOString(), decidedBy: r.decided_by, decidedAt: r.decided_at?.toISOString() ?? null, feedback: r.feedback, message: r.message,
});

/** A secret in the version: critical, it blocks approval (and a trusted builder's skipping of review). */
const critical = (checks: readonly PublishCheckResult[]) => checks.some((c) => c.name === 'secret-scan' && c.status === 'failed');

/**
 * Publish requests (issue 10): a builder asks for a workspace's files to be published
 * at a subdomain. The agent snapshots them as a version and runs the checks on exactly
 * it; the portal keeps the request, the version id and the checks' summary, never the
 * files (a reviewer's diff is read from the agent when asked). An admin other than the
 * owner approves or rejects it; a trusted builder (trusted as a member, on a blueprint
 * that trusts its builders) whose checks all passed is approved at once. Every request
 * and decision is audited with its version. Approving hands the version to the
 * workspace's app (publishedApps.ts) in the same transaction: the request is then
 * `publishing`, and the app reconciler takes it to `live` or `failed`.
 */
export class Publishing {
  constructor(private readonly deps: Deps) {}

  async request(actor: UserActor, workspaceId: string, input: CreatePublishRequest): Promise<PublishRequest> {
    const { db, clock, audit } = this.deps;
    const workspace = await this.deps.workspaces.get(actor, workspaceId, 'publish');
    if (workspace.state !== 'running') throw new ApiError(409, 'not_running', `the workspace is ${workspace.state}; start it first`);
    const agentId = await this.deps.workspaces.agentOf(workspace.id);
    if (!agentId) throw new ApiError(409, 'not_running', 'the workspace is not placed on an agent');
    const blueprint = await db.selectFrom('blueprints').select(['allow_public_apps', 'trusted_publishing', 'workspace_config']).where('id', '=', workspace.blueprintId).executeTakeFirst();
    if (!blueprint) throw new NotFoundError('blueprint');
    const start = appStart(input, readWorkspaceConfig(blueprint.workspace_config));
    if (input.access === 'public' && !blueprint.allow_public_apps) {
      throw new ForbiddenError("this workspace's blueprint does not allow public apps: choose access \"organization\", or ask an admin to allow them");
    }
    await this.assertSubdomainFree(input.subdomain, workspace.id);
    const baseVersion = (await this.lastPublished(workspace.id))?.version ?? 'empty';
    const snapshot = await this.deps.versions.snapshot(agentId, workspace.id, {
      message: input.note ?? `Publish to ${input.subdomain}`, author: { name: actor.user.name, email: actor.user.email }, includeNodeModules: false, since: baseVersion,
    });
    const checks = [...snapshot.checks, await previewActivityCheck(this.deps, workspace.id)].map((c) => ({ ...c, findings: c.findings.slice(0, MAX_FINDINGS_KEPT) }));
    // Read now, not from the session: trust revoked a moment ago is revoked.
    const owner = await db.selectFrom('users').select('trusted').where('id', '=', actor.user.id).executeTakeFirstOrThrow();
    const trusted = owner.trusted && blueprint.trusted_publishing;
    const autoApproved = trusted && checks.every((c) => c.status === 'passed');
    const now = clock.now();
    const row = await db.transaction().execute(async (tx) => {
      const inserted = await tx.insertInto('publish_requests').values({
        id: newId(), workspace_id: workspace.id, owner_id: actor.user.id, blueprint_id: workspace.blueprintId,
        subdomain: input.subdomain, access: input.access, command: start.command, port: start.port, note: input.note ?? null,
        version: snapshot.version, base_version: baseVersion, state: autoApproved ? 'approved' : 'pending', checks: JSON.stringify(checks),
        trusted, requested_at: now, ...(autoApproved ? { decided_at: now, decided_by: actor.user.id } : {}),
      }).returningAll().executeTakeFirstOrThrow();
      const summary = { version: snapshot.version, baseVersion, subdomain: input.subdomain, access: input.access, trusted, checks: checks.map((c) => ({ name: c.name, status: c.status, findings: c.findings.length })) };
      await audit.append({ actor, action: 'publish.request', targetType: 'publish_request', targetId: inserted.id, blueprintId: workspace.blueprintId, outcome: 'success', detail: summary }, tx);
      if (autoApproved) {
        await audit.append({
          actor, action: 'publish.approve', targetType: 'publish_request', targetId: inserted.id, blueprintId: workspace.blueprintId, outcome: 'success',
          detail: { version: snapshot.version, subdomain: input.subdomain, trusted: true, automatic: true },
        }, tx);
        return this.deps.apps.publishApproved(tx, inserted, agentId, start).then(() => ({ ...inserted, state: 'publishing' as const }));
      }
      return inserted;
    });
    this.changed(row);
    return toRequest(row);
  }

  /** Admins and auditors see every request; anyone else their own. Newest first. */
  async list(actor: UserActor, state?: PublishState): Promise<PublishRequest[]> {
    let q = this.deps.db.selectFrom('publish_requests').selectAll().where(publishRequestScope(actor));
    if (state) q = q.where('state', '=', state);
    return (await q.orderBy('requested_at', 'desc').orderBy('id', 'desc').limit(500).execute()).map(toRequest);
  }

  /** The request with what changed since the version before it, read from the agent now and held only for this answer. */
  async get(actor: UserActor, id: string): Promise<PublishRequestDetail> {
    const row = await this.row(actor, id, 'read');
    const agentId = await this.deps.workspaces.agentOf(row.workspace_id);
    if (!agentId) throw new ApiError(409, 'not_running', "the workspace is on no agent: its versions can't be read");
    const diff = await this.deps.versions.diff(agentId, row.workspace_id, row.base_version, row.version);
    return { ...toRequest(row), diff };
  }

  async approve(actor: UserActor, id: string): Promise<PublishRequest> {
    const row = await this.row(actor, id, 'decide');
    if (row.state !== 'pending') throw new ConflictError(`this request is ${row.state}, not pending`);
    if (critical(row.checks)) throw new ConflictError('the secret scan found a secret in this version: it cannot be approved; the builder removes it and asks again');
    const newest = await this.deps.db.selectFrom('publish_requests').select('id').where('workspace_id', '=', row.workspace_id)
      .orderBy('requested_at', 'desc').orderBy('id', 'desc').executeTakeFirstOrThrow();
    if (newest.id !== row.id) throw new ConflictError('a newer publish request of this workspace replaced this one: its checks are stale; decide the newest');
    return this.decide(actor, row, 'approved', null);
  }

  async reject(actor: UserActor, id: string, feedback: string): Promise<PublishRequest> {
    const row = await this.row(actor, id, 'decide');
    if (row.state !== 'pending') throw new ConflictError(`this request is ${row.state}, not pending`);
    return this.decide(actor, row, 'rejected', feedback);
  }

  private async decide(actor: UserActor, row: Row, state: 'approved' | 'rejected', feedback: string | null): Promise<PublishRequest> {
    // The app runs where the workspace's versions are: its agent now (the store stays there).
    const agentId = state === 'approved' ? await this.deps.workspaces.agentOf(row.workspace_id) : null;
    if (state === 'approved' && !agentId) throw new ApiError(409, 'not_running', "the workspace is on no agent: the version can't be published from there");
    const decided = await this.deps.db.transaction().execute(async (tx) => {
      // Only from pending: of two admins deciding at once, one decides.
      const updated = await tx.updateTable('publish_requests').set({ state, decided_by: actor.user.id, decided_at: this.deps.clock.now(), feedback })
        .where('id', '=', row.id).where('state', '=', 'pending').returningAll().executeTakeFirst();
      if (!updated) throw new ConflictError('this request was decided meanwhile');
      await this.deps.audit.append({
        actor, action: state === 'approved' ? 'publish.approve' : 'publish.reject', targetType: 'publish_request', targetId: row.id, blueprintId: row.blueprint_id,
        outcome: 'success', detail: { version: row.version, subdomain: row.subdomain, owner: row.owner_id, trusted: row.trusted },
      }, tx);
      if (state !== 'approved') return updated;
      await this.deps.apps.publishApproved(tx, updated, agentId!, { command: updated.command!, port: updated.port! });
      return { ...updated, state: 'publishing' as const };
    });
    this.changed(decided);
    return toRequest(decided);
  }

  /**
   * Whether a running workspace has anything to publish: its files against the version
   * last published (or, before a first publish, whether it has any files), asked of the
   * agent with no version written; and that request. Whoever may read the workspace (its
   * owner, admins, auditors): the Publish button asks it, a reviewer may too.
   */
  async status(actor: UserActor, workspaceId: string): Promise<PublishStatus> {
    const workspace = await this.deps.workspaces.get(actor, workspaceId, 'read');
    if (workspace.state !== 'running') throw new ApiError(409, 'not_running', `the workspace is ${workspace.state}; its files are read only while it runs`);
    const agentId = await this.deps.workspaces.agentOf(workspace.id);
    if (!agentId) throw new ApiError(409, 'not_running', 'the workspace is not placed on an agent');
    const last = await this.lastPublished(workspace.id);
    const changed = await this.deps.versions.changed(agentId, workspace.id, last?.version ?? 'empty');
    return { changed, lastPublished: last ?? null };
  }

  /** The request if the actor may do this to it; 404 for one it may not even see, as for no request. */
  private async row(actor: UserActor, id: string, action: 'read' | 'decide'): Promise<Row> {
    const row = await this.deps.db.selectFrom('publish_requests').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('publish request');
    authorize(actor, action, { type: 'publishRequest', ownerId: row.owner_id }, 'publish request');
    return row;
  }

  /** The version the workspace's app serves or last served (a rollback's too), else its newest approved one: what a new request is compared with. */
  private async lastPublished(workspaceId: string): Promise<{ version: string; subdomain: string; requestId: string } | undefined> {
    const app = await this.deps.db.selectFrom('published_apps').select(['version', 'subdomain', 'request_id']).where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (app) return { version: app.version, subdomain: app.subdomain, requestId: app.request_id };
    const base = await this.deps.db.selectFrom('publish_requests').select(['id', 'version', 'subdomain']).where('workspace_id', '=', workspaceId)
      .where('state', 'in', APPROVED_BEFORE).orderBy('requested_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
    return base && { version: base.version, subdomain: base.subdomain, requestId: base.id };
  }

  /** One app per subdomain: another workspace's live app, or its request on the way, holds it. */
  private async assertSubdomainFree(subdomain: string, workspaceId: string): Promise<void> {
    const taken = await this.deps.db.selectFrom('publish_requests').select('id').where('subdomain', '=', subdomain)
      .where('workspace_id', '<>', workspaceId).where('state', 'in', HOLDING).executeTakeFirst();
    if (taken) throw new ConflictError(`the subdomain ${subdomain} is taken by another app; choose another`);
  }

  private changed(row: Row): void {
    this.deps.events.publish('publish', { publishId: row.id, workspaceId: row.workspace_id });
  }
}

/** How the app starts: what the builder said, else the blueprint's dev server (defaultAppStart); a port a sandbox can't serve is refused. */
function appStart(input: CreatePublishRequest, config: Parameters<typeof defaultAppStart>[0]): { command: string; port: number } {
  const fallback = defaultAppStart(config);
  const command = input.command ?? fallback.command;
  const port = input.port ?? fallback.port;
  if (!command) throw new InputError("command: say how the app starts (its blueprint has no dev server to start it like)");
  if (!port) throw new InputError('port: say which port the app listens on (its blueprint has no preview port)');
  const problem = appPortProblem(port);
  if (problem) throw new InputError(`port: ${problem}`);
  return { command, port };
}

import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { Role } from '@paddock/protocol';
import type { Actor, SystemActorName } from '../auth/actor.js';
import { mayUseBlueprint } from '../blueprints/blueprintAccess.js';
import { BlueprintAccessLostError, ForbiddenError, NotFoundError } from '../errors.js';

/**
 * The one place that says who may do what to an object someone owns. The route
 * table (api/route.ts) says who may call a route at all; this says, for the
 * object a call touches, whether this actor may: a person by role or by owning
 * it, a part of the system by its name. Services ask here — `can()` for an object
 * they hold, the SQL scopes for a query — and nowhere else.
 *
 * Every rule is data, so the SQL form and the in-memory form are one rule: a
 * scope is exactly the rows `can()` would allow. Anything the table does not
 * grant is refused (fail closed): an unknown system actor, a missing fact.
 */
interface Rule {
  /** Roles that may, whoever owns the object. */
  roles: readonly Role[];
  /** Whether the object's owner may. */
  owner: boolean;
  /** Named system actors that may. */
  system: readonly SystemActorName[];
  /**
   * Only while the owner may still use the object's blueprint (mayUseBlueprint):
   * what runs in a workspace runs with its blueprint's credentials, so nobody
   * reaches into it for an owner who lost them.
   */
  ownerMayUseBlueprint?: true;
  /** Never the object's owner, whatever their role (an admin's own publish request goes to another admin). */
  notOwner?: true;
}

/**
 * - read: see it, its state, its files, its preview ports, its AI sessions
 * - operate: start, stop, delete it, change its files, talk to its AI
 * - connect: open its terminal or its preview (a live session inside it)
 * - observe: record what its runtime reports
 * - stop: stop it on someone's behalf (deactivation, lost access)
 * - publish: ask for its files to be published as an app (its owner only: an app is theirs)
 * - enforcePolicy: stop it past its idle or lifetime deadline, delete it (files too) stopped past the cleanup: the resource policy's own
 */
export const WORKSPACE_ACTIONS = ['read', 'operate', 'connect', 'observe', 'stop', 'publish', 'enforcePolicy'] as const;
export type WorkspaceAction = (typeof WORKSPACE_ACTIONS)[number];

/** One's own account: its sign-in sessions and API tokens. */
export const ACCOUNT_ACTIONS = ['manage'] as const;
export type AccountAction = (typeof ACCOUNT_ACTIONS)[number];

/** Members (users) as the organisation manages them: create, change, deactivate, reactivate, reset a password. */
export const MEMBER_ACTIONS = ['manage'] as const;
export type MemberAction = (typeof MEMBER_ACTIONS)[number];

/**
 * A publish request (publishing/publishing.ts):
 * - read: see it, its checks and its diff
 * - decide: approve or reject it; never its owner's own (nobody approves their own request)
 */
export const PUBLISH_REQUEST_ACTIONS = ['read', 'decide'] as const;
export type PublishRequestAction = (typeof PUBLISH_REQUEST_ACTIONS)[number];

/**
 * A published app (publish/publishedApps.ts):
 * - read: see it, its state and its versions
 * - manage: roll it back to a version approved before, unpublish it (its builder, or an admin)
 */
export const APP_ACTIONS = ['read', 'manage'] as const;
export type AppAction = (typeof APP_ACTIONS)[number];

export const POLICY = {
  workspace: {
    read: { roles: ['admin', 'auditor'], owner: true, system: ['reconciler', 'policy-sweeper', 'agent'] },
    operate: { roles: ['admin'], owner: true, system: [] },
    connect: { roles: ['admin'], owner: true, system: [], ownerMayUseBlueprint: true },
    observe: { roles: [], owner: false, system: ['reconciler', 'agent'] },
    stop: { roles: ['admin'], owner: true, system: ['policy-sweeper', 'scim'] },
    publish: { roles: [], owner: true, system: [], ownerMayUseBlueprint: true },
    enforcePolicy: { roles: [], owner: false, system: ['policy-sweeper'] },
  },
  publishRequest: {
    read: { roles: ['admin', 'auditor'], owner: true, system: [] },
    decide: { roles: ['admin'], owner: false, system: [], notOwner: true },
  },
  app: {
    read: { roles: ['admin', 'auditor'], owner: true, system: [] },
    manage: { roles: ['admin'], owner: true, system: ['policy-sweeper'] },
  },
  account: {
    manage: { roles: [], owner: true, system: [] },
  },
  /** Model usage and its cost (usage/llmUsage.ts): a builder sees their own calls. */
  usage: {
    read: { roles: ['admin', 'auditor'], owner: true, system: [] },
  },
  member: {
    manage: { roles: ['admin'], owner: false, system: ['scim', 'sso', 'operator', 'bootstrap'] },
  },
} as const satisfies {
  workspace: Record<WorkspaceAction, Rule>; account: Record<AccountAction, Rule>; member: Record<MemberAction, Rule>; publishRequest: Record<PublishRequestAction, Rule>; app: Record<AppAction, Rule>; usage: Record<'read', Rule>;
};

export interface WorkspaceResource {
  type: 'workspace';
  ownerId: string;
  /** Whether the owner may still use the workspace's blueprint; needed for `connect`, refused when unknown. */
  ownerMayUseBlueprint?: boolean;
}
export interface AccountResource { type: 'account'; userId: string }
export interface MemberResource { type: 'member' }
export interface PublishRequestResource { type: 'publishRequest'; ownerId: string }
export interface AppResource { type: 'app'; ownerId: string }
export type Resource = WorkspaceResource | AccountResource | MemberResource | PublishRequestResource | AppResource;
type ActionOf<R extends Resource> = R extends WorkspaceResource ? WorkspaceAction : R extends AccountResource ? AccountAction
  : R extends PublishRequestResource ? PublishRequestAction : R extends AppResource ? AppAction : MemberAction;

function ruleFor(resource: Resource, action: string): Rule | undefined {
  const rules = POLICY[resource.type] as Record<string, Rule>;
  return Object.hasOwn(rules, action) ? rules[action] : undefined;
}

function ownerOf(resource: Resource): string | undefined {
  return resource.type === 'workspace' || resource.type === 'publishRequest' || resource.type === 'app' ? resource.ownerId : resource.type === 'account' ? resource.userId : undefined;
}

/** Whether the actor may do this to the object. */
export function can<R extends Resource>(actor: Actor, action: ActionOf<R>, resource: R): boolean {
  const rule = ruleFor(resource, action);
  if (!rule) return false;
  let who: boolean;
  if (actor.kind === 'system') who = rule.system.includes(actor.name);
  else who = rule.roles.includes(actor.user.role) || (rule.owner && ownerOf(resource) !== undefined && ownerOf(resource) === actor.user.id);
  if (!who) return false;
  if (rule.notOwner && (actor.kind !== 'user' || ownerOf(resource) === actor.user.id)) return false;
  if (rule.ownerMayUseBlueprint && (resource.type !== 'workspace' || resource.ownerMayUseBlueprint !== true)) return false;
  return true;
}

/**
 * Throws unless the actor may: NotFoundError when it may not even see the object
 * (its existence must not leak: the same answer as an id that names nothing),
 * otherwise the reason it may see but not do this.
 */
export function authorize<R extends Resource>(actor: Actor, action: ActionOf<R>, resource: R, what: string): void {
  if (can(actor, action, resource)) return;
  // Members are listed to admins and auditors anyway: a refusal there says so.
  if (resource.type === 'member') throw new ForbiddenError('only admins can do that');
  const sees = resource.type === 'workspace' ? can<WorkspaceResource>(actor, 'read', resource)
    : resource.type === 'publishRequest' ? can<PublishRequestResource>(actor, 'read', resource)
      : resource.type === 'app' ? can<AppResource>(actor, 'read', resource)
        : can<AccountResource>(actor, 'manage', resource);
  if (!sees) throw new NotFoundError(what);
  if (resource.type === 'publishRequest' && action === 'decide' && actor.kind === 'user' && actor.user.id === resource.ownerId) {
    throw new ForbiddenError('nobody approves or rejects their own publish request: another admin must');
  }
  if (resource.type === 'workspace' && action === 'publish' && can<WorkspaceResource>(actor, 'read', resource) && !(actor.kind === 'user' && actor.user.id === resource.ownerId)) {
    throw new ForbiddenError("only the workspace's owner may publish it");
  }
  const rule = ruleFor(resource, action);
  if (rule?.ownerMayUseBlueprint && resource.type === 'workspace' && resource.ownerMayUseBlueprint === false && can(actor, action, { ...resource, ownerMayUseBlueprint: true })) {
    throw new BlueprintAccessLostError(actor.kind === 'user' && actor.user.id === resource.ownerId);
  }
  throw new ForbiddenError(actor.kind === 'user' && actor.user.role === 'auditor' ? 'auditors have read-only access' : 'you may not do that');
}

type Sql<T> = Expression<T> | RawBuilder<T>;

/** Who, in SQL: a user (by id and role, values or columns), or a system actor by name. */
export type SqlActor = { userId: Sql<string>; role: Sql<string> } | { system: SystemActorName };

export const sqlActor = (actor: Actor): SqlActor =>
  actor.kind === 'system' ? { system: actor.name } : { userId: sql.val(actor.user.id), role: sql.val(actor.user.role) };

/** The rule as a SQL condition over the object's owner (and blueprint) columns. */
function ruleSql(rule: Rule, who: SqlActor, object: { ownerId: Sql<string>; blueprintId?: Sql<string> }): RawBuilder<SqlBool> {
  let allowed: RawBuilder<SqlBool>;
  if ('system' in who) allowed = rule.system.includes(who.system) ? sql<SqlBool>`true` : sql<SqlBool>`false`;
  else {
    const terms: RawBuilder<SqlBool>[] = [];
    if (rule.roles.length > 0) terms.push(sql<SqlBool>`${who.role} in (${sql.join(rule.roles.map((r) => sql.val(r)))})`);
    if (rule.owner) terms.push(sql<SqlBool>`${object.ownerId} = ${who.userId}`);
    allowed = terms.length ? sql<SqlBool>`(${sql.join(terms, sql` or `)})` : sql<SqlBool>`false`;
  }
  if (!rule.ownerMayUseBlueprint) return allowed;
  if (!object.blueprintId) return sql<SqlBool>`false`;
  return sql<SqlBool>`(${allowed} and ${mayUseBlueprint(object.ownerId, object.blueprintId)})`;
}

/**
 * The workspaces (rows of `table`, default `workspaces`) this actor may do this to:
 * `.where(workspaceScope(actor, 'read'))`. With an SqlActor, the actor can be columns
 * too (a preview session's user, checked in the same query).
 */
export function workspaceScope(actor: Actor | SqlActor, action: WorkspaceAction, table = 'workspaces'): RawBuilder<SqlBool> {
  const who = 'kind' in actor ? sqlActor(actor) : actor;
  return ruleSql(POLICY.workspace[action], who, { ownerId: sql.ref(`${table}.owner_id`), blueprintId: sql.ref(`${table}.blueprint_id`) });
}

/** Rows of an account table (`user_id`: sessions, api_tokens) this actor may manage: its own. */
export function accountScope(actor: Actor, table: string): RawBuilder<SqlBool> {
  return ruleSql(POLICY.account.manage, sqlActor(actor), { ownerId: sql.ref(`${table}.user_id`) });
}

/** The publish requests this actor may read: `.where(publishRequestScope(actor))`. */
export function publishRequestScope(actor: Actor, table = 'publish_requests'): RawBuilder<SqlBool> {
  return ruleSql(POLICY.publishRequest.read, sqlActor(actor), { ownerId: sql.ref(`${table}.owner_id`) });
}

/** The published apps this actor may read: `.where(appScope(actor))`. */
export function appScope(actor: Actor, table = 'published_apps'): RawBuilder<SqlBool> {
  return ruleSql(POLICY.app.read, sqlActor(actor), { ownerId: sql.ref(`${table}.owner_id`) });
}

/** The usage records (`llm_usage` rows) this actor may read: `.where(usageScope(actor))`. */
export function usageScope(actor: Actor, table = 'llm_usage'): RawBuilder<SqlBool> {
  return ruleSql(POLICY.usage.read, sqlActor(actor), { ownerId: sql.ref(`${table}.user_id`) });
}

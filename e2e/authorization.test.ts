import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE, defaultGovernancePolicy } from '@paddock/protocol';
import {
  POLICY_SWEEPER, RECONCILER, ROUTE_RULES, SCIM_ACTOR, SERVICE_RULES, agentActor, apiRoutes, previewCookieName, webSocketRoutes,
  type Route, type RouteRule, type UserActor,
} from '@paddock/portal';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TerminalConnection, TerminalRefused } from './harness/testStack.js';
import { InProcessPortal, type Answer, type Credential, type Role } from './harness/inProcessPortal.js';
import { HANDS_OFF_RESOURCE_POLICY, undeclaredAnswer } from '@paddock/portal/testing';

/**
 * The authorization suite: every route of the route table × every role (and nobody)
 * × whose object it touches (the caller's own, someone else's, none), with a bearer
 * token and with a browser session (cookie and CSRF token), in-process on a real
 * portal and database. What must happen is written out here (expected() below), not
 * asked of the policy module: the suite checks the policy, it doesn't repeat it.
 * An allowed call must succeed (2xx, its documented body); a refused one is 401/403,
 * or 404 exactly like a nonexistent id where existence would leak. Routes that need
 * a running workspace end at 409 not_running here (authorization passed); the
 * security suite (e2e/security.test.ts) runs them against a real sandbox.
 */

type Caller = Role | 'anonymous' | 'scim';
type Ownership = 'own' | 'others' | 'none';
type Expected = { status: 'ok' } | { status: number; code?: string };

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let fx: InProcessPortal;
let starterId: string;
/** A blueprint restricted to nobody: builders may not use it, admins and auditors may. */
let restrictedId: string;
let seq = 0;
const fresh = (what: string) => `${what}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;
const TINY_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>';
const SONNET_PRICE = { model: 'claude-sonnet-4', inputUsdPerMTok: 3, outputUsdPerMTok: 15, cacheReadUsdPerMTok: 0.3, cacheWriteUsdPerMTok: 3.75 };

const keyOf = (r: { method: string; url: string }) => `${r.method} ${r.url}`;

/** The role layer (the route table's access levels) and then the object layer (the policy), as this suite expects them. */
function expected(r: Route, rule: RouteRule, caller: Caller, ownership: Ownership): Expected {
  if (r.access === 'scim') return caller === 'scim' ? objectLayer(rule, 'admin', ownership, r) : { status: 401 };
  if (caller === 'scim') return r.access === 'public' ? objectLayer(rule, 'admin', ownership, r) : { status: 401, code: 'unauthenticated' };
  if (caller === 'anonymous') return r.access === 'public' ? { status: 'ok' } : { status: 401, code: 'unauthenticated' };
  if (r.access === 'admin' && caller !== 'admin') return { status: 403, code: 'forbidden' };
  if (r.access === 'auditor' && caller === 'builder') return { status: 403, code: 'forbidden' };
  if (r.access === 'user' && caller === 'auditor' && r.method !== 'GET') return { status: 403, code: 'forbidden' };
  return objectLayer(rule, caller, ownership, r);
}

function objectLayer(rule: RouteRule, caller: Role, ownership: Ownership, r: Route): Expected {
  if (rule.object !== 'none' && ownership === 'none') return { status: 404, code: r.access === 'scim' ? undefined : 'not_found' };
  const ok: Expected = rule.object === 'workspace' && rule.needs ? { status: 409, code: 'not_running' } : { status: 'ok' };
  // Nobody decides their own publish request (only admins reach a decision at all).
  if (rule.object === 'publishRequest' && ownership === 'own' && r.method === 'POST') return { status: 403, code: 'forbidden' };
  if (ownership !== 'others') return ok;
  switch (rule.object) {
    case 'workspace':
      // Publishing is the owner's alone: an admin sees the workspace and is told so; anyone else finds nothing.
      if (rule.action === 'publish') return caller === 'admin' ? { status: 403, code: 'forbidden' } : { status: 404, code: 'not_found' };
      // Admins act on everyone's workspaces; auditors read them (the route layer already stopped their writes).
      return caller === 'admin' || (caller === 'auditor' && rule.action === 'read') ? ok : { status: 404, code: 'not_found' };
    case 'account': return { status: 404, code: 'not_found' };
    case 'blueprint': return caller === 'builder' ? { status: 404, code: 'not_found' } : ok;
    case 'publishRequest': return caller === 'builder' ? { status: 404, code: 'not_found' } : ok;
    // An app is its builder's and the admins' to manage, everyone's with a read role to see.
    case 'app': return caller === 'builder' ? { status: 404, code: 'not_found' } : ok;
    default: return ok;
  }
}

function ownerships(rule: RouteRule, caller: Caller): Ownership[] {
  switch (rule.object) {
    case 'none': return ['none'];
    case 'record': return ['own', 'none'];
    // Auditors own no workspaces (they may not create one), so no publish requests either.
    case 'workspace':
    case 'publishRequest':
    case 'app': return caller === 'auditor' ? ['others', 'none'] : ['own', 'others', 'none'];
    default: return ['own', 'others', 'none'];
  }
}

const roleOf = (caller: Caller): Role => (caller === 'anonymous' || caller === 'scim' ? 'admin' : caller);
/** Whose object is "someone else's" for a caller. */
const otherOf = (caller: Caller): Role => (caller === 'builder' ? 'admin' : 'builder');

interface Call {
  /** Values for path parameters other than the object's `:id`. */
  params?: Record<string, string>;
  query?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** What else a success must show. */
  check?: (res: Answer) => void;
}
interface SampleContext { caller: Caller; ownership: Ownership; id: string | undefined; member: () => { id: string; email: string; actor: UserActor } }
type Sample = {
  /** A fresh object for `:id` of a record route. */
  record?: () => Promise<string>;
  call?: (c: SampleContext) => Promise<Call> | Call;
  /** What a permitted call answers here when it can't succeed in-process, and why. */
  permitted?: { status: number; why: string };
};

const admin = () => fx.members.admin;
const newUser = async (password = true) => (await fx.services.identity.createUser(
  { email: `${fresh('u')}@example.com`, name: 'Member', role: 'builder', password: password ? ADMIN_PASSWORD : null }, admin().actor)).id;
const newBlueprint = async () => (await fx.services.blueprints.create({ name: fresh('bp'), description: 'x' }, admin().actor)).id;
const scimToken = async () => (await fx.request('POST', '/api/v1/admin/scim-tokens', { credential: { bearer: admin().token } })).body.token as string;
const scim = async (method: string, url: string, body?: unknown) =>
  fx.request(method, url, { credential: { bearer: await scimToken() }, body, headers: { 'content-type': 'application/scim+json' } });
const newScimUser = async () => (await scim('POST', '/scim/v2/Users', { schemas: [USER_SCHEMA], userName: `${fresh('s')}@example.com`, active: true })).body.id as string;
const newScimGroup = async () => (await scim('POST', '/scim/v2/Groups', { schemas: [GROUP_SCHEMA], displayName: fresh('g') })).body.id as string;
const waitOutSignInLimits = () => fx.clock.advance(5 * 60_000 + 1000);
/** A held action waiting for an admin, on a workspace placed on an agent (not connected: the decision waits on the bus for it). */
let holdAgent: string | undefined;
const pendingApproval = async (): Promise<string> => {
  holdAgent ??= (await fx.services.enrollment.enroll(await fx.services.enrollment.createToken(), 'holds', 'test'))!.agentId;
  const w = await fx.services.workspaces.create(fx.members.builder.actor, { blueprintId: starterId, name: fresh('ws') });
  await fx.services.workspaces.setObserved(agentActor(holdAgent), w.id, 'running', '', holdAgent);
  return (await fx.services.governanceApprovals.hold(holdAgent, {
    workspaceId: w.id, action: { class: 'bash_command', command: `rm -rf /srv/${fresh('d')}` }, summary: 'rm -rf /srv/…', ruleId: 'default-rm-1', timeoutSeconds: 300,
  })).id;
};
/** A pending publish request of a fresh workspace of `owner`'s, as the service would have stored it (no agent in-process). */
const pendingPublishRequest = async (owner: Role): Promise<string> => {
  const w = await fx.services.workspaces.create(fx.members[owner].actor, { blueprintId: starterId, name: fresh('ws') });
  holdAgent ??= (await fx.services.enrollment.enroll(await fx.services.enrollment.createToken(), 'holds', 'test'))!.agentId;
  // Placed on an agent: an approval makes its app there (where the versions are).
  await fx.services.workspaces.setObserved(agentActor(holdAgent), w.id, 'running', '', holdAgent);
  const id = crypto.randomUUID();
  await fx.services.db.insertInto('publish_requests').values({
    id, workspace_id: w.id, owner_id: w.ownerId, blueprint_id: starterId, subdomain: fresh('app'), access: 'organization',
    command: 'node serve.mjs', port: 8000, version: 'a'.repeat(40), base_version: 'empty', state: 'pending', checks: JSON.stringify([{ name: 'secret-scan', status: 'passed', findings: [] }]),
    requested_at: fx.clock.now(),
  }).execute();
  return id;
};
/** An earlier approved version of every liveApp: what a rollback may take. */
const EARLIER = 'b'.repeat(40);
/** A live app of a fresh workspace of `owner`'s, as the services would have left it (no agent in-process), with an earlier approved version. */
const liveApp = async (owner: Role): Promise<string> => {
  const w = await fx.services.workspaces.create(fx.members[owner].actor, { blueprintId: starterId, name: fresh('ws') });
  const subdomain = fresh('app');
  const request = (id: string, version: string, state: 'approved' | 'live') => ({
    id, workspace_id: w.id, owner_id: w.ownerId, blueprint_id: starterId, subdomain, access: 'organization' as const, command: 'node serve.mjs', port: 8000,
    version, base_version: 'empty', state, checks: JSON.stringify([{ name: 'secret-scan', status: 'passed', findings: [] }]), requested_at: fx.clock.now(),
  });
  const live = crypto.randomUUID();
  await fx.services.db.insertInto('publish_requests').values([request(crypto.randomUUID(), EARLIER, 'approved'), request(live, 'a'.repeat(40), 'live')]).execute();
  await fx.services.db.insertInto('published_apps').values({
    id: crypto.randomUUID(), subdomain, workspace_id: w.id, owner_id: w.ownerId, blueprint_id: starterId, agent_id: 'no-agent', access: 'organization',
    command: 'node serve.mjs', port: 8000, request_id: live, version: 'a'.repeat(40), live_version: 'a'.repeat(40), state: 'live',
    created_at: fx.clock.now(), updated_at: fx.clock.now(),
  }).execute();
  return subdomain;
};
/** A member with a password, made once: links and lookups don't change it (argon2 is slow; a suite need not pay it per call). */
let withPassword: string | undefined;
const memberWithPassword = async () => (withPassword ??= await newUser());

const SAMPLES: Record<string, Sample> = {
  'POST /api/v1/admin/master-key/rotate': { call: () => ({ check: (res) => expect(res.body.newKeyId).toEqual(expect.any(String)) }) },
  'POST /api/v1/auth/login': {
    call: () => { waitOutSignInLimits(); return { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, check: (res) => expect(res.headers['set-cookie']).toMatch(new RegExp(`${SESSION_COOKIE}=`)) }; },
  },
  'POST /api/v1/auth/logout': {},
  'GET /api/v1/auth/me': { call: (c) => ({ check: (res) => expect(res.body.user.email).toBe(c.member().email) }) },
  'POST /api/v1/auth/password': { call: () => { waitOutSignInLimits(); return { body: { currentPassword: ADMIN_PASSWORD, newPassword: ADMIN_PASSWORD } }; } },
  'GET /api/v1/auth/sessions': {},
  'DELETE /api/v1/auth/sessions/:id': {},
  'GET /api/v1/auth/methods': {},
  'GET /api/v1/auth/oidc/start': { permitted: { status: 404, why: 'no SSO is configured here; e2e/sso.test.ts signs in through a real identity provider' } },
  'GET /api/v1/auth/oidc/callback': { call: () => ({ query: 'state=x' }), permitted: { status: 302, why: 'an unknown state redirects to the sign-in page with an error; e2e/sso.test.ts completes a sign-in' } },
  'GET /api/v1/admin/sso': {},
  'PUT /api/v1/admin/sso': { call: () => ({ body: { enabled: false, issuer: 'https://idp.example.com', clientId: 'paddock' } }) },
  'GET /api/v1/admin/auth-settings': {},
  'PUT /api/v1/admin/auth-settings': { call: () => ({ body: { localPasswords: true } }) },
  'GET /api/v1/users': {},
  'GET /api/v1/groups': { call: () => ({ check: (res) => expect(res.body.groups).toEqual(expect.any(Array)) }) },
  'POST /api/v1/users': { call: () => ({ body: { email: `${fresh('new')}@example.com`, name: 'New', role: 'builder', password: ADMIN_PASSWORD } }) },
  'PATCH /api/v1/users/:id': { record: () => newUser(false), call: (c) => ({ body: { name: 'Renamed' }, check: (res) => expect(res.body).toMatchObject({ id: c.id, name: 'Renamed' }) }) },
  'DELETE /api/v1/users/:id': { record: () => newUser(false) },
  'POST /api/v1/users/:id/password-reset': { record: memberWithPassword },
  'POST /api/v1/password-resets/lookup': {
    call: async () => ({ body: { token: (await fx.services.passwordResets.issue(admin().actor, await memberWithPassword())).token } }),
  },
  'POST /api/v1/password-resets/redeem': {
    call: async () => ({ body: { token: (await fx.services.passwordResets.issue(admin().actor, await memberWithPassword())).token, password: ADMIN_PASSWORD } }),
  },
  'GET /api/v1/invites': {},
  'POST /api/v1/invites': { call: () => ({ body: { email: `${fresh('inv')}@example.com` } }) },
  'DELETE /api/v1/invites/:id': { record: async () => (await fx.services.invites.create(admin().actor, `${fresh('inv')}@example.com`, 'builder')).id },
  'POST /api/v1/invites/lookup': { call: async () => ({ body: { token: (await fx.services.invites.create(admin().actor, `${fresh('inv')}@example.com`, 'builder')).token } }) },
  'POST /api/v1/invites/accept': {
    call: async () => ({ body: { token: (await fx.services.invites.create(admin().actor, `${fresh('inv')}@example.com`, 'builder')).token, name: 'Newcomer', password: ADMIN_PASSWORD } }),
  },
  'GET /api/v1/tokens': {},
  'POST /api/v1/tokens': { call: () => ({ body: { name: 'ci' } }) },
  'DELETE /api/v1/tokens/:id': {},
  'GET /api/v1/blueprints': { call: (c) => ({ check: (res) => expect(res.body.blueprints.some((b: { id: string }) => b.id === restrictedId)).toBe(c.caller !== 'builder') }) },
  'GET /api/v1/blueprints/:id': {},
  'POST /api/v1/blueprints': { call: () => ({ body: { name: fresh('bp'), description: 'made by the suite' } }) },
  'PATCH /api/v1/blueprints/:id': { record: newBlueprint, call: () => ({ body: { description: 'changed' } }) },
  'DELETE /api/v1/blueprints/:id': { record: newBlueprint },
  'POST /api/v1/blueprints/:id/duplicate': { record: newBlueprint, call: () => ({ body: { name: fresh('copy') }, check: (res) => expect(res.body).toMatchObject({ enabled: false }) }) },
  'POST /api/v1/blueprints/:id/archive': { record: newBlueprint, call: () => ({ check: (res) => expect(res.body.archivedAt).toEqual(expect.any(String)) }) },
  'POST /api/v1/blueprints/:id/unarchive': { record: newBlueprint, call: () => ({ check: (res) => expect(res.body.archivedAt).toBeNull() }) },
  'GET /api/v1/blueprints/:id/access': { record: newBlueprint },
  'PUT /api/v1/blueprints/:id/access': { record: newBlueprint, call: () => ({ body: { access: 'open', rules: [] } }) },
  'GET /api/v1/blueprints/:id/secrets': { record: newBlueprint },
  'PUT /api/v1/blueprints/:id/secrets/:name': { record: newBlueprint, call: () => ({ params: { name: 'API_KEY' }, body: { value: 'v' } }) },
  'DELETE /api/v1/blueprints/:id/secrets/:name': {
    record: async () => { const id = await newBlueprint(); await fx.services.blueprintSecrets.put(id, 'API_KEY', 'v', admin().actor); return id; },
    call: () => ({ params: { name: 'API_KEY' } }),
  },
  'GET /api/v1/blueprints/:id/llm-key': { record: newBlueprint },
  'PUT /api/v1/blueprints/:id/llm-key': { record: newBlueprint, call: () => ({ body: { value: 'sk-test' } }) },
  'DELETE /api/v1/blueprints/:id/llm-key': { record: async () => { const id = await newBlueprint(); await fx.services.blueprintLlmKeys.put(id, 'sk-test', admin().actor); return id; } },
  'GET /api/v1/blueprints/:id/git-remote': { record: newBlueprint, call: () => ({ check: (res) => expect(res.body).toEqual({ remote: null }) }) },
  'PUT /api/v1/blueprints/:id/git-remote': {
    record: newBlueprint,
    call: () => ({ body: { url: 'https://git.example.com/team/app.git', token: 'tok-authz' }, check: (res) => expect(res.body.remote).toMatchObject({ hasToken: true, branch: null }) }),
  },
  'DELETE /api/v1/blueprints/:id/git-remote': {
    record: async () => { const id = await newBlueprint(); await fx.services.gitRemotes.put(id, { url: 'https://git.example.com/team/app.git' }, admin().actor); return id; },
  },
  'GET /api/v1/workspaces': {},
  'POST /api/v1/workspaces': { call: () => ({ body: { blueprintId: starterId, name: fresh('ws') } }) },
  'GET /api/v1/admin/workspaces': { call: () => ({ query: 'state=stopped', check: (res) => expect(res.body.workspaces.every((w: { state: string }) => w.state === 'stopped')).toBe(true) }) },
  'GET /api/v1/workspaces/:id': { call: (c) => ({ check: (res) => expect(res.body.id).toBe(c.id) }) },
  'PATCH /api/v1/workspaces/:id': { call: (c) => ({ body: { displayName: 'Ventes – Q3 📈' }, check: (res) => expect(res.body).toMatchObject({ id: c.id, displayName: 'Ventes – Q3 📈' }) }) },
  'POST /api/v1/workspaces/:id/start': { call: (c) => ({ check: (res) => expect(res.body).toMatchObject({ id: c.id, desiredState: 'running' }) }) },
  'POST /api/v1/workspaces/:id/stop': { call: (c) => ({ check: (res) => expect(res.body).toMatchObject({ id: c.id, desiredState: 'stopped' }) }) },
  'POST /api/v1/workspaces/:id/keep-alive': { call: (c) => ({ check: (res) => expect(res.body).toMatchObject({ id: c.id, stopReason: 'idle', stopsAt: expect.any(String) }) }) },
  'DELETE /api/v1/workspaces/:id': { call: (c) => ({ check: (res) => expect(res.body).toMatchObject({ id: c.id, desiredState: 'deleted' }) }) },
  'POST /api/v1/workspaces/:id/terminal-tickets': {},
  'POST /api/v1/workspaces/:id/previews': { call: () => ({ body: { port: 5173 } }) },
  'GET /api/v1/workspaces/:id/previews': { call: () => ({ check: (res) => expect(res.body.ports).toEqual([]) }) },
  'GET /api/v1/workspaces/:id/files': { call: () => ({ query: 'path=' }) },
  'GET /api/v1/workspaces/:id/files/content': { call: () => ({ query: 'path=a.txt' }) },
  'PUT /api/v1/workspaces/:id/files/content': { call: () => ({ query: 'path=a.txt', body: 'hello' }) },
  'DELETE /api/v1/workspaces/:id/files': { call: () => ({ query: 'path=a.txt' }) },
  'POST /api/v1/workspaces/:id/files/rename': { call: () => ({ body: { from: 'a.txt', to: 'b.txt' } }) },
  'GET /api/v1/workspaces/:id/ai/model': {},
  'GET /api/v1/workspaces/:id/ai/sessions': {},
  'POST /api/v1/workspaces/:id/ai/sessions': { call: () => ({ body: {} }) },
  'GET /api/v1/workspaces/:id/ai/status': {},
  'GET /api/v1/workspaces/:id/ai/sessions/:sessionId/messages': { call: () => ({ params: { sessionId: 'ses_x1' } }) },
  'POST /api/v1/workspaces/:id/ai/sessions/:sessionId/prompt': { call: () => ({ params: { sessionId: 'ses_x1' }, body: { text: 'hi' } }) },
  'POST /api/v1/workspaces/:id/ai/sessions/:sessionId/abort': { call: () => ({ params: { sessionId: 'ses_x1' } }) },
  'GET /api/v1/workspaces/:id/ai/events': {},
  'GET /api/v1/events': {},
  'GET /api/v1/branding': { call: () => ({ check: (res) => expect(res.body.name).toEqual(expect.any(String)) }) },
  'PUT /api/v1/admin/branding': { call: () => ({ body: { name: 'Paddock', accentColor: '#18181b', welcome: { title: 'Hello', text: '', cta: 'Start' } } }) },
  'PUT /api/v1/admin/branding/:slot': {
    call: () => ({ params: { slot: 'logo-light' }, body: TINY_SVG, headers: { 'content-type': 'image/svg+xml' }, check: (res) => expect(res.body.logoLightUrl).toEqual(expect.any(String)) }),
  },
  'DELETE /api/v1/admin/branding/:slot': {
    call: async () => { await fx.services.branding.putAsset('logo-dark', 'image/svg+xml', Buffer.from(TINY_SVG), admin().actor); return { params: { slot: 'logo-dark' } }; },
  },
  'GET /api/v1/branding/assets/:slot/:hash': {
    call: async () => {
      const url = (await fx.services.branding.putAsset('favicon', 'image/svg+xml', Buffer.from(TINY_SVG), admin().actor)).faviconUrl!;
      const [slot, hash] = url.split('/').slice(-2);
      return { params: { slot: slot!, hash: hash! }, check: (res) => expect(res.headers['content-type']).toBe('image/svg+xml') };
    },
  },
  'GET /api/v1/audit': { call: () => ({ query: 'limit=5' }) },
  'GET /api/v1/audit/export': { call: () => ({ query: 'format=csv&action=auth.*', check: (res) => expect(res.headers['content-disposition']).toMatch(/^attachment; filename="audit-log-.*\.csv"$/) }) },
  'GET /api/v1/audit/verify': { call: () => ({ check: (res) => expect(res.body.ok).toBe(true) }) },
  'GET /api/v1/audit/activity': { call: () => ({ query: 'limit=5' }) },
  'GET /api/v1/admin/backups': {},
  'POST /api/v1/admin/backups': { call: () => ({ check: (res) => expect(res.body.kind).toBe('manual') }) },
  'GET /api/v1/admin/ip-allowlist': {},
  'PUT /api/v1/admin/ip-allowlist': { call: () => ({ body: { cidrs: [], trustedProxies: [] } }) },
  'GET /api/v1/admin/ip-allowlist/blocked': {},
  'GET /api/v1/admin/security': { call: () => ({ check: (res) => expect(res.body.admins.map((a: { email: string }) => a.email)).toContain(ADMIN_EMAIL) }) },
  // A connection as a relay registers it (e2e/terminal.test.ts ends a real terminal); ending it calls its close.
  'DELETE /api/v1/admin/connections/:id': {
    record: async () => fx.services.connections.add({ kind: 'terminal', userId: fx.members.builder.id, workspaceId: NONEXISTENT, ip: '127.0.0.1', detail: 'main', end: () => {} }).id,
  },
  'GET /api/v1/agents': {},
  'POST /api/v1/agents/enrollment-tokens': {},
  'GET /api/v1/admin/overview': { call: () => ({ check: (res) => expect(res.body.workspaces.running).toEqual(expect.any(Number)) }) },
  'GET /api/v1/admin/topology': { call: () => ({ check: (res) => expect(res.body.nodes).toContainEqual(expect.objectContaining({ kind: 'blueprint' })) }) },
  'GET /api/v1/admin/timeline': { call: () => ({ query: 'from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z', check: (res) => expect(res.body).toEqual({ from: '2020-01-01T00:00:00.000Z', to: '2020-01-02T00:00:00.000Z', rows: [] }) }) },
  'GET /api/v1/usage': {},
  'GET /api/v1/usage/summary': { call: () => ({ query: 'groupBy=user', check: (res) => expect(res.body.rows).toEqual(expect.any(Array)) }) },
  'GET /api/v1/usage/compute': { call: () => ({ query: 'groupBy=user', check: (res) => expect(res.body.rows).toEqual(expect.any(Array)) }) },
  'GET /api/v1/admin/model-prices': { call: () => ({ check: (res) => expect(res.body.items.length).toBeGreaterThan(0) }) },
  'GET /api/v1/admin/policies': { call: () => ({ check: (res) => expect(res.body).toEqual(HANDS_OFF_RESOURCE_POLICY) }) },
  // The same values back: the suite's portal keeps its hands-off policy (other routes create workspace after workspace).
  'PUT /api/v1/admin/policies': { call: () => ({ body: HANDS_OFF_RESOURCE_POLICY, check: (res) => expect(res.body).toEqual(HANDS_OFF_RESOURCE_POLICY) }) },
  'POST /api/v1/admin/policies/impact': { call: () => ({ body: HANDS_OFF_RESOURCE_POLICY, check: (res) => expect(res.body).toMatchObject({ stopNow: 0, deleteNow: 0 }) }) },
  'POST /api/v1/blueprints/:id/policies/impact': { record: newBlueprint, call: () => ({ body: { idleStopMinutes: 30 }, check: (res) => expect(res.body).toMatchObject({ usersOverLimit: 0, limitsChange: 0 }) }) },
  'GET /api/v1/blueprints/:id/policies': { record: newBlueprint, call: () => ({ check: (res) => expect(res.body).toMatchObject({ idleStopMinutes: null, limits: { cpus: null } }) }) },
  'PUT /api/v1/blueprints/:id/policies': { record: newBlueprint, call: () => ({ body: { idleStopMinutes: 30 }, check: (res) => expect(res.body).toMatchObject({ idleStopMinutes: 30, maxLifetimeHours: null }) }) },
  'PUT /api/v1/admin/model-prices': { call: () => ({ body: { items: [SONNET_PRICE] }, check: (res) => expect(res.body.items).toEqual([expect.objectContaining(SONNET_PRICE)]) }) },
  'GET /api/v1/admin/budgets': { call: () => ({ check: (res) => expect(res.body).toEqual(expect.any(Array)) }) },
  'PUT /api/v1/admin/budgets': {
    call: () => {
      const budget = { scope: 'user', targetId: admin().id, period: 'month', limitTokens: 1_000_000, action: 'alert' };
      return { body: [budget], check: (res) => expect(res.body).toEqual([expect.objectContaining({ ...budget, id: expect.any(String), spentTokens: expect.any(Number) })]) };
    },
  },
  'GET /api/v1/usage/budget': { call: () => ({ check: (res) => expect(res.body.budgets).toEqual(expect.any(Array)) }) },
  'POST /api/v1/admin/scim-tokens': {},
  'GET /api/v1/governance/policy': { call: () => ({ check: (res) => expect(res.body.mode).toEqual(expect.any(String)) }) },
  'PUT /api/v1/governance/policy': { call: () => ({ body: defaultGovernancePolicy(['registry.npmjs.org']) }) },
  'GET /api/v1/blueprints/:id/governance': { record: newBlueprint, call: () => ({ check: (res) => expect(res.body).toEqual({}) }) },
  'PUT /api/v1/blueprints/:id/governance': { record: newBlueprint, call: () => ({ body: { mode: 'enforce' }, check: (res) => expect(res.body).toEqual({ mode: 'enforce' }) }) },
  'POST /api/v1/governance/simulate': {
    call: () => ({ body: { policy: defaultGovernancePolicy(['registry.npmjs.org']), days: 1 }, check: (res) => expect(res.body.totals.events).toEqual(expect.any(Number)) }),
  },
  'GET /api/v1/blueprints/:id/governance/suggestions': {
    record: newBlueprint, call: () => ({ query: 'days=1', check: (res) => expect(res.body.suggestions).toEqual([]) }),
  },
  'GET /api/v1/governance/events': { call: () => ({ query: 'limit=5&class=bash_command' }) },
  'GET /api/v1/governance/health': {},
  'GET /api/v1/governance/approvals': { call: () => ({ query: 'state=pending' }) },
  'POST /api/v1/governance/approvals/:id': {
    record: pendingApproval, call: (c) => ({ body: { decision: 'deny', scope: 'once' }, check: (res) => expect(res.body.approval).toMatchObject({ id: c.id, state: 'denied' }) }),
  },
  'GET /api/v1/governance/kill-switch': {},
  'PUT /api/v1/governance/kill-switch': { call: () => ({ body: { scope: 'org', engaged: false, reason: 'the suite' } }) },
  'GET /api/v1/workspaces/:id/governance': { call: () => ({ check: (res) => expect(res.body).toMatchObject({ killSwitch: { engaged: false }, holds: [] }) }) },
  'POST /api/v1/workspaces/:id/publish-requests': { call: () => ({ body: { subdomain: fresh('app'), access: 'organization' } }) },
  'GET /api/v1/workspaces/:id/publish-status': {},
  'GET /api/v1/publish-requests': { call: () => ({ query: 'state=pending' }) },
  'GET /api/v1/publish-requests/:id': {
    permitted: { status: 503, why: "the diff is read from the workspace's agent, which is enrolled but not connected in-process (e2e/publish.test.ts reads it)" },
  },
  // Approved is publishing at once: the app's sandbox is the (not connected) agent's to start.
  'POST /api/v1/publish-requests/:id/approve': { call: (c) => ({ check: (res) => expect(res.body).toMatchObject({ id: c.id, state: 'publishing' }) }) },
  'GET /api/v1/apps': { call: () => ({ query: 'state=live' }) },
  'GET /api/v1/apps/:subdomain': { call: (c) => ({ check: (res) => expect(res.body).toMatchObject({ subdomain: c.id, state: 'live' }) }) },
  'GET /api/v1/apps/:subdomain/versions': { call: () => ({ check: (res) => expect(res.body.items).toHaveLength(2) }) },
  'POST /api/v1/apps/:subdomain/rollback': { call: () => ({ body: { version: EARLIER }, check: (res) => expect(res.body).toMatchObject({ state: 'publishing', version: EARLIER }) }) },
  'POST /api/v1/apps/:subdomain/unpublish': { call: () => ({ check: (res) => expect(res.body).toMatchObject({ state: 'unpublished', liveVersion: null }) }) },
  'GET /api/v1/apps/:subdomain/sign-in-link': {
    record: () => liveApp('builder'), call: () => ({ query: 'path=/x', check: (res) => expect(res.body.url).toMatch(/\.apps\.localhost(:\d+)?\/__paddock\/auth\?token=apt_/) }),
  },
  'POST /api/v1/publish-requests/:id/reject': {
    call: (c) => ({ body: { feedback: 'not yet' }, check: (res) => expect(res.body).toMatchObject({ id: c.id, state: 'rejected', feedback: 'not yet' }) }),
  },
  'GET /scim/v2/ServiceProviderConfig': {},
  'GET /scim/v2/ResourceTypes': {},
  'GET /scim/v2/ResourceTypes/:id': { record: async () => 'User' },
  'GET /scim/v2/Schemas': {},
  'GET /scim/v2/Schemas/:id': { record: async () => USER_SCHEMA },
  'GET /scim/v2/Users': {},
  'POST /scim/v2/Users': { call: () => ({ body: { schemas: [USER_SCHEMA], userName: `${fresh('s')}@example.com` } }) },
  'GET /scim/v2/Users/:id': { record: newScimUser, call: (c) => ({ check: (res) => expect(res.body.id).toBe(c.id) }) },
  'PUT /scim/v2/Users/:id': { record: newScimUser, call: () => ({ body: { schemas: [USER_SCHEMA], userName: `${fresh('s')}@example.com` } }) },
  'PATCH /scim/v2/Users/:id': { record: newScimUser, call: () => ({ body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Changed' }] } }) },
  'DELETE /scim/v2/Users/:id': { record: newScimUser },
  'GET /scim/v2/Groups': {},
  'POST /scim/v2/Groups': { call: () => ({ body: { schemas: [GROUP_SCHEMA], displayName: fresh('g') } }) },
  'GET /scim/v2/Groups/:id': { record: newScimGroup },
  'PUT /scim/v2/Groups/:id': { record: newScimGroup, call: () => ({ body: { schemas: [GROUP_SCHEMA], displayName: fresh('g') } }) },
  'PATCH /scim/v2/Groups/:id': { record: newScimGroup, call: () => ({ body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: fresh('g') }] } }) },
  'DELETE /scim/v2/Groups/:id': { record: newScimGroup },
};

const NONEXISTENT = '00000000-0000-4000-8000-000000000000';
/** One workspace per owner for the calls that leave it as it is. */
const shared: Partial<Record<Role, string>> = {};

/** The `:id` a call names: an object of the caller's own, someone else's, or one that doesn't exist. */
async function targetOf(r: Route, rule: RouteRule, sample: Sample, caller: Caller, ownership: Ownership): Promise<string | undefined> {
  if (rule.object === 'none') return undefined;
  if (ownership === 'none') return r.url.startsWith('/scim/v2/ResourceTypes') || r.url.startsWith('/scim/v2/Schemas') ? 'Nothing' : NONEXISTENT;
  const whose = fx.members[ownership === 'own' ? roleOf(caller) : otherOf(caller)];
  switch (rule.object) {
    case 'workspace': {
      // Start, stop and delete change the workspace: a fresh one each. Nothing else changes one that doesn't run.
      if (rule.action === 'operate' && !rule.needs) return (await fx.services.workspaces.create(whose.actor, { blueprintId: starterId, name: fresh('ws') })).id;
      const role = ownership === 'own' ? roleOf(caller) : otherOf(caller);
      shared[role] ??= (await fx.services.workspaces.create(whose.actor, { blueprintId: starterId, name: fresh('ws') })).id;
      return shared[role];
    }
    case 'account':
      if (r.url.startsWith('/api/v1/tokens')) return (await fx.services.identity.createToken(whose.id, fresh('t'))).id;
      await fx.session(whose.id);
      return (await fx.services.identity.listSessions(whose.actor))[0]!.id;
    case 'blueprint': return ownership === 'own' ? starterId : restrictedId;
    case 'publishRequest': return pendingPublishRequest(ownership === 'own' ? roleOf(caller) : otherOf(caller));
    case 'app': return liveApp(ownership === 'own' ? roleOf(caller) : otherOf(caller));
    case 'record': return sample.record!();
  }
}

/**
 * The ways a caller proves who it is: a bearer token and a browser session (SCIM: its
 * token). Each made just before its call: a call may end sessions (a password change)
 * or replace the SCIM token (making the object it acts on).
 */
function credentialsOf(caller: Caller): Array<{ how: string; get: () => Promise<Credential> }> {
  if (caller === 'anonymous') return [{ how: 'nothing', get: async () => null }];
  if (caller === 'scim') return [{ how: 'the SCIM token', get: async () => ({ bearer: await scimToken() }) }];
  const m = fx.members[caller];
  return [{ how: 'a bearer token', get: async () => ({ bearer: m.token }) }, { how: 'a session cookie', get: () => fx.session(m.id) }];
}

/** An event stream never ends: asked over a socket and cut once its headers are in. */
async function openStream(url: string, credential: Credential): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (credential && 'bearer' in credential) headers.authorization = `Bearer ${credential.bearer}`;
  else if (credential) headers.cookie = credential.cookie;
  const res = await fetch(`http://127.0.0.1:${fx.portal.port}${url}`, { headers });
  const contentType = res.headers.get('content-type') ?? '';
  const text = contentType.startsWith('text/event-stream') ? '' : await res.text();
  if (!text) await res.body?.cancel();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: { 'content-type': contentType }, text };
}

function fill(url: string, id: string | undefined, params: Record<string, string> = {}): string {
  return url.replace(/:([a-zA-Z]+)/g, (_, name: string) => encodeURIComponent(name === 'id' || name === 'subdomain' ? id! : params[name]!));
}

beforeAll(async () => {
  fx = await InProcessPortal.start();
  starterId = (await fx.services.blueprints.list(fx.members.admin.actor)).find((b) => b.name === 'Starter')!.id;
  restrictedId = await newBlueprint();
  await fx.services.blueprints.access.set(restrictedId, { access: 'restricted', rules: [{ kind: 'email', value: 'nobody@example.com' }] }, admin().actor);
});
afterAll(async () => { await fx?.close(); });

describe('the policy names every route', () => {
  const declared = [...apiRoutes.map(keyOf), ...webSocketRoutes.map((w) => `WS ${w.url}`), 'PREVIEW /__paddock/auth', 'PREVIEW /*'];
  it('has a rule for every route, and none for a route that does not exist', () => {
    expect(declared.filter((k) => !(k in ROUTE_RULES)), 'add these routes to authz/routeRules.ts').toEqual([]);
    expect(Object.keys(ROUTE_RULES).filter((k) => !declared.includes(k)), 'these rules name no route').toEqual([]);
  });
  it('has a sample call for every route in this suite', () => {
    expect(apiRoutes.map(keyOf).filter((k) => !(k in SAMPLES)), 'add a sample call for these routes to SAMPLES').toEqual([]);
  });
  it('declares for every route what it answers on success: a schema, or no content exactly when it answers 204', () => {
    for (const r of apiRoutes) {
      expect(r.response, keyOf(r)).toBeDefined();
      expect(r.response === 'no-content', `${keyOf(r)}: 'no-content' goes with status 204, and only with it`).toBe((r.status ?? 200) === 204);
    }
  });

  it('names an :id for every rule about an object, and none otherwise', () => {
    for (const r of apiRoutes) expect(ROUTE_RULES[keyOf(r)]!.object === 'none', keyOf(r)).toBe(!/:(id|subdomain)\b/.test(r.url));
  });
});

describe('every route × every role × whose object', () => {
  const callers: Caller[] = ['admin', 'builder', 'auditor', 'anonymous', 'scim'];
  for (const r of apiRoutes) {
    const key = keyOf(r);
    it(`${key} (${r.access})`, async () => {
      const rule = ROUTE_RULES[key]!;
      const sample = SAMPLES[key]!;
      expect(rule, `no rule for ${key}`).toBeDefined();
      for (const caller of callers) {
        // SCIM's token opens SCIM's routes only; the other routes it is tried on are enough to prove that.
        if (caller === 'scim' && r.access !== 'scim' && r.access !== 'admin') continue;
        for (const ownership of ownerships(rule, caller)) {
          const answers: Record<string, Answer> = {};
          for (const { how, get } of credentialsOf(caller)) {
            const id = await targetOf(r, rule, sample, caller, ownership);
            const context: SampleContext = { caller, ownership, id, member: () => fx.members[roleOf(caller)] };
            const call = (await sample.call?.(context)) ?? {};
            const credential = await get();
            const url = fill(r.url, id, call.params) + (call.query ? `?${call.query}` : '');
            const res = key === 'GET /api/v1/events'
              ? await openStream(url, credential)
              : await fx.request(r.method, url, { credential, body: call.body, headers: call.headers });
            const what = `${key} as ${caller} with ${how}, on ${ownership === 'own' ? 'its own object' : ownership === 'others' ? "someone else's" : 'nothing'}: ${res.status} ${res.text.slice(0, 300)}`;
            let want = expected(r, rule, caller, ownership);
            if (want.status === 'ok' && sample.permitted) want = { status: sample.permitted.status };
            if (want.status === 'ok') {
              expect(res.status, what).toBe(r.status ?? 200);
              expect(undeclaredAnswer(r, res), what).toBeNull();
              call.check?.(res);
            } else {
              expect(res.status, what).toBe(want.status);
              if (want.code) expect(res.body?.error?.code, what).toBe(want.code);
            }
            answers[how] = res;
            // A refusal that would leak whether the object exists is exactly the answer for one that doesn't.
            if (ownership === 'others' && want.status === 404) {
              const none = await fx.request(r.method, fill(r.url, NONEXISTENT, call.params) + (call.query ? `?${call.query}` : ''), { credential, body: call.body, headers: call.headers });
              expect(res.body, `${what}: differs from a nonexistent id's answer`).toEqual(none.body);
            }
          }
        }
      }
    });
  }

  it('refuses a cookie-authenticated write without the CSRF token, on every route that takes one', async () => {
    for (const r of apiRoutes.filter((x) => x.method !== 'GET' && x.access !== 'public' && x.access !== 'scim')) {
      const { cookie } = await fx.session(fx.members.admin.id);
      const url = fill(r.url, NONEXISTENT, { name: 'X', sessionId: 'ses_x1' });
      const res = await fx.request(r.method, url, { headers: { cookie } });
      expect(res.status, keyOf(r)).toBe(403);
      expect(res.body.error.message, keyOf(r)).toMatch(/x-csrf-token/);
    }
  });
});

describe('live workspace events', () => {
  /** Reads an event stream until `until` holds, as a browser's EventSource would. */
  async function readEvents(credential: Credential, act: () => Promise<void>, until: (ids: string[]) => boolean): Promise<string[]> {
    const headers: Record<string, string> = {};
    if (credential && 'bearer' in credential) headers.authorization = `Bearer ${credential.bearer}`;
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${fx.portal.port}/api/v1/events`, { headers, signal: controller.signal });
    const reader = res.body!.getReader();
    const ids: string[] = [];
    let buffer = '';
    await act();
    const deadline = Date.now() + 20_000;
    while (!until(ids) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += Buffer.from(value).toString('utf8');
      for (const m of buffer.matchAll(/^data: (.*)$/gm)) ids.push((JSON.parse(m[1]!) as { workspace: { id: string } }).workspace.id);
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
    }
    controller.abort();
    return ids;
  }

  it("carries only the workspaces each subscriber may read: a builder never sees someone else's", async () => {
    const builder = fx.members.builder;
    const theirs = await fx.services.workspaces.create(fx.members.admin.actor, { blueprintId: starterId, name: fresh('ws') });
    const mine = await fx.services.workspaces.create(builder.actor, { blueprintId: starterId, name: fresh('ws') });
    // Someone else's change first, then mine: by the time mine arrives, theirs would have.
    const seen = await readEvents({ bearer: builder.token }, async () => {
      await fx.services.workspaces.setDesired(fx.members.admin.actor, theirs.id, 'stopped');
      await fx.services.workspaces.setDesired(builder.actor, mine.id, 'stopped');
    }, (ids) => ids.includes(mine.id));
    expect(seen).toContain(mine.id);
    expect(seen).not.toContain(theirs.id);
    const auditorSaw = await readEvents({ bearer: fx.members.auditor.token }, async () => {
      await fx.services.workspaces.setDesired(fx.members.admin.actor, theirs.id, 'running');
    }, (ids) => ids.includes(theirs.id));
    expect(auditorSaw).toContain(theirs.id);
  });
});

describe('the preview origin and /__paddock/*', () => {
  let agentId: string;
  /** A workspace the database says runs on an agent (which isn't connected: no sandbox here). */
  const runningWorkspace = async (owner: Role) => {
    const w = await fx.services.workspaces.create(fx.members[owner].actor, { blueprintId: starterId, name: fresh('ws') });
    await fx.services.workspaces.setObserved(agentActor(agentId), w.id, 'running', '', agentId);
    return w.id;
  };
  const host = (workspaceId: string, port = 5173) => `${port}--${workspaceId}.${fx.portal.services.config.previewDomain}`;
  const cookieName = (workspaceId: string) => previewCookieName(host(workspaceId), false);
  /** Signs a member in to a workspace's preview as the portal's link would; the preview session's cookie. */
  const previewSession = async (userId: string, workspaceId: string): Promise<string> => {
    const { token } = await fx.services.previews.issue({ userId, workspaceId, port: 5173, portalSessionHash: null });
    const res = await fx.request('GET', `/__paddock/auth?token=${encodeURIComponent(token)}`, { headers: { host: host(workspaceId) } });
    expect(res.status).toBe(302);
    return String(res.headers['set-cookie']).split(';')[0]!;
  };

  beforeAll(async () => {
    const token = await fx.services.enrollment.createToken();
    agentId = (await fx.services.enrollment.enroll(token, 'not-connected', 'test'))!.agentId;
  });

  it('signs in at /__paddock/auth only with a token for this very origin, once', async () => {
    const ws = await runningWorkspace('builder');
    const other = await runningWorkspace('builder');
    const { token } = await fx.services.previews.issue({ userId: fx.members.builder.id, workspaceId: ws, port: 5173, portalSessionHash: null });
    // Another workspace's origin, another port, no token, a forged one: no cookie.
    for (const [h, t] of [[host(other), token], [host(ws, 5174), token], [host(ws), ''], [host(ws), 'pvt_forged']] as const) {
      const res = await fx.request('GET', `/__paddock/auth?token=${encodeURIComponent(t)}`, { headers: { host: h } });
      expect(res.status).toBe(401);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    // The token was spent by the wrong origin: it never works after.
    expect((await fx.request('GET', `/__paddock/auth?token=${encodeURIComponent(token)}`, { headers: { host: host(ws) } })).status).toBe(401);
    const good = (await fx.services.previews.issue({ userId: fx.members.builder.id, workspaceId: ws, port: 5173, portalSessionHash: null })).token;
    const res = await fx.request('GET', `/__paddock/auth?token=${encodeURIComponent(good)}`, { headers: { host: host(ws) } });
    expect(res.status).toBe(302);
    expect(String(res.headers['set-cookie'])).toContain(`${cookieName(ws)}=`);
  });

  it("lets through the owner and admins, never another builder, an auditor, or someone else's cookie", async () => {
    const ws = await runningWorkspace('builder');
    const elsewhere = await runningWorkspace('admin');
    // Past authorization the proxy dials the agent, which isn't connected here: 502/503, not the 401 sign-in page.
    const passes = (res: Answer) => res.status >= 500 && !res.text.includes('Open this preview from Paddock');
    const refused = (res: Answer) => res.status === 401 && res.text.includes('Open this preview from Paddock');
    const get = (cookie: string | undefined, workspaceId = ws) => fx.request('GET', '/', { headers: { host: host(workspaceId), ...(cookie ? { cookie } : {}) } });

    expect(passes(await get(await previewSession(fx.members.builder.id, ws)))).toBe(true);
    expect(passes(await get(await previewSession(fx.members.admin.id, ws)))).toBe(true);
    const bea = await fx.member(`${fresh('bea')}@example.com`, 'builder');
    expect(refused(await get(await previewSession(bea.id, ws)))).toBe(true);
    expect(refused(await get(await previewSession(fx.members.auditor.id, ws)))).toBe(true);
    expect(refused(await get(undefined))).toBe(true);
    // A preview session for another workspace, presented under this origin's cookie name.
    const theirs = (await previewSession(fx.members.admin.id, elsewhere)).split('=')[1];
    expect(refused(await get(`${cookieName(ws)}=${theirs}`))).toBe(true);
    // The portal's own session cookie opens nothing here.
    expect(refused(await get((await fx.session(fx.members.builder.id)).cookie))).toBe(true);
  });

  it('shuts the preview the moment its owner may no longer use the blueprint, for the owner and admins alike', async () => {
    const bp = await newBlueprint();
    const owner = await fx.member(`${fresh('own')}@example.com`, 'builder');
    const w = await fx.services.workspaces.create(owner.actor, { blueprintId: bp, name: fresh('ws') });
    await fx.services.workspaces.setObserved(agentActor(agentId), w.id, 'running', '', agentId);
    const ownerCookie = await previewSession(owner.id, w.id);
    const adminCookie = await previewSession(fx.members.admin.id, w.id);
    const ticket = (await fx.request('POST', `/api/v1/workspaces/${w.id}/terminal-tickets`, { credential: { bearer: owner.token } })).body.ticket as string;
    const get = (cookie: string) => fx.request('GET', '/', { headers: { host: host(w.id), cookie } });
    expect((await get(ownerCookie)).status).toBeGreaterThanOrEqual(500);
    await fx.services.blueprints.access.set(bp, { access: 'restricted', rules: [] }, admin().actor);
    // The check is trusted for 2 s: past it, the policy's `connect` (which needs the owner's blueprint access) refuses.
    await new Promise((r) => setTimeout(r, 10));
    fx.clock.advance(3000);
    expect((await get(ownerCookie)).status).toBe(401);
    expect((await get(adminCookie)).status).toBe(401);
    // A terminal ticket from before is refused at the attach, saying why…
    const attach = await TerminalConnection.open(`ws://127.0.0.1:${fx.portal.port}/api/v1/workspaces/${w.id}/terminal?ticket=${ticket}`).catch((e: unknown) => e);
    expect(attach).toBeInstanceOf(TerminalRefused);
    expect(attach).toMatchObject({ code: 4403, reason: expect.stringContaining('may no longer use its blueprint') });
    // …and a new terminal ticket or preview link says why, to the owner as to the admin.
    for (const m of [owner, fx.members.admin]) {
      for (const url of [`/api/v1/workspaces/${w.id}/terminal-tickets`, `/api/v1/workspaces/${w.id}/previews`]) {
        const res = await fx.request('POST', url, { credential: { bearer: m.token }, body: { port: 5173 } });
        expect(res.status, url).toBe(403);
        expect(res.body.error.code).toBe('blueprint_access_lost');
      }
    }
  });
});

describe('Admin → Workspaces', () => {
  const list = async (query: string, bearer = admin().token) => fx.request('GET', `/api/v1/admin/workspaces${query}`, { credential: { bearer } });

  it('lists everyone\'s workspaces with owner, blueprint and deadline, filtered by state, blueprint, owner and q, with counts by state', async () => {
    const tag = fresh('dir');
    const bp = await fx.services.blueprints.create({ name: `${tag} Reports`, description: 'x' }, admin().actor);
    await fx.services.blueprints.access.set(bp.id, { access: 'open', rules: [] }, admin().actor);
    const builder = fx.members.builder;
    const a = await fx.services.workspaces.create(builder.actor, { blueprintId: bp.id, name: `${tag}-a` });
    const b = await fx.services.workspaces.create(builder.actor, { blueprintId: bp.id, name: `${tag}-b` });
    // Placed on an agent that is not connected, so the reconciler leaves their states as reported here.
    holdAgent ??= (await fx.services.enrollment.enroll(await fx.services.enrollment.createToken(), 'holds', 'test'))!.agentId;
    await fx.services.workspaces.setObserved(agentActor(holdAgent), a.id, 'running', '', holdAgent);
    await fx.services.workspaces.setDesired(builder.actor, b.id, 'stopped');
    await fx.services.workspaces.setObserved(agentActor(holdAgent), b.id, 'stopped', '', holdAgent);
    const mine = await fx.services.workspaces.create(admin().actor, { blueprintId: starterId, name: `${tag}-c` });

    const byBlueprint = await list(`?blueprintId=${bp.id}`);
    expect(byBlueprint.status).toBe(200);
    expect(byBlueprint.body.workspaces.map((w: { id: string }) => w.id).sort()).toEqual([a.id, b.id].sort());
    expect(byBlueprint.body.counts).toMatchObject({ total: 2, pending: 0, running: 1, stopped: 1 });
    const row = byBlueprint.body.workspaces.find((w: { id: string }) => w.id === a.id);
    expect(row).toMatchObject({
      name: `${tag}-a`, ownerId: builder.id, ownerName: 'bo', ownerEmail: builder.email, blueprintName: `${tag} Reports`,
      state: 'running', agentId: holdAgent, agentName: 'holds', stopsAt: expect.any(String), stopReason: 'idle', lastActiveAt: expect.any(String),
    });

    // The state filter narrows the list; the counts stay those of the other filters, so each state's choice shows its number.
    const stopped = await list(`?blueprintId=${bp.id}&state=stopped`);
    expect(stopped.body.workspaces.map((w: { id: string }) => w.id)).toEqual([b.id]);
    expect(stopped.body.counts).toMatchObject({ total: 2, stopped: 1 });

    // q: a workspace's name, its owner's name or email, its blueprint's name; case-insensitive, wildcards taken literally.
    expect((await list(`?q=${encodeURIComponent(`${tag}-C`)}`)).body.workspaces.map((w: { id: string }) => w.id)).toEqual([mine.id]);
    expect((await list(`?q=${encodeURIComponent(`${tag} reports`)}`)).body.counts.total).toBe(2);
    expect((await list(`?q=${encodeURIComponent(`${tag}%`)}`)).body.counts.total).toBe(0);
    const byOwner = await list(`?ownerId=${builder.id}&q=${tag}`);
    expect(byOwner.body.workspaces.map((w: { id: string }) => w.id).sort()).toEqual([a.id, b.id].sort());
    expect((await list(`?q=${encodeURIComponent(builder.email)}&blueprintId=${bp.id}`)).body.counts.total).toBe(2);

    // Auditors read it; builders are refused.
    expect((await list(`?blueprintId=${bp.id}`, fx.members.auditor.token)).body.counts.total).toBe(2);
    expect((await list('', builder.token)).status).toBe(403);
  });

  it('refuses a bad filter with a message that names it, and lists nothing', async () => {
    const unknown = await list('?state=sleeping');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/state must be one of pending, starting, running, stopping, stopped, failed/);
    expect((await list('?state=deleted')).status).toBe(400);
    expect((await list(`?q=${'x'.repeat(201)}`)).status).toBe(400);
    expect((await list('?ownerId=')).status).toBe(400);
    expect((await list('?q=%00')).body.error.message).toMatch(/q/);
  });

  it('stops several workspaces as an admin, one call each, each audited as the admin', async () => {
    const tag = fresh('bulk');
    const builder = fx.members.builder;
    const one = await fx.services.workspaces.create(builder.actor, { blueprintId: starterId, name: `${tag}-1` });
    const two = await fx.services.workspaces.create(builder.actor, { blueprintId: starterId, name: `${tag}-2` });
    // What the page's bulk bar does: the workspace route, once per workspace.
    for (const w of [one, two]) {
      const res = await fx.request('POST', `/api/v1/workspaces/${w.id}/stop`, { credential: { bearer: admin().token } });
      expect(res.status).toBe(202);
      expect(res.body.desiredState).toBe('stopped');
    }
    const audited = await fx.services.audit.list({ limit: 50, action: 'workspace.stop' });
    for (const w of [one, two]) {
      expect(audited.find((e) => e.targetId === w.id)).toMatchObject({ actorId: admin().id, outcome: 'success' });
    }
    // A builder can't do the same to someone else's: not found, and nothing changes.
    const others = await fx.services.workspaces.create(admin().actor, { blueprintId: starterId, name: `${tag}-3` });
    expect((await fx.request('POST', `/api/v1/workspaces/${others.id}/stop`, { credential: { bearer: builder.token } })).status).toBe(404);
    expect((await fx.services.workspaces.get(admin().actor, others.id)).desiredState).toBe('running');
  });
});

describe('every service method that touches an owned object', () => {
  const instances = () => ({
    Workspaces: fx.services.workspaces, WorkspaceDirectory: fx.services.workspaceDirectory, PreviewAuth: fx.services.previews, TerminalTickets: fx.services.tickets,
    Blueprints: fx.services.blueprints, BlueprintAccessControl: fx.services.blueprints.access, Identity: fx.services.identity,
    GovernancePolicies: fx.services.governancePolicies, GovernanceEvents: fx.services.governanceEvents, GovernanceApprovals: fx.services.governanceApprovals,
    GovernanceSimulator: fx.services.governanceSimulator, GovernanceSuggester: fx.services.governanceSuggester,
    WorkspaceGovernance: fx.services.workspaceGovernance, Publishing: fx.services.publishing, PublishedApps: fx.services.apps,
    Budgets: fx.services.budgets, BudgetWatch: fx.services.budgetWatch,
  });

  it('has a rule for each of its methods, and none for a method that does not exist', () => {
    for (const [name, instance] of Object.entries(instances())) {
      const proto = Object.getPrototypeOf(instance) as object;
      expect(proto.constructor.name).toBe(name);
      const methods = Object.getOwnPropertyNames(proto).filter((m) => m !== 'constructor');
      const rules = SERVICE_RULES[name]!;
      expect(methods.filter((m) => !(m in rules)), `add ${name}'s methods to authz/serviceRules.ts`).toEqual([]);
      expect(Object.keys(rules).filter((m) => !methods.includes(m)), `${name} has no such methods`).toEqual([]);
    }
  });

  const refused = async (p: Promise<unknown>, status: number) => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err, 'the call was not refused').toBeDefined();
    expect((err as { status?: number }).status).toBe(status);
  };
  const ws = (owner: Role) => fx.services.workspaces.create(fx.members[owner].actor, { blueprintId: starterId, name: fresh('ws') });

  /** One case per policy-checked method: someone the policy refuses is refused, someone it allows is not. */
  const cases: Record<string, () => Promise<void>> = {
    'Workspaces.list': async () => {
      const theirs = await ws('admin');
      const { builder, auditor } = fx.members;
      expect((await fx.services.workspaces.list(builder.actor, { all: true })).map((w) => w.id)).not.toContain(theirs.id);
      expect((await fx.services.workspaces.list(auditor.actor, { all: true })).map((w) => w.id)).toContain(theirs.id);
    },
    'WorkspaceDirectory.list': async () => {
      const theirs = await ws('admin');
      const { builder, auditor } = fx.members;
      expect((await fx.services.workspaceDirectory.list(builder.actor, {})).workspaces.map((w) => w.id)).not.toContain(theirs.id);
      expect((await fx.services.workspaceDirectory.list(auditor.actor, {})).workspaces.map((w) => w.id)).toContain(theirs.id);
    },
    'Workspaces.get': async () => {
      const theirs = await ws('admin');
      await refused(fx.services.workspaces.get(fx.members.builder.actor, theirs.id), 404);
      await refused(fx.services.workspaces.get(fx.members.auditor.actor, theirs.id, 'operate'), 403);
      await refused(fx.services.workspaces.get(fx.members.auditor.actor, theirs.id, 'connect'), 403);
      await refused(fx.services.workspaces.get(SCIM_ACTOR, theirs.id), 404);
      expect((await fx.services.workspaces.get(RECONCILER, theirs.id)).id).toBe(theirs.id);
    },
    'Workspaces.create': async () => {
      await refused(fx.services.workspaces.create(fx.members.builder.actor, { blueprintId: restrictedId, name: fresh('ws') }), 404);
    },
    'Workspaces.setDesired': async () => {
      const theirs = await ws('admin');
      await refused(fx.services.workspaces.setDesired(fx.members.builder.actor, theirs.id, 'stopped'), 404);
      await refused(fx.services.workspaces.setDesired(fx.members.auditor.actor, theirs.id, 'stopped'), 403);
      await refused(fx.services.workspaces.setDesired(RECONCILER, theirs.id, 'deleted'), 403);
      expect((await fx.services.workspaces.get(RECONCILER, theirs.id)).desiredState).toBe('running');
    },
    'Workspaces.stopAllOwnedBy': async () => {
      const theirs = await ws('admin');
      await refused(fx.services.workspaces.stopAllOwnedBy(fx.members.builder.actor, fx.members.admin.id, 'x'), 404);
      await refused(fx.services.workspaces.stopAllOwnedBy(RECONCILER, fx.members.admin.id, 'x'), 403);
      expect((await fx.services.workspaces.get(RECONCILER, theirs.id)).desiredState).toBe('running');
      expect(await fx.services.workspaces.stopAllOwnedBy(SCIM_ACTOR, fx.members.admin.id, 'x')).toBeGreaterThan(0);
    },
    'Workspaces.stopWhereBlueprintAccessLost': async () => {
      const bp = await newBlueprint();
      const w = await fx.services.workspaces.create(fx.members.builder.actor, { blueprintId: bp, name: fresh('ws') });
      await fx.services.blueprints.access.set(bp, { access: 'restricted', rules: [] }, admin().actor);
      // The reconciler may not stop anything (its scope is empty). The portal's own sweeper (its timer, and
      // the reconciler's pass the create triggered) may stop the workspace at any moment in between, so what
      // is checked is who stopped it: the policy sweeper, once, and never the reconciler.
      expect(await fx.services.workspaces.stopWhereBlueprintAccessLost(RECONCILER)).toBe(0);
      expect(await fx.services.workspaces.stopWhereBlueprintAccessLost(POLICY_SWEEPER)).toBeGreaterThanOrEqual(0);
      expect((await fx.services.workspaces.get(RECONCILER, w.id)).desiredState).toBe('stopped');
      const stops = (await fx.services.audit.list({ limit: 50, action: 'workspace.stop' })).filter((e) => e.targetId === w.id);
      expect(stops.map((e) => e.actor)).toEqual([{ kind: 'system', name: 'policy-sweeper' }]);
    },
    'Workspaces.rename': async () => {
      const theirs = await ws('admin');
      await refused(fx.services.workspaces.rename(fx.members.builder.actor, theirs.id, 'Mine now'), 404);
      await refused(fx.services.workspaces.rename(fx.members.auditor.actor, theirs.id, 'Mine now'), 403);
      await refused(fx.services.workspaces.rename(RECONCILER, theirs.id, 'Mine now'), 403);
      expect((await fx.services.workspaces.get(RECONCILER, theirs.id)).displayName).toBe(theirs.displayName);
    },
    'Workspaces.keepAlive': async () => {
      const theirs = await ws('admin');
      await refused(fx.services.workspaces.keepAlive(fx.members.builder.actor, theirs.id), 404);
      await refused(fx.services.workspaces.keepAlive(fx.members.auditor.actor, theirs.id), 403);
      await refused(fx.services.workspaces.keepAlive(POLICY_SWEEPER, theirs.id), 403);
    },
    'Workspaces.enforceResourcePolicy': async () => {
      const bp = await newBlueprint();
      await fx.services.resourcePolicies.putBlueprint(bp, { idleStopMinutes: 1 }, admin().actor);
      const w = await fx.services.workspaces.create(fx.members.builder.actor, { blueprintId: bp, name: fresh('ws') });
      fx.clock.advance(2 * 60_000);
      // Only the policy sweeper stops for the policy; the portal's own sweep (its timer) may do so at any moment,
      // so what is checked is who stopped it: the policy sweeper, once, and never the reconciler or SCIM.
      expect(await fx.services.workspaces.enforceResourcePolicy(RECONCILER)).toEqual({ stopped: 0, deleted: 0 });
      expect(await fx.services.workspaces.enforceResourcePolicy(SCIM_ACTOR)).toEqual({ stopped: 0, deleted: 0 });
      await fx.services.workspaces.enforceResourcePolicy(POLICY_SWEEPER);
      expect((await fx.services.workspaces.get(RECONCILER, w.id)).desiredState).toBe('stopped');
      const stops = (await fx.services.audit.list({ limit: 50, action: 'workspace.stop' })).filter((e) => e.targetId === w.id);
      expect(stops.map((e) => e.actor)).toEqual([{ kind: 'system', name: 'policy-sweeper' }]);
    },
    'Workspaces.setObserved': async () => {
      const w = await ws('builder');
      await refused(fx.services.workspaces.setObserved(SCIM_ACTOR, w.id, 'failed', 'no'), 404);
      await refused(fx.services.workspaces.setObserved(POLICY_SWEEPER, w.id, 'failed', 'no'), 403);
      await fx.services.workspaces.setObserved(agentActor('agent-x'), w.id, 'stopped', '');
      const entry = (await fx.services.audit.list({ limit: 20, action: 'workspace.stopped' })).find((e) => e.targetId === w.id);
      expect(entry?.actor).toEqual({ kind: 'system', name: 'agent', id: 'agent-x' });
    },
    'WorkspaceGovernance.get': async () => {
      const theirs = await ws('admin');
      await refused(fx.services.workspaceGovernance.get(fx.members.builder.actor, theirs.id), 404);
      await refused(fx.services.workspaceGovernance.get(SCIM_ACTOR, theirs.id), 404);
      expect((await fx.services.workspaceGovernance.get(fx.members.auditor.actor, theirs.id)).holds).toEqual([]);
      expect((await fx.services.workspaceGovernance.get(POLICY_SWEEPER, theirs.id)).killSwitch.engaged).toBe(false);
    },
    'PreviewAuth.check': async () => {
      // Covered end to end above ("the preview origin"); here the query alone, for a builder's session on an admin's workspace.
      const token = await fx.services.enrollment.createToken();
      const agent = (await fx.services.enrollment.enroll(token, 'x', 'test'))!.agentId;
      const w = await ws('admin');
      await fx.services.workspaces.setObserved(agentActor(agent), w.id, 'running', '', agent);
      for (const [userId, allowed] of [[fx.members.builder.id, false], [fx.members.auditor.id, false], [fx.members.admin.id, true]] as const) {
        const { token: t } = await fx.services.previews.issue({ userId, workspaceId: w.id, port: 5173, portalSessionHash: null });
        const session = (await fx.services.previews.redeem(t, w.id, 5173))!;
        expect(Boolean(await fx.services.previews.check([session], w.id, 5173))).toBe(allowed);
      }
    },
    'Blueprints.list': async () => {
      expect((await fx.services.blueprints.list(fx.members.builder.actor)).map((b) => b.id)).not.toContain(restrictedId);
      expect((await fx.services.blueprints.list(fx.members.auditor.actor)).map((b) => b.id)).toContain(restrictedId);
    },
    'Blueprints.get': async () => { await refused(fx.services.blueprints.get(fx.members.builder.actor, restrictedId), 404); },
    'BlueprintAccessControl.usableIds': async () => { expect((await fx.services.blueprints.access.usableIds(fx.members.builder.actor)).has(restrictedId)).toBe(false); },
    'BlueprintAccessControl.mayUse': async () => { expect(await fx.services.blueprints.access.mayUse(fx.members.builder.id, restrictedId)).toBe(false); },
    'BlueprintAccessControl.assertUsable': async () => { await refused(fx.services.blueprints.access.assertUsable(fx.members.builder.actor, restrictedId), 404); },
    'Identity.createUser': async () => {
      for (const by of [fx.members.builder.actor, RECONCILER, POLICY_SWEEPER]) {
        await refused(fx.services.identity.createUser({ email: `${fresh('x')}@example.com`, name: 'X', role: 'admin', password: null }, by), 403);
      }
    },
    'Identity.createUserIn': async () => {
      await refused(fx.db.transaction().execute((tx) => fx.services.identity.createUserIn(tx, { email: `${fresh('x')}@example.com`, name: 'X', role: 'admin', passwordHash: null }, RECONCILER, {})), 403);
    },
    'Identity.updateUser': async () => { await refused(fx.services.identity.updateUser(fx.members.auditor.id, { role: 'admin' }, fx.members.builder.actor), 403); },
    'Identity.deactivate': async () => {
      await refused(fx.services.identity.deactivate(fx.members.auditor.id, RECONCILER, 'x'), 403);
      expect((await fx.services.identity.getUser(fx.members.auditor.id))?.active).toBe(true);
    },
    'Identity.reactivate': async () => { await refused(fx.services.identity.reactivate(fx.members.auditor.id, POLICY_SWEEPER), 403); },
    'Identity.listSessions': async () => {
      await fx.session(fx.members.admin.id);
      const mine = await fx.services.identity.listSessions(fx.members.builder.actor);
      const admins = await fx.services.identity.listSessions(fx.members.admin.actor);
      expect(mine.map((s) => s.id)).not.toContain(admins[0]!.id);
    },
    'Identity.revokeSession': async () => {
      await fx.session(fx.members.admin.id);
      const theirs = (await fx.services.identity.listSessions(fx.members.admin.actor))[0]!.id;
      expect(await fx.services.identity.revokeSession(fx.members.builder.actor, theirs)).toBe(false);
      expect((await fx.services.identity.listSessions(fx.members.admin.actor)).map((s) => s.id)).toContain(theirs);
    },
    'Identity.listTokens': async () => {
      const theirs = await fx.services.identity.createToken(fx.members.admin.id, fresh('t'));
      expect((await fx.services.identity.listTokens(fx.members.builder.actor)).map((t) => t.id)).not.toContain(theirs.id);
      expect((await fx.services.identity.listTokens(RECONCILER))).toEqual([]);
    },
    'Identity.deleteToken': async () => {
      const theirs = await fx.services.identity.createToken(fx.members.admin.id, fresh('t'));
      expect(await fx.services.identity.deleteToken(fx.members.builder.actor, theirs.id)).toBe(false);
      expect(await fx.services.identity.deleteToken(RECONCILER, theirs.id)).toBe(false);
      expect((await fx.services.identity.listTokens(fx.members.admin.actor)).map((t) => t.id)).toContain(theirs.id);
    },
  };

  Object.assign(cases, {
    'Publishing.request': async () => {
      const theirs = await ws('builder');
      const ask = { subdomain: fresh('app'), access: 'organization' as const };
      await refused(fx.services.publishing.request(fx.members.admin.actor, theirs.id, ask), 403);
      await refused(fx.services.publishing.request(fx.members.auditor.actor, theirs.id, ask), 403);
      // The owner passes authorization and meets the sandbox that isn't there.
      await refused(fx.services.publishing.request(fx.members.builder.actor, theirs.id, ask), 409);
    },
    'Publishing.status': async () => {
      const theirs = await ws('admin');
      await refused(fx.services.publishing.status(fx.members.builder.actor, theirs.id), 404);
      // Admins and auditors read it: they pass authorization and meet the sandbox that isn't there.
      await refused(fx.services.publishing.status(fx.members.auditor.actor, theirs.id), 409);
      await refused(fx.services.publishing.status(fx.members.admin.actor, theirs.id), 409);
    },
    'Publishing.list': async () => {
      const theirs = await pendingPublishRequest('admin');
      expect((await fx.services.publishing.list(fx.members.builder.actor)).map((p) => p.id)).not.toContain(theirs);
      expect((await fx.services.publishing.list(fx.members.auditor.actor)).map((p) => p.id)).toContain(theirs);
    },
    'Publishing.get': async () => {
      await refused(fx.services.publishing.get(fx.members.builder.actor, await pendingPublishRequest('admin')), 404);
    },
    'Publishing.approve': async () => {
      await refused(fx.services.publishing.approve(fx.members.builder.actor, await pendingPublishRequest('admin')), 404);
      await refused(fx.services.publishing.approve(fx.members.auditor.actor, await pendingPublishRequest('builder')), 403);
      await refused(fx.services.publishing.approve(fx.members.admin.actor, await pendingPublishRequest('admin')), 403);
    },
    'Publishing.reject': async () => {
      await refused(fx.services.publishing.reject(fx.members.builder.actor, await pendingPublishRequest('admin'), 'no'), 404);
      await refused(fx.services.publishing.reject(fx.members.admin.actor, await pendingPublishRequest('admin'), 'no'), 403);
    },
    'PublishedApps.list': async () => {
      const theirs = await liveApp('admin');
      expect((await fx.services.apps.list(fx.members.builder.actor)).map((a) => a.subdomain)).not.toContain(theirs);
      expect((await fx.services.apps.list(fx.members.auditor.actor)).map((a) => a.subdomain)).toContain(theirs);
    },
    'PublishedApps.get': async () => {
      await refused(fx.services.apps.get(fx.members.builder.actor, await liveApp('admin')), 404);
    },
    'PublishedApps.versions': async () => {
      await refused(fx.services.apps.versions(fx.members.builder.actor, await liveApp('admin')), 404);
    },
    'PublishedApps.rollback': async () => {
      await refused(fx.services.apps.rollback(fx.members.builder.actor, await liveApp('admin'), EARLIER), 404);
      await refused(fx.services.apps.rollback(fx.members.auditor.actor, await liveApp('builder'), EARLIER), 403);
    },
    'PublishedApps.unpublish': async () => {
      await refused(fx.services.apps.unpublish(fx.members.builder.actor, await liveApp('admin')), 404);
      await refused(fx.services.apps.unpublish(fx.members.auditor.actor, await liveApp('builder')), 403);
    },
  } satisfies Record<string, () => Promise<void>>);

  it('has an authorization case for every method the policy checks', () => {
    const checked = Object.entries(SERVICE_RULES).flatMap(([cls, methods]) => Object.entries(methods)
      .filter(([, rule]) => 'workspace' in rule || 'account' in rule || 'member' in rule || 'blueprint' in rule || 'publishRequest' in rule || 'app' in rule).map(([m]) => `${cls}.${m}`));
    expect(checked.filter((m) => !(m in cases)), 'add an authorization case for these methods').toEqual([]);
  });

  for (const [method, run] of Object.entries(cases)) it(method, run);

  it('leaves the audit chain whole after all of it', async () => {
    expect(await fx.services.audit.verify()).toMatchObject({ ok: true });
  });
});

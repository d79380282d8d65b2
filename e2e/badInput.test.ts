import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes, webSocketRoutes, type Route } from '@paddock/portal';
import { HANDS_OFF_RESOURCE_POLICY } from '@paddock/portal/testing';
import { ADMIN_TOKEN, TestStack } from './harness/testStack.js';
import { httpRequest, rawExchange, type RawResponse } from './harness/rawHttp.js';

/**
 * Hostile input at the edge, generated over the route table: every route with
 * every bad path parameter, query value and body field we could think of (NUL,
 * lone surrogates, broken percent-encoding, over-long values, huge numbers,
 * wrong types, dates out of range, deep nesting). None may answer 500, and every
 * error has the one shape: {"error":{"code","message"}}, or SCIM's error body on
 * /scim/v2 (RFC 7644 §3.12). Runs on PGlite and PostgreSQL, which fail differently.
 */
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const MISSING = '00000000-0000-4000-8000-000000000000';

/** Raw path segments (sent byte for byte). */
const badParams = [
  '%00', 'a%00b', `${MISSING}%00`, '%ED%A0%80', '%ED%B0%80x', '%C0%80', '%zz', '%', 'a'.repeat(101), 'a'.repeat(100),
  '99999999999999999999', '-1', '1e309', 'null', '%5B%5D', '%7B%7D', '%2e%2e', '..%2F..%2Fetc', '%5C', '%20', '%27%3B--',
  MISSING.toUpperCase(), '00000000-0000-0000-0000-000000000000', '%F0%9F%92%A9', '%EF%BF%BD',
];

/** Raw query values (sent byte for byte). */
const badQueryValues = [
  '%00', 'a%00b', '%ED%A0%80', '%C0%80', '%zz', '%', 'x'.repeat(5000), '99999999999999999999', '-99999999999999999999', '1e309',
  'NaN', '-1', '0', '1.5', 'true', '%5B%5D', '99999-01-01', '0000-01-01T00:00:00Z', '-000001-01-01T00:00:00Z',
  '%2B275760-09-13T00:00:00Z', '9999-12-31T23:59:59.999Z', '',
];

/** SCIM filters (RFC 7644 §3.4.2.2) that once answered 500, and their cousins. */
const badFilters = [
  'userName eq "\\u0000"', 'userName eq "a\\ud800"', 'userName eq "\\udc00"', 'externalId eq "\\u0000"', 'id eq "\\u0000"',
  'emails.value eq "\\u0000"', 'displayName co "\\u0000"', 'members.value eq "\\u0000"', 'displayName sw "%_\\\\"',
  'meta.lastModified lt "99999-01-01"', 'meta.lastModified gt "0000-01-01T00:00:00Z"', 'meta.created eq "+275760-09-13T00:00:00Z"',
  'meta.created gt "-000001-01-01T00:00:00Z"', 'meta.created eq "2020-13-45T99:99:99Z"', 'meta.created lt "Tue Jan 01 99999"',
  'meta.created gt 99999999999999999999', 'userName eq 1e309', 'active eq "x"', 'userName eq "x" and '.repeat(300) + 'userName pr',
];
/** Nesting deep enough to overflow a recursive parser, within the 16 KiB a request line may take. */
const deepFilter = `${'('.repeat(6000)}userName+pr${')'.repeat(6000)}`;

/** JSON values put in place of one body field; HUGE and INFINITE stand for literals JSON.stringify can't write. */
const HUGE = '\u0001huge';
const INFINITE = '\u0001infinite';
const badValues: unknown[] = [
  '\u0000', 'x\u0000y', '\ud800', 'x\udc00', 'x'.repeat(70_000), HUGE, INFINITE, -1, 0.5, true, null, [], {},
  ['\u0000'], { '\u0000': '\ud800' }, '99999-01-01', '',
];
const toJson = (v: unknown) => JSON.stringify(v).replaceAll(JSON.stringify(HUGE), '99999999999999999999').replaceAll(JSON.stringify(INFINITE), '1e309');

/** Whole bodies, given the route's valid sample. */
const badBodies = (sample: unknown): string[] => [
  toJson({ ...(sample as object), '\u0000': 1 }), toJson({ ...(sample as object), 'x\ud800': 'y' }), toJson([]), toJson('\u0000'),
  'null', '12', '{"a":', '{"__proto__":{"admin":true}}', `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
  `{"a":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`,
];

/** Every leaf of a sample body, by path (arrays: their first element), to depth 3. */
function leafPaths(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (path.length >= 3 || value === null || typeof value !== 'object') return path.length ? [path] : [];
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? (value.length ? [[0, value[0]]] : []) : Object.entries(value);
  const inner = entries.flatMap(([k, v]) => leafPaths(v, [...path, k]));
  return path.length ? [path, ...inner] : inner;
}

function withValue(sample: unknown, path: Array<string | number>, v: unknown): unknown {
  const copy = structuredClone(sample) as Record<string | number, unknown>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  at[path.at(-1)!] = v;
  return copy;
}

/** Empty when the answer is acceptable; otherwise what is wrong with it. */
function problemWith(res: RawResponse, scim: boolean, signIn: boolean): string | undefined {
  if (res.status >= 500 && res.status !== 502 && res.status !== 503) return `answered ${res.status}: ${res.text.slice(0, 300)}`;
  // Every case carries a valid credential: losing it means an earlier bad request changed something.
  if (res.status === 401 && !signIn) return `the credential stopped working: ${res.text.slice(0, 200)}`;
  if (/\n\s+at \S/.test(res.text)) return 'leaks a stack trace';
  if (res.status < 400) return undefined;
  let body: unknown;
  try { body = JSON.parse(res.text); } catch { return `error body is not JSON (${res.status}): ${res.text.slice(0, 200)}`; }
  if (scim) {
    const b = body as Record<string, unknown>;
    const ok = res.contentType.startsWith('application/scim+json') && Array.isArray(b.schemas) && b.schemas[0] === SCIM_ERROR
      && b.status === String(res.status) && typeof b.detail === 'string'
      && Object.keys(b).every((k) => ['schemas', 'status', 'scimType', 'detail'].includes(k));
    return ok ? undefined : `not SCIM's error body (${res.status}, ${res.contentType}): ${res.text.slice(0, 200)}`;
  }
  const b = body as { error?: Record<string, unknown> };
  const ok = res.contentType.startsWith('application/json') && Object.keys(b).length === 1 && !!b.error
    && typeof b.error.code === 'string' && typeof b.error.message === 'string' && Object.keys(b.error).length === 2;
  return ok ? undefined : `not the one error shape (${res.status}, ${res.contentType}): ${res.text.slice(0, 200)}`;
}

describe('bad input at the edge', () => {
  let stack: TestStack;
  let scimToken: string;
  let ids: Record<string, string>;
  let samples: Record<string, unknown>;

  beforeAll(async () => {
    stack = await TestStack.start();
    scimToken = (await stack.api('POST', '/api/v1/admin/scim-tokens')).body.token;
    const workspace = await stack.runningWorkspace('fuzz');
    const blueprint = (await stack.api('POST', '/api/v1/blueprints', { name: 'Fuzz' })).body.id as string;
    const user = await stack.userToken('fuzz-user@example.com');
    const invite = (await stack.api('POST', '/api/v1/invites', { email: 'fuzz-invitee@example.com' })).body.id as string;
    const token = (await stack.api('POST', '/api/v1/tokens', { name: 'fuzz' })).body.id as string;
    expect((await stack.api('PUT', `/api/v1/blueprints/${blueprint}/secrets/FUZZ_SECRET`, { value: 'x' })).status).toBe(200);
    const scim = async (path: string, body: unknown) => {
      const res = await fetch(`${stack.url}/scim/v2${path}`, {
        method: 'POST', headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string };
    };
    const scimUser = (await scim('/Users', { schemas: [USER], userName: 'fuzz-scim@corp.example' })).id;
    const scimGroup = (await scim('/Groups', { schemas: [GROUP], displayName: 'fuzz-group', members: [{ value: scimUser }] })).id;
    ids = { workspace, blueprint, user: user.id, invite, token, scimUser, scimGroup };
    samples = {
      'POST /api/v1/auth/login': { email: 'nobody@example.com', password: 'wrong-password' },
      'POST /api/v1/users': { email: 'fuzz-made@example.com', name: 'Fuzz', role: 'builder', password: 'a-long-enough-password' },
      'PATCH /api/v1/users/:id': { name: 'Fuzz renamed', role: 'builder', trusted: false },
      'POST /api/v1/invites': { email: 'fuzz-invite2@example.com', role: 'builder' },
      'POST /api/v1/invites/lookup': { token: 'pdi_nothing' },
      'POST /api/v1/invites/accept': { token: 'pdi_nothing', name: 'X', password: 'a-long-enough-password' },
      // A wrong current password: the fuzz never changes the admin's password (it only costs sign-in guesses).
      'POST /api/v1/auth/password': { currentPassword: 'not-the-admin-password', newPassword: 'another-long-enough-password' },
      'POST /api/v1/password-resets/lookup': { token: 'pdr_nothing' },
      'POST /api/v1/password-resets/redeem': { token: 'pdr_nothing', password: 'a-long-enough-password' },
      'POST /api/v1/tokens': { name: 'fuzz' },
      'POST /api/v1/blueprints': {
        name: 'Fuzz made', description: 'x', model: 'm', systemPrompt: 's', dataSourceNotes: 'd',
        tabs: [{ id: 'run', kind: 'command', title: 'Run', command: 'true' }], defaultTab: 'run', previewPorts: [3000],
      },
      'PATCH /api/v1/blueprints/:id': {
        description: 'x', llm: { kind: 'anthropic-compatible', baseUrl: 'http://127.0.0.1:9/' }, allowPublicApps: false, trustedPublishing: true, appsGetCredentials: false,
        enabled: true, illustration: 'chart', suggestedPrompts: ['Build a quiz'],
      },
      'POST /api/v1/blueprints/:id/duplicate': { name: 'Fuzz copy' },
      'PUT /api/v1/blueprints/:id/access': { access: 'open', rules: [{ kind: 'email', value: 'a@example.com' }] },
      'PUT /api/v1/blueprints/:id/secrets/:name': { value: 'x' },
      'PUT /api/v1/blueprints/:id/llm-key': { value: 'sk-fuzz' },
      'PUT /api/v1/blueprints/:id/git-remote': { url: 'https://git.example.com/fuzz.git', branch: 'main', username: 'fuzz', token: 'tok-fuzz' },
      'POST /api/v1/workspaces': { blueprintId: MISSING, name: 'fuzz-new', displayName: 'Fuzz new' },
      'PATCH /api/v1/workspaces/:id': { displayName: 'Fuzz renamed' },
      'POST /api/v1/workspaces/:id/previews': { port: 5173 },
      'POST /api/v1/workspaces/:id/files/rename': { from: 'fuzz-none-a.txt', to: 'fuzz-none-b.txt' },
      'POST /api/v1/workspaces/:id/ai/sessions': { title: 'fuzz' },
      'POST /api/v1/workspaces/:id/ai/sessions/:sessionId/prompt': { text: 'hi' },
      'PUT /api/v1/admin/sso': { issuer: 'http://127.0.0.1:9/', clientId: 'x', clientSecret: 'y', allowedDomains: ['example.com'], roleMappings: [{ value: 'a', role: 'admin' }] },
      'PUT /api/v1/admin/auth-settings': { localPasswords: true },
      'PUT /api/v1/admin/branding': { name: 'Fuzz', accentColor: '#2563eb', welcome: { title: 'Fuzz', text: 'x', cta: 'Go' } },
      'PUT /api/v1/admin/ip-allowlist': { cidrs: [], trustedProxies: [] },
      // The hands-off values the stack runs with, so the fuzz changes nothing the rest relies on.
      'PUT /api/v1/admin/policies': HANDS_OFF_RESOURCE_POLICY,
      'POST /api/v1/admin/policies/impact': HANDS_OFF_RESOURCE_POLICY,
      'POST /api/v1/blueprints/:id/policies/impact': { idleStopMinutes: 5, limits: { pids: 64 } },
      'PUT /api/v1/blueprints/:id/policies': { idleStopMinutes: 60, maxRunningPerUser: null, limits: { cpus: 1, memoryMiB: null } },
      'PUT /api/v1/admin/model-prices': { items: [{ model: 'claude-sonnet-4', inputUsdPerMTok: 3, outputUsdPerMTok: 15, cacheReadUsdPerMTok: 0.3, cacheWriteUsdPerMTok: 3.75 }] },
      'PUT /api/v1/admin/budgets': [{ scope: 'blueprint', targetId: blueprint, period: 'month', limitUsd: 20, action: 'block' }],
      'PUT /api/v1/governance/policy': {
        mode: 'monitor', defaults: { llm_call: 'allow', bash_command: 'allow', file_write: 'ask', git_push: 'allow', http_request: 'deny' },
        rules: [{ id: 'fuzz', class: 'http_request', match: { domain: '*.example.com', method: 'GET', path: '/x/**' }, verdict: 'allow' }],
        contentFilters: { secrets: true, privateKeys: true, exfiltration: true },
      },
      'PUT /api/v1/blueprints/:id/governance': { mode: 'enforce', defaults: { bash_command: 'ask' }, rules: [{ class: 'git_push', match: { force: true, ref: 'refs/heads/*' }, verdict: 'ask' }] },
      'POST /api/v1/governance/approvals/:id': { decision: 'approve', scope: 'minutes', minutes: 5, reason: 'fuzz' },
      'PUT /api/v1/governance/kill-switch': { scope: 'org', engaged: false, reason: 'fuzz' },
      'POST /api/v1/workspaces/:id/publish-requests': { subdomain: 'fuzz-app', access: 'organization', command: 'npm start', port: 3000, note: 'fuzz' },
      'POST /api/v1/publish-requests/:id/reject': { feedback: 'fuzz' },
      'POST /api/v1/apps/:subdomain/rollback': { version: 'a'.repeat(40) },
      'POST /api/v1/governance/simulate': {
        days: 7,
        policy: {
          mode: 'enforce', defaults: { llm_call: 'allow', bash_command: 'allow', file_write: 'allow', git_push: 'ask', http_request: 'deny' },
          rules: [{ id: 'fuzz', class: 'bash_command', match: { command: 'curl *' }, verdict: 'deny' }],
          contentFilters: { secrets: true, privateKeys: true, exfiltration: true },
        },
      },
      'POST /scim/v2/Users': {
        schemas: [USER], userName: 'fuzz-new@corp.example', name: { givenName: 'F', familyName: 'Z' },
        emails: [{ value: 'fuzz-new@corp.example', type: 'work' }], externalId: 'e', active: true,
      },
      'PUT /scim/v2/Users/:id': { schemas: [USER], userName: 'fuzz-scim@corp.example', displayName: 'Fuzz' },
      'PATCH /scim/v2/Users/:id': { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'Fuzz' }] },
      'POST /scim/v2/Groups': { schemas: [GROUP], displayName: 'fuzz-new', members: [{ value: scimUser }] },
      'PUT /scim/v2/Groups/:id': { schemas: [GROUP], displayName: 'fuzz-group', externalId: 'g' },
      'PATCH /scim/v2/Groups/:id': { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: scimUser }] }] },
    };
  });
  afterAll(async () => { await stack?.close(); });

  const isScim = (url: string) => url.startsWith('/scim/');

  /** A value for a path parameter that names something real, so that the bad part of a request is the only bad part. */
  function validParam(url: string, name: string): string {
    if (name === 'name') return 'FUZZ_SECRET';
    if (name === 'sessionId') return 'ses_fuzz';
    if (name === 'slot') return 'logo-light';
    if (name === 'hash') return '0123456789abcdef';
    const byPrefix: Array<[string, string]> = [
      ['/api/v1/workspaces/:id', ids.workspace!], ['/api/v1/users/:id', ids.user!], ['/api/v1/blueprints/:id', ids.blueprint!],
      ['/api/v1/invites/:id', ids.invite!], ['/api/v1/tokens/:id', ids.token!], ['/api/v1/auth/sessions/:id', MISSING],
      ['/scim/v2/Users/:id', ids.scimUser!], ['/scim/v2/Groups/:id', ids.scimGroup!],
      ['/scim/v2/ResourceTypes/:id', 'User'], ['/scim/v2/Schemas/:id', USER],
      // No action is held here: a decision names nothing (404), after its body was checked.
      ['/api/v1/governance/approvals/:id', MISSING],
      // Nor is anything asked to be published: a decision names nothing (404), after its body was checked.
      ['/api/v1/publish-requests/:id', MISSING],
      // Nor is any app published: a rollback names nothing (404), after its body was checked.
      ['/api/v1/apps/:subdomain', 'fuzz-no-app'],
      // Nor is a connection open: ending one names nothing (404).
      ['/api/v1/admin/connections/:id', MISSING],
    ];
    const found = byPrefix.find(([prefix]) => url.startsWith(prefix));
    if (!found) throw new Error(`add a valid :${name} for ${url} to validParam`);
    return found[1];
  }

  const fill = (url: string, except?: string, bad?: string) =>
    url.replace(/:([a-zA-Z]+)/g, (_, name: string) => (name === except ? bad! : validParam(url, name)));

  async function send(method: string, url: string, target: string, body?: string, contentType?: string): Promise<RawResponse> {
    const auth = isScim(url) ? scimToken : ADMIN_TOKEN;
    const headers: Record<string, string> = { authorization: `Bearer ${auth}` };
    if (body !== undefined) headers['content-type'] = contentType ?? (isScim(url) ? 'application/scim+json' : 'application/json');
    return httpRequest(stack.portal.port, { method, target, headers, ...(body !== undefined ? { body } : {}) });
  }

  /** Sends each case and collects what went wrong, so one run reports every failure. */
  interface Case { label: string; method: string; url: string; target: string; body?: string; contentType?: string }
  async function fuzz(cases: Case[]) {
    const problems: string[] = [];
    for (const c of cases) {
      const res = await send(c.method, c.url, c.target, c.body, c.contentType).catch((err: Error) => ({ status: 0, contentType: '', text: err.message }));
      const problem = res.status === 0 ? `no answer: ${res.text}` : problemWith(res, isScim(c.url), c.url === '/api/v1/auth/login');
      if (problem) problems.push(`${c.label}: ${problem}`);
    }
    return { problems, count: cases.length };
  }

  const routes = apiRoutes as Route[];
  /** Each fuzz test sends thousands of requests: bounded generously, for a loaded 2-core machine. */
  const FUZZ_TIMEOUT_MS = 300_000;
  const routeKey = (r: Pick<Route, 'method' | 'url'>) => `${r.method} ${r.url}`;
  /** Routes that take a body, whether the route layer or the handler parses it. */
  const bodyRoutes = () => routes.filter((r) => r.body || samples[routeKey(r)] !== undefined);

  it('every path parameter, on every route', async () => {
    const cases = [...routes, ...webSocketRoutes.map((w) => ({ ...w, method: 'GET' as const }))].flatMap((r) =>
      [...r.url.matchAll(/:([a-zA-Z]+)/g)].flatMap(([, name]) => badParams.map((bad) => ({
        label: `${r.method} ${r.url} with :${name}=${bad.slice(0, 40)}`, method: r.method, url: r.url, target: fill(r.url, name, bad),
        // A route that takes a body gets its valid one, so the parameter is the only bad part.
        ...(samples[routeKey(r)] !== undefined ? { body: toJson(samples[routeKey(r)]) } : {}),
      }))));
    const { problems, count } = await fuzz(cases);
    expect(count).toBeGreaterThan(1000);
    expect(problems).toEqual([]);
  }, FUZZ_TIMEOUT_MS);

  it('every query value, on every route', async () => {
    const cases: Case[] = routes.flatMap((r) => {
      const shape = (r.query as { shape?: Record<string, unknown> } | undefined)?.shape;
      const keys = [...(shape ? Object.keys(shape) : []), ...(isScim(r.url) ? ['filter', 'startIndex', 'count', 'attributes', 'excludedAttributes'] : []), 'unknown'];
      const base = fill(r.url);
      const body = samples[routeKey(r)] !== undefined ? toJson(samples[routeKey(r)]) : undefined;
      const one = (query: string) => ({ label: `${r.method} ${r.url}?${query.slice(0, 60)}`, method: r.method, url: r.url, target: `${base}?${query}`, ...(body !== undefined ? { body } : {}) });
      const refused = [...keys.flatMap((k) => [`${k}=%00`, `${k}=a%00b`, `${k}[x]=%00`]), '%00=x'].map(one);
      // Reads take every bad value; writes only what must be refused before anything happens (the rest would do it).
      if (r.method !== 'GET') return refused;
      return [
        ...refused,
        ...keys.flatMap((k) => badQueryValues.map((v) => one(`${k}=${v}`))),
        ...keys.map((k) => one(`${k}=a&${k}=b`)), // an array where a value is expected
      ];
    });
    const scimLists = routes.filter((r) => isScim(r.url) && r.method === 'GET' && /\/(Users|Groups)$/.test(r.url));
    expect(scimLists.length).toBe(2);
    for (const r of scimLists) {
      for (const f of badFilters) cases.push({ label: `${r.url}?filter=${f.slice(0, 60)}`, method: 'GET', url: r.url, target: `${r.url}?filter=${encodeURIComponent(f)}` });
      cases.push({ label: `${r.url}?filter=<nested 6000 deep>`, method: 'GET', url: r.url, target: `${r.url}?filter=${deepFilter}` });
      cases.push({ label: `${r.url}?startIndex=99999999999999999999&count=99999999999999999999`, method: 'GET', url: r.url, target: `${r.url}?startIndex=99999999999999999999&count=99999999999999999999` });
    }
    const { problems, count } = await fuzz(cases);
    expect(count).toBeGreaterThan(500);
    expect(problems).toEqual([]);
  }, FUZZ_TIMEOUT_MS);

  it('every body field, and whole bodies, on every route that takes one', async () => {
    const missing = routes.filter((r) => r.body && samples[routeKey(r)] === undefined).map(routeKey);
    expect(missing, 'add a valid sample body for these routes').toEqual([]);
    const cases: Case[] = bodyRoutes().flatMap((r) => {
      const sample = samples[routeKey(r)];
      const target = fill(r.url);
      const one = (label: string, body: string) => ({ label: `${routeKey(r)} ${label}`, method: r.method, url: r.url, target, body });
      return [
        ...leafPaths(sample).flatMap((path) => badValues.map((v) => one(`${path.join('.')}=${toJson(v).slice(0, 30)}`, toJson(withValue(sample, path, v))))),
        ...badBodies(sample).map((b) => one(`body ${b.slice(0, 30)}`, b)),
      ];
    });
    // Routes without a body still get bodies: only the ones that must be refused before anything happens.
    for (const r of routes.filter((x) => x.method !== 'GET' && !bodyRoutes().includes(x))) {
      for (const b of [toJson({ x: '\u0000' }), toJson({ '\ud800': 1 }), toJson(['a\u0000'])]) {
        cases.push({ label: `${routeKey(r)} body ${b}`, method: r.method, url: r.url, target: fill(r.url), body: b });
      }
    }
    // Branding images are their raw bytes: anything else, or a lie about the type, is refused with the one error shape.
    for (const [type, body] of [['image/png', 'not a png'], ['image/svg+xml', '<svg onload="x"'], ['image/svg+xml', '\u0000<svg>'], ['image/x-icon', ''], ['image/gif', 'GIF89a'], ['text/plain', 'x']]) {
      cases.push({ label: `PUT branding/logo-light as ${type}`, method: 'PUT', url: '/api/v1/admin/branding/:slot', target: '/api/v1/admin/branding/logo-light', body: body!, contentType: type });
    }
    // The editor's file content is text/plain.
    const content = `${fill('/api/v1/workspaces/:id')}/files/content?path=fuzz.txt`;
    for (const text of ['a\u0000b', '\ud800', 'x'.repeat(100)]) {
      cases.push({ label: `PUT files/content ${toJson(text)}`, method: 'PUT', url: '/api/v1/workspaces/:id/files/content', target: content, body: text, contentType: 'text/plain; charset=utf-8' });
    }
    const { problems, count } = await fuzz(cases);
    expect(count).toBeGreaterThan(1000);
    expect(problems).toEqual([]);
  }, FUZZ_TIMEOUT_MS);

  it('refuses NUL and lone surrogates in stored strings, and keeps what was there', async () => {
    const { id } = (await stack.api('POST', '/api/v1/blueprints', { name: 'Kept' })).body;
    for (const name of ['a\u0000b', 'a\ud800b', 'b\udc00']) {
      const res = await stack.api('PATCH', `/api/v1/blueprints/${id}`, { name });
      expect(res.status, name).toBe(400);
      expect(res.body).toEqual({ error: { code: 'invalid_input', message: expect.stringContaining('name') } });
    }
    // Not turned into U+FFFD on the way to the database either.
    expect((await stack.api('GET', `/api/v1/blueprints/${id}`)).body.name).toBe('Kept');
    const scim = await fetch(`${stack.url}/scim/v2/Users`, {
      method: 'POST', headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: [USER], userName: 'surrogate@corp.example', displayName: 'x\ud800' }),
    });
    expect(scim.status).toBe(400);
    expect(await scim.json()).toMatchObject({ schemas: [SCIM_ERROR], status: '400', scimType: 'invalidValue' });
    expect((await stack.db.selectFrom('users').select('id').where('email', '=', 'surrogate@corp.example').execute())).toEqual([]);
  });

  it('answers an id that is not one like an id that names nothing', async () => {
    for (const bad of ['%00', 'nope', MISSING]) {
      const res = await stack.api('GET', `/api/v1/workspaces/${bad}`);
      expect(res.status, bad).toBe(404);
      expect(res.body).toEqual({ error: { code: 'not_found', message: 'workspace not found' } });
    }
    const scim = await fetch(`${stack.url}/scim/v2/Users/%00`, { headers: { authorization: `Bearer ${scimToken}` } });
    expect(scim.status).toBe(404);
    expect(await scim.json()).toMatchObject({ schemas: [SCIM_ERROR], status: '404' });
  });
});

describe('errors before any route: the same shape', () => {
  let stack: TestStack;
  beforeAll(async () => { stack = await TestStack.start(); });
  afterAll(async () => { await stack?.close(); });

  const expectApiError = (res: RawResponse, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(res.text)).toEqual({ error: { code, message: expect.any(String) } });
  };
  const expectScimError = (res: RawResponse, status: number) => {
    expect(res.status).toBe(status);
    expect(res.contentType).toMatch(/^application\/scim\+json/);
    expect(JSON.parse(res.text)).toEqual({ schemas: [SCIM_ERROR], status: String(status), detail: expect.any(String) });
  };
  const request = (line: string, headers = '') => rawExchange(stack.portal.port, `${line}\r\nhost: localhost\r\n${headers}connection: close\r\n\r\n`);

  it('431: headers too large (the HTTP parser refuses them; no client sends them)', async () => {
    const big = `x-big: ${'a'.repeat(20_000)}\r\n`;
    expectApiError(await request('GET /api/v1/workspaces HTTP/1.1', big), 431, 'headers_too_large');
    expectScimError(await request('GET /scim/v2/Users HTTP/1.1', big), 431);
  });

  it('400: a request that is not HTTP, or a header that is not one', async () => {
    expectApiError(await rawExchange(stack.portal.port, 'NOT AN HTTP REQUEST\r\n\r\n'), 400, 'bad_request');
    expectApiError(await request('GET /api/v1/workspaces HTTP/1.1', 'bad header line\r\n'), 400, 'bad_request');
  });

  it('501: a method HTTP does not know', async () => {
    expectApiError(await request('BREW /api/v1/workspaces HTTP/1.1'), 501, 'not_implemented');
    expectScimError(await request('BREW /scim/v2/Users HTTP/1.1'), 501);
  });

  it('404: a method no route takes', async () => {
    expectApiError(await request('PROPFIND /api/v1/workspaces HTTP/1.1'), 404, 'not_found');
    expectScimError(await request('PROPFIND /scim/v2/Users HTTP/1.1'), 404);
  });

  it('400: a URL whose percent-encoding is broken', async () => {
    for (const target of ['/api/v1/workspaces/%zz', '/api/v1/workspaces/%ED%A0%80', '/api/v1/workspaces/%E0%80']) {
      expectApiError(await request(`GET ${target} HTTP/1.1`), 400, 'invalid_url');
    }
    expectScimError(await request('GET /scim/v2/Users/%zz HTTP/1.1'), 400);
  });

  it('414: a path parameter longer than any id', async () => {
    expectApiError(await request(`GET /api/v1/workspaces/${'a'.repeat(101)} HTTP/1.1`), 414, 'uri_too_long');
    expectScimError(await request(`GET /scim/v2/Users/${'a'.repeat(101)} HTTP/1.1`), 414);
  });

  it('keeps serving after all of that', async () => {
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
  });
});

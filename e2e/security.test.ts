import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '@paddock/protocol';
import { FakeClock, ROUTE_RULES, apiRoutes, webSocketRoutes } from '@paddock/portal';
import { undeclaredAnswer } from '@paddock/portal/testing';
import { httpRequest } from './harness/rawHttp.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN, TerminalConnection, TerminalRefused, TestStack } from './harness/testStack.js';

const clock = new FakeClock(new Date());

/** A valid body for each workspace route that takes one (the cross-user test needs well-formed requests). */
const validBodies: Record<string, unknown> = {
  'PATCH /api/v1/workspaces/:id': { displayName: 'Alice’s app' },
  'POST /api/v1/workspaces/:id/previews': { port: 5173 },
  'PUT /api/v1/workspaces/:id/files/content': 'hello',
  'POST /api/v1/workspaces/:id/files/rename': { from: 'a.txt', to: 'b.txt' },
  'POST /api/v1/workspaces/:id/publish-requests': { subdomain: 'alices-app', access: 'organization', command: 'node server.mjs', port: 8000 },
};

describe('security', () => {
  let stack: TestStack;
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };
  let audrey: { id: string; token: string };
  let aliceWs: string;
  let scimToken: string;

  beforeAll(async () => {
    stack = await TestStack.start({ clock });
    alice = await stack.userToken('alice@example.com');
    bob = await stack.userToken('bob@example.com');
    audrey = await stack.userToken('audrey@example.com', 'auditor');
    aliceWs = await stack.runningWorkspace('alice-ws', alice.token);
    scimToken = (await stack.api('POST', '/api/v1/admin/scim-tokens')).body.token;
  });
  afterAll(async () => { await stack?.close(); });

  const fill = (url: string) => url.replace(':id', aliceWs);

  describe('the route table × every role', () => {
    it('has a rule for every route, and the OpenAPI document lists them all', async () => {
      const doc = (await stack.api('GET', '/api/v1/openapi.json', undefined, '')).body;
      for (const r of apiRoutes) {
        expect(['public', 'self', 'user', 'auditor', 'admin', 'scim']).toContain(r.access);
        expect(r.access === 'scim').toBe(r.url.startsWith('/scim/v2/'));
        if (r.access === 'auditor') expect(r.method).toBe('GET');
        expect(doc.paths[r.url.replace(/:([a-zA-Z]+)/g, '{$1}')][r.method.toLowerCase()]['x-paddock-access']).toBe(r.access);
      }
      // The terminal opens with a ticket; the governance feed is the admins' and auditors' (authenticated before the upgrade).
      for (const w of webSocketRoutes) expect(w.access).toBe(w.url === '/api/v1/governance/feed' ? 'auditor' : 'ticket');
    });

    for (const r of apiRoutes) {
      it(`${r.method} ${r.url} (${r.access})`, async () => {
        const anonymous = await stack.api(r.method, fill(r.url), r.body ? {} : undefined, '');
        if (r.access === 'public') expect(anonymous.status).not.toBe(401);
        else if (r.access === 'scim') {
          // SCIM routes answer in SCIM's error shape (RFC 7644 §3.12).
          expect(anonymous.status).toBe(401);
          expect(anonymous.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
        } else {
          expect(anonymous.status).toBe(401);
          expect(anonymous.body.error.code).toBe('unauthenticated');
        }
        const asBuilder = await stack.api(r.method, fill(r.url), r.body ? {} : undefined, bob.token);
        if (r.access === 'scim') expect(asBuilder.status).toBe(401);
        else if (r.access === 'admin' || r.access === 'auditor') {
          expect(asBuilder.status).toBe(403);
          expect(asBuilder.body).toEqual({ error: { code: 'forbidden', message: expect.any(String) } });
        } else expect(asBuilder.status).not.toBe(403);
        // Auditors read what admins read, and change nothing but their own account.
        const asAuditor = await stack.api(r.method, fill(r.url), r.body ? {} : undefined, audrey.token);
        const auditorMay = r.access === 'public' || r.access === 'self' || r.access === 'auditor' || (r.access === 'user' && r.method === 'GET');
        if (auditorMay) expect(asAuditor.status).not.toBe(403);
        else expect(asAuditor.status).toBe(r.access === 'scim' ? 401 : 403);
        // The SCIM token opens the SCIM routes and nothing else; no user credential, even an admin's, opens them.
        const asScim = await stack.api(r.method, fill(r.url), r.body ? {} : undefined, scimToken);
        if (r.access === 'scim') expect([401, 403]).not.toContain(asScim.status);
        else if (r.access !== 'public') expect(asScim.status).toBe(401);
        if (r.access === 'scim') expect((await stack.api(r.method, fill(r.url), r.body ? {} : undefined, ADMIN_TOKEN)).status).toBe(401);
        // A bad bearer token is refused outright, even on routes anyone may call.
        const forged = await stack.api(r.method, fill(r.url), r.body ? {} : undefined, 'pdk_forged');
        if (r.access !== 'public') expect(forged.status).toBe(401);
      });
    }

    it('refuses a terminal WebSocket without a valid ticket', async () => {
      for (const query of ['', '?ticket=', '?ticket=pdt_forged']) {
        const err = await TerminalConnection.open(`${stack.wsUrl}${fill(webSocketRoutes[0]!.url)}${query}`).catch((e) => e);
        expect(err).toBeInstanceOf(TerminalRefused);
        expect(err.code).toBe(4401);
      }
    });
  });

  describe("another user's workspace", () => {
    it('is refused on every workspace endpoint, as if it did not exist', async () => {
      const workspaceRoutes = apiRoutes.filter((r) => r.url.startsWith('/api/v1/workspaces/:id'));
      expect(workspaceRoutes.length).toBeGreaterThanOrEqual(5);
      const missing = '00000000-0000-4000-8000-000000000000';
      for (const r of workspaceRoutes) {
        // A well-formed request, so the refusal is about whose workspace it is, not the input.
        const body = r.body ? validBodies[`${r.method} ${r.url}`] : undefined;
        if (r.body) expect(body, `add a sample body for ${r.method} ${r.url} to validBodies`).toBeDefined();
        const theirs = await stack.api(r.method, fill(r.url), body, bob.token);
        const nobodys = await stack.api(r.method, r.url.replace(':id', missing), body, bob.token);
        expect(theirs.status, `${r.method} ${r.url}`).toBe(404);
        expect(theirs.body.error.code).toBe('not_found');
        // Exactly what a workspace that doesn't exist answers: nothing leaks.
        expect(theirs.body).toEqual(nobodys.body);
      }
      const list = await stack.api('GET', '/api/v1/workspaces?all=true', undefined, bob.token);
      expect(list.body.workspaces).toEqual([]);
      // Each refusal is on the record, with its outcome.
      const audit = (await stack.api('GET', '/api/v1/audit?limit=200')).body.entries as Array<{ action: string; outcome: string; actorEmail: string; targetId: string }>;
      expect(audit.find((e) => e.action === 'workspace.stop' && e.outcome === 'failure' && e.actorEmail === 'bob@example.com' && e.targetId === aliceWs)).toBeDefined();
      expect((await stack.api('GET', `/api/v1/workspaces/${aliceWs}`, undefined, alice.token)).body.state).toBe('running');
    });

    it('is visible to an auditor, who cannot change it or open its terminal', async () => {
      expect((await stack.api('GET', `/api/v1/workspaces/${aliceWs}`, undefined, audrey.token)).status).toBe(200);
      expect((await stack.api('GET', '/api/v1/workspaces?all=true', undefined, audrey.token)).body.workspaces.map((w: { id: string }) => w.id)).toContain(aliceWs);
      expect((await stack.api('POST', `/api/v1/workspaces/${aliceWs}/stop`, undefined, audrey.token)).status).toBe(403);
      expect((await stack.api('POST', `/api/v1/workspaces/${aliceWs}/terminal-tickets`, undefined, audrey.token)).status).toBe(403);
    });

    it("refuses Alice's ticket in Bob's browser", async () => {
      const bobCookie = await signIn('bob@example.com');
      const { ticket } = (await stack.api('POST', `/api/v1/workspaces/${aliceWs}/terminal-tickets`, undefined, alice.token)).body;
      const err = await TerminalConnection.open(`${stack.wsUrl}/api/v1/workspaces/${aliceWs}/terminal?ticket=${ticket}`, { cookie: bobCookie.cookie }).catch((e) => e);
      expect(err).toBeInstanceOf(TerminalRefused);
      expect(err.code).toBe(4401);
    });

    const aliceTicket = async () => (await stack.api('POST', `/api/v1/workspaces/${aliceWs}/terminal-tickets`, undefined, alice.token)).body.ticket as string;
    const openWith = (ticket: string, headers: Record<string, string> = {}) =>
      TerminalConnection.open(`${stack.wsUrl}/api/v1/workspaces/${aliceWs}/terminal?ticket=${ticket}`, headers);

    it("refuses Alice's ticket presented with Bob's API token, and spends it", async () => {
      const ticket = await aliceTicket();
      const err = await openWith(ticket, { authorization: `Bearer ${bob.token}` }).catch((e) => e);
      expect(err).toBeInstanceOf(TerminalRefused);
      expect(err.code).toBe(4401);
      expect(err.reason).toMatch(/another user/);
      // Spent by the refused attempt: dropping the credentials doesn't bring it back.
      const again = await openWith(ticket).catch((e) => e);
      expect(again).toBeInstanceOf(TerminalRefused);
      expect(again.code).toBe(4401);
    });

    it('refuses a ticket presented with credentials that prove nothing: forged, malformed, revoked or signed out', async () => {
      const revoked = await stack.api('POST', '/api/v1/tokens', { name: 'soon-revoked' }, alice.token);
      expect((await stack.api('DELETE', `/api/v1/tokens/${revoked.body.id}`, undefined, alice.token)).status).toBe(204);
      const signedOut = await signIn('alice@example.com');
      expect((await stack.api('POST', '/api/v1/auth/logout', undefined, signedOut)).status).toBe(200);
      const cases: Array<Record<string, string>> = [
        { authorization: 'Bearer pdk_forged' },
        { authorization: 'Basic YWxpY2U6cGFzc3dvcmQ=' },
        { authorization: `Bearer ${revoked.body.token}` },
        { authorization: `Bearer ${scimToken}` },
        { cookie: `${SESSION_COOKIE}=forged` },
        { cookie: signedOut.cookie },
        // One good credential doesn't excuse a bad one beside it.
        { authorization: `Bearer ${alice.token}`, cookie: signedOut.cookie },
      ];
      for (const headers of cases) {
        const err = await openWith(await aliceTicket(), headers).catch((e) => e);
        expect(err, JSON.stringify(headers)).toBeInstanceOf(TerminalRefused);
        expect(err.code).toBe(4401);
        expect(err.reason).toMatch(/not valid/);
      }
    });

    it("opens with the ticket's own user's credentials, or with none", async () => {
      const session = await signIn('alice@example.com');
      const variants: Array<Record<string, string>> = [{}, { authorization: `Bearer ${alice.token}` }, { cookie: session.cookie }, { authorization: `Bearer ${alice.token}`, cookie: session.cookie }];
      for (const headers of variants) {
        const t = await openWith(await aliceTicket(), headers);
        t.type('echo ok-$((40+2))\n');
        await t.waitFor('ok-42');
        t.close();
      }
    });
  });

  describe('a running workspace: allowed calls succeed, for its owner and an admin, by token and by cookie; auditors read', () => {
    // The in-process suite (authorization.test.ts) proves who is refused on every route; these routes also need a
    // sandbox to show that who is allowed gets the real thing. A new route that needs a running workspace lands here.
    const needsRunning = Object.entries(ROUTE_RULES).filter(([, rule]) => rule.object === 'workspace' && rule.needs === 'running').map(([k]) => k);
    const exercised = new Set<string>();
    type Auth = string | { cookie: string; csrf: string };
    let callers: Array<{ who: string; auth: Auth }>;
    let readers: Array<{ who: string; auth: Auth }>;

    /** A call with a body of any type (the stack's helper sends JSON only). */
    const call = async (method: string, path: string, auth: Auth, body?: { text?: string; json?: unknown }) => {
      const headers: Record<string, string> = typeof auth === 'string' ? { authorization: `Bearer ${auth}` } : { cookie: auth.cookie, 'x-csrf-token': auth.csrf };
      let payload: string | undefined;
      if (body?.text !== undefined) { headers['content-type'] = 'text/plain'; payload = body.text; }
      if (body?.json !== undefined) { headers['content-type'] = 'application/json'; payload = JSON.stringify(body.json); }
      const res = await fetch(`${stack.url}${path}`, { method, headers, body: payload });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    const route = (key: string) => { exercised.add(key); return apiRoutes.find((r) => `${r.method} ${r.url}` === key)!; };
    const succeeds = (key: string, res: { status: number; body: unknown }, what: string) => {
      const r = route(key);
      expect(res.status, `${key} ${what}: ${JSON.stringify(res.body)}`).toBe(r.status ?? 200);
      expect(undeclaredAnswer(r, res), `${key} ${what}: body`).toBeNull();
    };
    const previewHost = (port: number) => `${port}--${aliceWs}.preview.localhost:${stack.portal.port}`;

    beforeAll(async () => {
      clock.advance(61_000); // sign-in limits: a fresh window for these sign-ins
      callers = [
        { who: 'the owner, by token', auth: alice.token }, { who: 'the owner, by cookie', auth: await signIn('alice@example.com') },
        { who: 'an admin, by token', auth: ADMIN_TOKEN }, { who: 'an admin, by cookie', auth: await signIn(ADMIN_EMAIL) },
      ];
      readers = [{ who: 'an auditor, by token', auth: audrey.token }, { who: 'an auditor, by cookie', auth: await signIn('audrey@example.com') }];
    });

    it('reads and changes its files; an auditor reads them and changes nothing', async () => {
      for (const [n, { who, auth }] of callers.entries()) {
        const path = `by-${n}.txt`;
        succeeds('PUT /api/v1/workspaces/:id/files/content', await call('PUT', `/api/v1/workspaces/${aliceWs}/files/content?path=${path}`, auth, { text: `written ${n}` }), who);
        const content = await call('GET', `/api/v1/workspaces/${aliceWs}/files/content?path=${path}`, auth);
        succeeds('GET /api/v1/workspaces/:id/files/content', content, who);
        expect(content.body.content).toBe(`written ${n}`);
        const listing = await call('GET', `/api/v1/workspaces/${aliceWs}/files?path=`, auth);
        succeeds('GET /api/v1/workspaces/:id/files', listing, who);
        expect(listing.body.entries.map((e: { name: string }) => e.name)).toContain(path);
        succeeds('POST /api/v1/workspaces/:id/files/rename', await call('POST', `/api/v1/workspaces/${aliceWs}/files/rename`, auth, { json: { from: path, to: `moved-${path}` } }), who);
        succeeds('DELETE /api/v1/workspaces/:id/files', await call('DELETE', `/api/v1/workspaces/${aliceWs}/files?path=moved-${path}`, auth), who);
      }
      expect((await call('PUT', `/api/v1/workspaces/${aliceWs}/files/content?path=kept.txt`, alice.token, { text: 'for the auditor' })).status).toBe(200);
      for (const { who, auth } of readers) {
        const content = await call('GET', `/api/v1/workspaces/${aliceWs}/files/content?path=kept.txt`, auth);
        succeeds('GET /api/v1/workspaces/:id/files/content', content, who);
        expect(content.body.content).toBe('for the auditor');
        succeeds('GET /api/v1/workspaces/:id/files', await call('GET', `/api/v1/workspaces/${aliceWs}/files?path=`, auth), who);
        expect((await call('PUT', `/api/v1/workspaces/${aliceWs}/files/content?path=kept.txt`, auth, { text: 'no' })).status).toBe(403);
      }
    });

    it('opens its terminal with a ticket each of them gets', async () => {
      for (const [n, { who, auth }] of callers.entries()) {
        const ticket = await call('POST', `/api/v1/workspaces/${aliceWs}/terminal-tickets`, auth);
        succeeds('POST /api/v1/workspaces/:id/terminal-tickets', ticket, who);
        exercised.add('WS /api/v1/workspaces/:id/terminal');
        const presented: Record<string, string> = typeof auth === 'string' ? { authorization: `Bearer ${auth}` } : { cookie: auth.cookie };
        const t = await TerminalConnection.open(`${stack.wsUrl}/api/v1/workspaces/${aliceWs}/terminal?ticket=${ticket.body.ticket}`, presented);
        t.type(`echo allowed-${n}-$((6*7))\n`);
        await t.waitFor(`allowed-${n}-42`);
        t.close();
      }
      for (const { auth } of readers) expect((await call('POST', `/api/v1/workspaces/${aliceWs}/terminal-tickets`, auth)).status).toBe(403);
    });

    it('signs each of them in to its preview, which shows the app', async () => {
      const t = await stack.terminal(aliceWs, alice.token);
      t.type(`node -e "require('http').createServer((q, s) => s.end('app says ' + q.url)).listen(5173, '127.0.0.1', () => console.log('dev-' + 'ready'))" &\n`);
      await t.waitFor('dev-ready');
      t.close();
      exercised.add('PREVIEW /__paddock/auth');
      exercised.add('PREVIEW /*');
      for (const { who, auth } of callers) {
        const link = await call('POST', `/api/v1/workspaces/${aliceWs}/previews`, auth, { json: { port: 5173 } });
        succeeds('POST /api/v1/workspaces/:id/previews', link, who);
        const u = new URL(link.body.url);
        const signedIn = await httpRequest(stack.portal.port, { method: 'GET', target: `${u.pathname}${u.search}`, headers: { host: previewHost(5173) } });
        expect(signedIn.status, who).toBe(302);
        const cookie = String(signedIn.headers?.['set-cookie']).split(';')[0]!;
        const page = await httpRequest(stack.portal.port, { method: 'GET', target: '/hello', headers: { host: previewHost(5173), cookie } });
        expect(page.status, who).toBe(200);
        expect(page.text).toBe('app says /hello');
      }
      for (const { auth } of readers) expect((await call('POST', `/api/v1/workspaces/${aliceWs}/previews`, auth, { json: { port: 5173 } })).status).toBe(403);
    });

    it('publishes it for its owner alone, by token and by cookie; an admin and an auditor are refused', async () => {
      const body = { json: { subdomain: 'alices-app', access: 'organization', command: 'node server.mjs', port: 8000 } };
      for (const { who, auth } of callers.slice(0, 2)) {
        const res = await call('POST', `/api/v1/workspaces/${aliceWs}/publish-requests`, auth, body);
        succeeds('POST /api/v1/workspaces/:id/publish-requests', res, who);
        expect(res.body.state, who).toBe('pending');
      }
      for (const { who, auth } of [...callers.slice(2), ...readers]) {
        expect((await call('POST', `/api/v1/workspaces/${aliceWs}/publish-requests`, auth, body)).status, who).toBe(403);
      }
    });

    it('tells the owner, admins and auditors whether anything changed since the last publish', async () => {
      for (const { who, auth } of [...callers, ...readers]) {
        const res = await call('GET', `/api/v1/workspaces/${aliceWs}/publish-status`, auth);
        succeeds('GET /api/v1/workspaces/:id/publish-status', res, who);
        expect(typeof (res.body as { changed: unknown }).changed, who).toBe('boolean');
      }
      expect((await call('GET', `/api/v1/workspaces/${aliceWs}/publish-status`, bob.token)).status).toBe(404);
    });

    it('has exercised every route that needs a running workspace', () => {
      expect(needsRunning.filter((k) => !exercised.has(k)), 'add a success case above for these routes').toEqual([]);
    });
  });

  describe('terminal tickets', () => {
    const ticketFor = async (workspaceId = aliceWs) =>
      (await stack.api('POST', `/api/v1/workspaces/${workspaceId}/terminal-tickets`, undefined, alice.token)).body as { ticket: string; expiresAt: string };
    const open = (ticket: string, workspaceId = aliceWs) =>
      TerminalConnection.open(`${stack.wsUrl}/api/v1/workspaces/${workspaceId}/terminal?ticket=${ticket}`);

    it('works once and is refused when replayed', async () => {
      const { ticket } = await ticketFor();
      const t = await open(ticket);
      t.close();
      const err = await open(ticket).catch((e) => e);
      expect(err).toBeInstanceOf(TerminalRefused);
      expect(err.code).toBe(4401);
    });

    it('lives 30 seconds', async () => {
      const fresh = await ticketFor();
      expect(new Date(fresh.expiresAt).getTime() - clock.now().getTime()).toBe(30_000);
      clock.advance(29_000);
      (await open(fresh.ticket)).close();

      const stale = await ticketFor();
      clock.advance(30_001);
      const err = await open(stale.ticket).catch((e) => e);
      expect(err).toBeInstanceOf(TerminalRefused);
      expect(err.code).toBe(4401);
    });

    it('is bound to its workspace', async () => {
      const other = await stack.runningWorkspace('alice-other', alice.token);
      const { ticket } = await ticketFor(other);
      const err = await open(ticket, aliceWs).catch((e) => e);
      expect(err.code).toBe(4401);
    });
  });

  describe('sign-in', () => {
    it('needs the CSRF header for cookie-authenticated writes', async () => {
      const session = await signIn(ADMIN_EMAIL);
      const body = JSON.stringify({ name: 'csrf-test' });
      const without = await fetch(`${stack.url}/api/v1/tokens`, { method: 'POST', headers: { cookie: session.cookie, 'content-type': 'application/json' }, body });
      expect(without.status).toBe(403);
      const wrong = await fetch(`${stack.url}/api/v1/tokens`, { method: 'POST', headers: { cookie: session.cookie, 'x-csrf-token': 'csrf_wrong', 'content-type': 'application/json' }, body });
      expect(wrong.status).toBe(403);
      const ok = await stack.api('POST', '/api/v1/tokens', { name: 'csrf-test' }, session);
      expect(ok.status).toBe(201);
      // Reads need no CSRF token.
      expect((await fetch(`${stack.url}/api/v1/auth/me`, { headers: { cookie: session.cookie } })).status).toBe(200);
    });

    it('sets an HttpOnly, SameSite session cookie and ends it on logout', async () => {
      const res = await fetch(`${stack.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }) });
      const setCookie = res.headers.get('set-cookie')!;
      expect(setCookie).toMatch(/HttpOnly/i);
      expect(setCookie).toMatch(/SameSite=Lax/i);
      const { csrfToken } = await res.json() as { csrfToken: string };
      const session = { cookie: setCookie.split(';')[0]!, csrf: csrfToken };
      const logout = await stack.api('POST', '/api/v1/auth/logout', undefined, session);
      expect(logout.status).toBe(200);
      expect(logout.body).toEqual({ redirectTo: null }); // a password session has no identity provider to leave
      expect((await fetch(`${stack.url}/api/v1/auth/me`, { headers: { cookie: session.cookie } })).status).toBe(401);
    });

    it('rate limits failed attempts per account and audits every attempt', async () => {
      const attempt = () => stack.api('POST', '/api/v1/auth/login', { email: 'alice@example.com', password: 'wrong-password' }, '');
      for (let i = 0; i < 10; i++) expect((await attempt()).status).toBe(401);
      const limited = await attempt();
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      clock.advance(5 * 60_000 + 1);
      expect((await stack.api('POST', '/api/v1/auth/login', { email: 'alice@example.com', password: ADMIN_PASSWORD }, '')).status).toBe(200);

      const audit = (await stack.api('GET', '/api/v1/audit?action=auth.login&limit=500')).body.entries;
      expect(audit.filter((e: { outcome: string; actorEmail: string }) => e.outcome === 'failure' && e.actorEmail === 'alice@example.com').length).toBeGreaterThanOrEqual(10);
      expect(audit.some((e: { outcome: string; actorEmail: string }) => e.outcome === 'success' && e.actorEmail === 'alice@example.com')).toBe(true);
      // A failed attempt proved nobody: it is recorded as not signed in, with the email it claimed and the account it tried.
      const failure = audit.find((e: { outcome: string; actorEmail: string }) => e.outcome === 'failure' && e.actorEmail === 'alice@example.com');
      expect(failure).toMatchObject({ actor: { kind: 'anonymous', email: 'alice@example.com' }, actorId: null, targetType: 'user', targetId: alice.id });
      const success = audit.find((e: { outcome: string; actorEmail: string }) => e.outcome === 'success' && e.actorEmail === 'alice@example.com');
      expect(success.actor).toEqual({ kind: 'user', id: alice.id, email: 'alice@example.com' });
    });
  });

  describe('what is never stored or logged', () => {
    it('keeps terminal bytes, tickets and tokens out of the database and the logs', async () => {
      const marker = `paddock-marker-${Date.now()}`;
      const t = await stack.api('POST', `/api/v1/workspaces/${aliceWs}/terminal-tickets`, undefined, alice.token);
      const term = await TerminalConnection.open(`${stack.wsUrl}/api/v1/workspaces/${aliceWs}/terminal?ticket=${t.body.ticket}`);
      term.type(`echo ${marker}\n`);
      await term.waitFor(`${marker}\r\n`);
      term.close();

      const tables = (await sql<{ tablename: string }>`select tablename from pg_tables where schemaname = 'public'`.execute(stack.db)).rows;
      let dump = '';
      for (const { tablename } of tables) {
        dump += JSON.stringify((await sql.raw(`select * from ${tablename}`).execute(stack.db)).rows);
      }
      for (const secret of [marker, t.body.ticket, ADMIN_TOKEN, ADMIN_PASSWORD, alice.token, scimToken]) {
        expect(dump, 'database').not.toContain(secret);
        expect(stack.logs.text, 'logs').not.toContain(secret);
      }
      expect(stack.logs.text).toContain('terminal-tickets'); // the logs were captured at all
    });
  });

  describe('audit', () => {
    it('records workspace operations with who, what, which blueprint and outcome, and verifies the chain', async () => {
      const entries = (await stack.api('GET', '/api/v1/audit?limit=500')).body.entries as Array<Record<string, unknown>>;
      const create = entries.find((e) => e.action === 'workspace.create' && e.targetId === aliceWs)!;
      expect(create).toMatchObject({ actorEmail: 'alice@example.com', blueprintId: await stack.starterId(), outcome: 'success', targetType: 'workspace' });
      expect(entries.some((e) => e.action === 'workspace.running' && e.targetId === aliceWs)).toBe(true);
      expect((await stack.api('GET', '/api/v1/audit/verify')).body).toMatchObject({ ok: true });
    });
  });

  describe('input', () => {
    it('answers bad input with the one error shape and loses nothing', async () => {
      const bad = await fetch(`${stack.url}/api/v1/workspaces`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{"blueprintId": ' });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toEqual({ error: { code: 'invalid_input', message: 'the body is not valid JSON' } });
      const invalid = await stack.api('POST', '/api/v1/workspaces', { blueprintId: await stack.starterId(), name: 'Not Valid!' });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error.message).toMatch(/name/);
      const before = (await stack.api('GET', '/api/v1/workspaces')).body.workspaces.length;
      const unknownBlueprint = await stack.api('POST', '/api/v1/workspaces', { blueprintId: 'nope', name: 'x' });
      expect(unknownBlueprint.status).toBe(404);
      expect((await stack.api('GET', '/api/v1/workspaces')).body.workspaces.length).toBe(before);
      const missing = await stack.api('GET', '/api/v1/nothing-here');
      expect(missing.body.error.code).toBe('not_found');
      const dup = await stack.api('POST', '/api/v1/workspaces', { blueprintId: await stack.starterId(), name: 'alice-ws' }, alice.token);
      expect(dup.status).toBe(409);
    });
  });

  async function signIn(email: string) {
    const res = await fetch(`${stack.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: ADMIN_PASSWORD }) });
    if (res.status !== 200) throw new Error(`sign-in failed: ${res.status}`);
    const { csrfToken } = await res.json() as { csrfToken: string };
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
    return { cookie, csrf: csrfToken };
  }
});

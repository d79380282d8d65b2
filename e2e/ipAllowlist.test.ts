import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '@paddock/protocol';
import { openDatabase, runAdminCommand } from '@paddock/portal';
import { ADMIN_TOKEN, TestStack } from './harness/testStack.js';
import { freePort } from './harness/freePort.js';

const cli = fileURLToPath(new URL('../packages/cli/dist/main.js', import.meta.url));

/**
 * Linux routes all of 127.0.0.0/8 to loopback: binding the client side to
 * 127.0.0.2 gives the portal a second, real TCP peer address to allow or refuse.
 */
const ADMIN_IP = '127.0.0.1';
const OTHER_IP = '127.0.0.2';

describe('IP allowlist', () => {
  let stack: TestStack;
  let audrey: { id: string; token: string };

  beforeAll(async () => {
    stack = await TestStack.start();
    audrey = await stack.userToken('audrey-ip@example.com', 'auditor');
  });
  afterAll(async () => { await stack?.close(); });

  /** A real HTTP request from a chosen local address. */
  const request = (path: string, options: { from?: string; headers?: Record<string, string>; method?: string; body?: unknown } = {}) =>
    new Promise<{ status: number; body: any; contentType: string }>((resolve, reject) => {
      const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
      const req = http.request({
        host: '127.0.0.1', port: stack.portal.port, path, method: options.method ?? 'GET', localAddress: options.from ?? ADMIN_IP,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(payload ? { 'content-type': 'application/json' } : {}), ...options.headers },
      }, (res) => {
        const contentType = String(res.headers['content-type'] ?? '');
        if (contentType.startsWith('text/event-stream')) { res.destroy(); return resolve({ status: res.statusCode!, body: undefined, contentType }); }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode!, body: contentType.includes('json') && text ? JSON.parse(text) : text, contentType }));
      });
      req.on('error', reject);
      req.end(payload);
    });

  /** Rules written straight to the database (as another replica would), bypassing the self-lockout check. */
  const setRulesBehindTheApi = async (cidrs: string[], trustedProxies: string[]) => {
    const value = JSON.stringify({ cidrs, trustedProxies, updatedAt: new Date().toISOString() });
    await stack.db.insertInto('settings').values({ key: 'ip_allowlist', value, updated_at: new Date() })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: new Date() })).execute();
  };
  const clearRules = async () => {
    await runAdminCommand('reset-ip-allowlist', {}, { db: stack.db });
    await stack.portal.services.ipAllowlist.load();
  };

  it('lets everyone in while the list is empty', async () => {
    expect((await stack.api('GET', '/api/v1/admin/ip-allowlist', undefined, audrey.token)).body).toMatchObject({ cidrs: [], trustedProxies: [] });
    expect((await request('/api/v1/auth/me', { from: OTHER_IP })).status).toBe(200);
  });

  it('validates entries strictly and names the bad one', async () => {
    for (const bad of ['10.0.0.1/8', '300.1.1.1', 'fe80::1%eth0', '::/129', 'localhost']) {
      const res = await stack.api('PUT', '/api/v1/admin/ip-allowlist', { cidrs: ['127.0.0.1/32', bad], trustedProxies: [] });
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
      expect(res.body.error.message).toContain(`"${bad}"`);
    }
    const badProxy = await stack.api('PUT', '/api/v1/admin/ip-allowlist', { cidrs: [], trustedProxies: ['10.0.0.0/33'] });
    expect(badProxy.body.error.message).toMatch(/trustedProxies: "10\.0\.0\.0\/33"/);
  });

  it("refuses rules that would lock out the admin making the change", async () => {
    const res = await stack.api('PUT', '/api/v1/admin/ip-allowlist', { cidrs: ['10.0.0.0/8', '2001:db8::/32'], trustedProxies: [] });
    expect(res.status).toBe(409);
    expect(res.body.error).toEqual({ code: 'would_lock_out', message: expect.stringContaining(ADMIN_IP) });
    // Claiming another address through X-Forwarded-For doesn't help: the peer is no trusted proxy.
    const spoofed = await request('/api/v1/admin/ip-allowlist', {
      method: 'PUT', body: { cidrs: ['10.0.0.0/8'], trustedProxies: [] }, headers: { 'x-forwarded-for': '10.1.2.3' },
    });
    expect(spoofed.status).toBe(409);
    expect((await stack.api('GET', '/api/v1/admin/ip-allowlist')).body.cidrs).toEqual([]);
  });

  it('allows listed IPv4 peers and refuses others everywhere: API, web app, event stream, WebSocket', async () => {
    const put = await stack.api('PUT', '/api/v1/admin/ip-allowlist', { cidrs: [`${ADMIN_IP}/32`, '2001:db8::/32'], trustedProxies: [] });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ cidrs: [`${ADMIN_IP}/32`, '2001:db8::/32'], trustedProxies: [] });

    expect((await request('/api/v1/auth/me')).status).toBe(200);
    expect((await request('/api/v1/events')).status).toBe(200);
    for (const path of ['/api/v1/auth/me', '/', '/workspaces', '/api/v1/events', '/api/v1/openapi.json', '/api/v1/nonexistent']) {
      const res = await request(path, { from: OTHER_IP });
      expect(res.status, path).toBe(403);
      expect(res.body, path).toEqual({ error: { code: 'ip_not_allowed', message: expect.any(String) } });
    }
    // X-Forwarded-For from an untrusted peer changes nothing, whatever it claims.
    for (const xff of [ADMIN_IP, `${ADMIN_IP}, ${ADMIN_IP}`, '2001:db8::1']) {
      expect((await request('/api/v1/auth/me', { from: OTHER_IP, headers: { 'x-forwarded-for': xff } })).status, xff).toBe(403);
    }

    // The terminal's WebSocket upgrade is refused before any route runs.
    const url = `${stack.wsUrl}/api/v1/workspaces/x/terminal?ticket=pdt_whatever`;
    const refused = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(url, { localAddress: OTHER_IP });
      ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode!); res.resume(); });
      ws.on('open', () => reject(new Error('the upgrade was accepted')));
      ws.on('error', () => { /* the socket is dropped after the answer */ });
    });
    expect(refused).toBe(403);
    // From the allowed address the same URL reaches the terminal route (which refuses the bad ticket itself).
    const reached = await new Promise<number>((resolve) => {
      const ws = new WebSocket(url, { localAddress: ADMIN_IP });
      ws.on('close', (code) => resolve(code));
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
    });
    expect(reached).toBe(4401);

    // Health probes stay answerable (they reveal nothing).
    expect((await request('/healthz', { from: OTHER_IP })).status).toBe(200);
  });

  it('lists blocked attempts with the user when a token names one', async () => {
    await request('/api/v1/blueprints?secret=query-string', { from: OTHER_IP, headers: { authorization: `Bearer ${audrey.token}` } });
    const deadline = Date.now() + 5_000;
    let attempts: Array<{ ip: string; path: string; method: string; userEmail: string | null; at: string }> = [];
    while (Date.now() < deadline) {
      attempts = (await stack.api('GET', '/api/v1/admin/ip-allowlist/blocked?limit=50', undefined, audrey.token)).body.attempts;
      if (attempts.some((a) => a.path === '/api/v1/blueprints')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const mine = attempts.find((a) => a.path === '/api/v1/blueprints');
    expect(mine).toMatchObject({ ip: OTHER_IP, method: 'GET', userEmail: 'audrey-ip@example.com' });
    expect(Date.now() - new Date(mine!.at).getTime()).toBeLessThan(60_000);
    expect(attempts.some((a) => a.path === '/' && a.ip === OTHER_IP)).toBe(true);
    // A session cookie names its user as the cookie plugin reads it (spaces around the name and value are allowed there).
    const session = await stack.portal.services.identity.openSession(audrey.id, { ip: ADMIN_IP, userAgent: 'test', method: 'password' });
    await request('/api/v1/workspaces?via=cookie', { from: OTHER_IP, headers: { authorization: '', cookie: `theme=dark;${SESSION_COOKIE} = ${session.sessionId} ` } });
    await expect.poll(async () => ((await stack.api('GET', '/api/v1/admin/ip-allowlist/blocked?limit=50', undefined, audrey.token)).body.attempts as typeof attempts)
      .find((a) => a.path === '/api/v1/workspaces')?.userEmail ?? null, { timeout: 10_000 }).toBe('audrey-ip@example.com');
    expect(JSON.stringify(attempts)).not.toContain('query-string');
    // Builders may not read it; the refusals are in the log too.
    const builder = await stack.userToken('bert-ip@example.com');
    expect((await stack.api('GET', '/api/v1/admin/ip-allowlist/blocked', undefined, builder.token)).status).toBe(403);
    expect(stack.logs.text).toMatch(/request refused by the IP allowlist.*127\.0\.0\.2|127\.0\.0\.2.*request refused by the IP allowlist/);
    // The change itself is audited.
    const audit = (await stack.api('GET', '/api/v1/audit?limit=50')).body.entries as Array<{ action: string; detail: { cidrs?: string[] } }>;
    expect(audit.find((e) => e.action === 'ip_allowlist.update')?.detail.cidrs).toEqual([`${ADMIN_IP}/32`, '2001:db8::/32']);
  });

  it('counts the blocked attempts per hour on the Security dashboard', async () => {
    const blocks = async () => (await stack.api('GET', '/api/v1/admin/security', undefined, audrey.token)).body.blocks as {
      hourly: Array<{ hour: string; count: number }>; last24h: number; last7d: number; allowlistActive: boolean;
    };
    const before = await blocks();
    // From an address of its own: what earlier cases sent from OTHER_IP may have used up its stored share this minute.
    for (let i = 0; i < 3; i++) expect((await request(`/api/v1/auth/me?n=${i}`, { from: '127.0.0.5' })).status).toBe(403);
    await expect.poll(async () => (await blocks()).last24h, { timeout: 10_000 }).toBe(before.last24h + 3);
    const after = await blocks();
    expect(after.allowlistActive).toBe(true);
    expect(after.hourly).toHaveLength(168);
    expect(after.hourly.reduce((n, h) => n + h.count, 0)).toBe(after.last7d);
    expect(after.hourly.at(-1)!.count).toBeGreaterThanOrEqual(3);
    expect(Date.parse(after.hourly.at(-1)!.hour)).toBeLessThanOrEqual(Date.now());
  });

  it('reads the client from X-Forwarded-For only through a trusted proxy (IPv4, IPv6, mapped)', async () => {
    await setRulesBehindTheApi(['10.9.0.0/16', '2001:db8::/32'], [OTHER_IP]);
    await stack.portal.services.ipAllowlist.load();
    const via = (xff: string | undefined, from = OTHER_IP) => request('/api/v1/auth/me', { from, headers: xff ? { 'x-forwarded-for': xff } : {} }).then((r) => r.status);
    expect(await via('2001:db8::7')).toBe(200);
    expect(await via('10.9.1.1')).toBe(200);
    expect(await via('::ffff:10.9.1.1')).toBe(200);
    expect(await via('2001:db9::7')).toBe(403);
    expect(await via('10.10.0.1')).toBe(403);
    // The proxy appends the real client; an address the client prepended is ignored.
    expect(await via('10.9.1.1, 198.51.100.1')).toBe(403);
    expect(await via('198.51.100.1, 10.9.1.1')).toBe(200);
    // No header: the proxy itself is the client, and it is not listed.
    expect(await via(undefined)).toBe(403);
    // The same header from a peer that is not a trusted proxy counts for nothing.
    expect(await via('10.9.1.1', ADMIN_IP)).toBe(403);
  });

  it('picks up rules changed by another replica within seconds', async () => {
    await setRulesBehindTheApi([], []);
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await request('/api/v1/auth/me', { from: ADMIN_IP })).status;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
  });

  it('can always be reset by an operator: the break-glass command, audited as the operator', async () => {
    await setRulesBehindTheApi(['192.0.2.0/24'], []);
    await stack.portal.services.ipAllowlist.load();
    expect((await request('/api/v1/auth/me')).status).toBe(403);
    await clearRules();
    expect((await request('/api/v1/auth/me')).status).toBe(200);
    expect((await request('/api/v1/auth/me', { from: OTHER_IP })).status).toBe(200);
    const audit = (await stack.api('GET', '/api/v1/audit?limit=20')).body.entries as Array<{ action: string; actor: unknown }>;
    expect(audit.find((e) => e.action === 'ip_allowlist.reset')?.actor).toEqual({ kind: 'system', name: 'operator', id: expect.any(String) });
  });

  it('`paddock admin reset-ip-allowlist` works from the command line on the embedded database', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'paddock-cli-'));
    try {
      const db = await openDatabase({ pgliteDir: join(dataDir, 'pglite') });
      await db.insertInto('settings').values({ key: 'ip_allowlist', value: JSON.stringify({ cidrs: ['192.0.2.0/24'], trustedProxies: [], updatedAt: null }), updated_at: new Date() }).execute();
      await db.destroy();

      const env = { ...process.env, PADDOCK_DATA_DIR: dataDir, PORT: String(await freePort()), DATABASE_URL: '' };
      const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [cli, 'admin', 'reset-ip-allowlist'], { env });
        let out = '';
        child.stdout.on('data', (c) => { out += c; });
        child.stderr.on('data', (c) => { out += c; });
        child.on('exit', (code) => resolve({ code, out }));
      });
      expect(run.out).toContain('IP allowlist is cleared');
      expect(run.code).toBe(0);

      const after = await openDatabase({ pgliteDir: join(dataDir, 'pglite') });
      const row = await after.selectFrom('settings').select('value').where('key', '=', 'ip_allowlist').executeTakeFirstOrThrow();
      expect(row.value).toMatchObject({ cidrs: [], trustedProxies: [] });
      const audit = await after.selectFrom('audit_log').select(['action', 'actor_kind', 'actor_name', 'actor_email']).where('action', '=', 'ip_allowlist.reset').execute();
      expect(audit).toEqual([{ action: 'ip_allowlist.reset', actor_kind: 'system', actor_name: 'operator', actor_email: null }]);
      await after.destroy();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, configFromEnv, createLogger, startPortal, type Portal } from '@paddock/portal';
import { openTestDatabase, testEngine } from '@paddock/portal/testing';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN, LogCapture, TestStack } from './harness/testStack.js';
import { freePort } from './harness/freePort.js';

const cli = fileURLToPath(new URL('../packages/cli/dist/main.js', import.meta.url));
const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

type Session = { cookie: string; csrf: string };
type AuditEntry = { action: string; outcome: string; actorEmail: string; targetId: string | null; detail: Record<string, unknown> };

/** Sign-in on a portal's HTTP API; the session when it worked. */
async function login(url: string, email: string, password: string): Promise<{ status: number; session: Session }> {
  const res = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const body = await res.json() as { csrfToken?: string };
  return { status: res.status, session: { cookie: res.headers.get('set-cookie')?.split(';')[0] ?? '', csrf: body.csrfToken ?? '' } };
}

describe('password lifecycle', () => {
  const clock = new FakeClock(new Date());
  let stack: TestStack;

  beforeAll(async () => { stack = await TestStack.start({ clock }); });
  afterAll(async () => { await stack?.close(); });
  // Every test starts with fresh sign-in windows (30 attempts per address per minute).
  beforeEach(() => { clock.advance(5 * 60_000 + 1); });

  const signIn = (email: string, password: string) => login(stack.url, email, password);
  const me = async (auth: string | Session) => (await stack.api('GET', '/api/v1/auth/me', undefined, auth)).status;
  const audit = async () => (await stack.api('GET', '/api/v1/audit?limit=300')).body.entries as AuditEntry[];
  const changePassword = (auth: string | Session, currentPassword: string, newPassword: string) =>
    stack.api('POST', '/api/v1/auth/password', { currentPassword, newPassword }, auth);
  const scimUser = async (userName: string) => {
    const scimToken = (await stack.api('POST', '/api/v1/admin/scim-tokens')).body.token as string;
    const res = await fetch(`${stack.url}/scim/v2/Users`, {
      method: 'POST', headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: [SCIM_USER], userName }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  const tokenOf = (url: string) => url.slice(url.indexOf('#') + 1);

  describe('changing my password', () => {
    it('needs the current password; ends my other sessions and keeps this one and my API tokens', async () => {
      const pia = await stack.userToken('pia@example.com');
      const here = (await signIn('pia@example.com', ADMIN_PASSWORD)).session;
      const there = (await signIn('pia@example.com', ADMIN_PASSWORD)).session;

      const wrong = await changePassword(here, 'not-the-password', 'pias-new-password');
      expect(wrong.status).toBe(403);
      expect(wrong.body.error.code).toBe('wrong_password');
      const weak = await changePassword(here, ADMIN_PASSWORD, 'short');
      expect(weak.status).toBe(400);
      expect(weak.body.error.message).toMatch(/at least 12 characters/);
      expect(await me(there)).toBe(200); // refused changes end nothing

      const changed = await changePassword(here, ADMIN_PASSWORD, 'pias-new-password');
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      expect(changed.body).toEqual({ endedSessions: 1 });
      expect(await me(here)).toBe(200);
      expect(await me(there)).toBe(401);
      expect(await me(pia.token)).toBe(200);
      expect((await signIn('pia@example.com', ADMIN_PASSWORD)).status).toBe(401);
      expect((await signIn('pia@example.com', 'pias-new-password')).status).toBe(200);

      const mine = (await audit()).filter((e) => e.action === 'auth.password.change' && e.targetId === pia.id);
      expect(mine.map((e) => [e.outcome, e.detail.reason ?? e.detail.endedSessions])).toEqual([['success', 1], ['failure', 'wrong_password']]);
    });

    it('with an API token, ends every session', async () => {
      const kai = await stack.userToken('kai@example.com');
      const session = (await signIn('kai@example.com', ADMIN_PASSWORD)).session;
      expect((await changePassword(kai.token, ADMIN_PASSWORD, 'kais-new-password')).body).toEqual({ endedSessions: 1 });
      expect(await me(session)).toBe(401);
      expect(await me(kai.token)).toBe(200);
    });

    it('counts wrong current passwords as sign-in guesses for the account', async () => {
      const quinn = await stack.userToken('quinn@example.com');
      for (let i = 0; i < 10; i++) expect((await changePassword(quinn.token, `guess-${i}`, 'quinns-new-password')).status).toBe(403);
      const limited = await changePassword(quinn.token, ADMIN_PASSWORD, 'quinns-new-password');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await signIn('quinn@example.com', ADMIN_PASSWORD)).status).toBe(429);
      clock.advance(5 * 60_000 + 1);
      expect((await changePassword(quinn.token, ADMIN_PASSWORD, 'quinns-new-password')).status).toBe(200);
    });

    it('is refused for an account without a Paddock password (single sign-on only)', async () => {
      const id = await scimUser('sso-only@corp.example');
      const token = (await stack.portal.services.identity.createToken(id, 'test')).token;
      const refused = await changePassword(token, 'anything-at-all', 'a-new-long-password');
      expect(refused.status).toBe(409);
      expect(refused.body.error.message).toMatch(/single sign-on/);
    });
  });

  describe('an admin\'s reset link', () => {
    it('is shown once, stored hashed, and sets a new password once, signing the member out everywhere', async () => {
      const rex = await stack.userToken('rex@example.com');
      const session = (await signIn('rex@example.com', ADMIN_PASSWORD)).session;
      const made = await stack.api('POST', `/api/v1/users/${rex.id}/password-reset`);
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      expect(made.body.url).toMatch(new RegExp(`^${stack.url}/reset-password#pdr_`));
      expect(new Date(made.body.expiresAt).getTime() - clock.now().getTime()).toBe(24 * 60 * 60 * 1000);
      const token = tokenOf(made.body.url);
      const stored = JSON.stringify((await sql`select * from password_resets`.execute(stack.db)).rows);
      expect(stored).not.toContain(token);

      expect((await stack.api('POST', '/api/v1/password-resets/lookup', { token }, '')).body).toMatchObject({ email: 'rex@example.com' });
      const weak = await stack.api('POST', '/api/v1/password-resets/redeem', { token, password: 'short' }, '');
      expect(weak.status).toBe(400);
      expect((await stack.api('POST', '/api/v1/password-resets/lookup', { token }, '')).status).toBe(200); // not spent

      expect((await stack.api('POST', '/api/v1/password-resets/redeem', { token, password: 'rexs-new-password' }, '')).status).toBe(204);
      expect(await me(session)).toBe(401);
      expect(await me(rex.token)).toBe(200);
      expect((await signIn('rex@example.com', ADMIN_PASSWORD)).status).toBe(401);
      expect((await signIn('rex@example.com', 'rexs-new-password')).status).toBe(200);
      expect((await stack.api('POST', '/api/v1/password-resets/redeem', { token, password: 'rexs-other-password' }, '')).status).toBe(404);
      expect((await signIn('rex@example.com', 'rexs-new-password')).status).toBe(200);

      const entries = (await audit()).filter((e) => e.targetId === rex.id);
      expect(entries.find((e) => e.action === 'user.password.reset_link')).toMatchObject({ actorEmail: ADMIN_EMAIL });
      expect(entries.find((e) => e.action === 'user.password.reset')).toMatchObject({ actorEmail: 'rex@example.com', detail: { method: 'link', endedSessions: 1 } });
    });

    it('expires after 24 hours; a new link, a password change or removing the member ends the old one', async () => {
      const lea = await stack.userToken('lea@example.com');
      const issue = async () => tokenOf((await stack.api('POST', `/api/v1/users/${lea.id}/password-reset`)).body.url);
      const usable = async (token: string) => (await stack.api('POST', '/api/v1/password-resets/lookup', { token }, '')).status === 200;

      const first = await issue();
      const second = await issue();
      expect(await usable(first)).toBe(false);
      expect(await usable(second)).toBe(true);
      clock.advance(24 * 60 * 60 * 1000 + 1);
      expect(await usable(second)).toBe(false);
      expect((await stack.api('POST', '/api/v1/password-resets/redeem', { token: second, password: 'leas-new-password' }, '')).status).toBe(404);

      const third = await issue();
      expect((await changePassword(lea.token, ADMIN_PASSWORD, 'leas-own-new-password')).status).toBe(200);
      expect(await usable(third)).toBe(false);

      const fourth = await issue();
      expect((await stack.api('DELETE', `/api/v1/users/${lea.id}`)).status).toBe(204);
      expect(await usable(fourth)).toBe(false);
      expect((await stack.api('PATCH', `/api/v1/users/${lea.id}`, { active: true })).status).toBe(200);
      expect(await usable(fourth)).toBe(false);
    });

    it('is refused for a deactivated member and for an account without a Paddock password', async () => {
      const moe = await stack.userToken('moe@example.com');
      await stack.api('DELETE', `/api/v1/users/${moe.id}`);
      const deactivated = await stack.api('POST', `/api/v1/users/${moe.id}/password-reset`);
      expect(deactivated.status).toBe(409);
      expect(deactivated.body.error.message).toMatch(/deactivated/);
      const sso = await stack.api('POST', `/api/v1/users/${await scimUser('sso-reset@corp.example')}/password-reset`);
      expect(sso.status).toBe(409);
      expect(sso.body.error.message).toMatch(/single sign-on/);
      expect((await stack.api('POST', '/api/v1/users/00000000-0000-4000-8000-000000000000/password-reset')).status).toBe(404);
      expect((await sql`select count(*)::int as n from password_resets where user_id = ${moe.id}`.execute(stack.db)).rows).toEqual([{ n: 0 }]);
    });
  });
});

describe('paddock admin reset-password', () => {
  /** `paddock admin …` as the operator runs it, with the portal's environment. */
  const runCli = (env: NodeJS.ProcessEnv, ...args: string[]) => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [cli, 'admin', ...args], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { err += c; });
    child.on('exit', (code) => resolve({ code, out, err }));
  });

  it('gives a member a generated password, printed once, on the portal\'s own data; ends their sessions; audited as the operator', async () => {
    // The operator's setup: PGlite under a data dir, or (in the PostgreSQL pass) a database of its own.
    const dataDir = mkdtempSync(join(tmpdir(), 'paddock-reset-cli-'));
    const pg = testEngine() === 'postgres' ? await openTestDatabase() : undefined;
    const env = { PADDOCK_DATA_DIR: dataDir, DATABASE_URL: pg?.url ?? '', PORT: String(await freePort()) };
    const logs = new LogCapture();
    const boot = () => startPortal({
      config: {
        ...configFromEnv(env), host: '127.0.0.1', port: 0, tunnelPort: 0,
        adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD, adminToken: ADMIN_TOKEN, logLevel: 'warn',
      },
      log: createLogger('warn', logs),
    });
    let portal: Portal | undefined;
    try {
      portal = await boot();
      const url = `http://127.0.0.1:${portal.port}`;
      const made = await fetch(`${url}/api/v1/users`, {
        method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'una@example.com', name: 'Una', role: 'builder', password: 'unas-forgotten-password' }),
      });
      expect(made.status).toBe(201);
      const session = (await login(url, 'una@example.com', 'unas-forgotten-password')).session;
      // PGlite is one process's: the operator stops the portal first (with PostgreSQL it could keep running).
      await portal.close();
      portal = undefined;

      expect((await runCli(env, 'reset-password')).err).toMatch(/usage: paddock admin reset-password EMAIL/);
      const unknown = await runCli(env, 'reset-password', 'nobody@example.com');
      expect(unknown.code).toBe(1);
      expect(unknown.err).toMatch(/user nobody@example.com not found/);

      const run = await runCli(env, 'reset-password', 'Una@Example.com');
      expect(run.err).toBe('');
      expect(run.code).toBe(0);
      const password = /^ {2}(\S+)$/m.exec(run.out)?.[1];
      expect(password, run.out).toBeDefined();
      expect(password!.length).toBeGreaterThanOrEqual(12);
      expect(run.out).toMatch(/1 session\(s\) ended/);

      portal = await boot();
      const again = `http://127.0.0.1:${portal.port}`;
      expect((await login(again, 'una@example.com', 'unas-forgotten-password')).status).toBe(401);
      expect((await login(again, 'una@example.com', password!)).status).toBe(200);
      expect((await fetch(`${again}/api/v1/auth/me`, { headers: { cookie: session.cookie } })).status).toBe(401);
      const entries = await portal.services.db.selectFrom('audit_log').select(['action', 'actor_kind', 'actor_name', 'actor_id', 'actor_email', 'detail'])
        .where('action', '=', 'user.password.reset').execute();
      expect(entries).toHaveLength(1);
      // The operator, by name, with the host account that ran the command: never a made-up user.
      expect(entries[0]).toMatchObject({ actor_kind: 'system', actor_name: 'operator', actor_id: expect.any(String), actor_email: null });
      expect(entries[0]!.detail).toMatchObject({ email: 'una@example.com', method: 'generated', endedSessions: 1 });
      // The password was printed once and is stored only as its argon2 hash.
      expect(JSON.stringify(await portal.services.db.selectFrom('users').selectAll().execute())).not.toContain(password);
    } finally {
      await portal?.close();
      await pg?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

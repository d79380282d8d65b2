import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, configFromEnv, createLogger, operatorActor, startPortal, type Portal } from '@paddock/portal';
import { engineSpecific, openTestDatabase, type TestDatabase } from '@paddock/portal/testing';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN, LogCapture } from './harness/testStack.js';

const ACCOUNT_LIMIT = 10; // failures per account per 5 minutes
const ADDRESS_LIMIT = 30; // attempts per address per minute
const PASSWORD = 'the-real-users-password';

/**
 * Sign-in limits under parallel guessing, on real portals over HTTP. Linux routes all
 * of 127.0.0.0/8 to loopback, so binding the client to 127.0.0.N gives each test its
 * own real peer address (and so its own per-address window).
 */
describe('sign-in limits', () => {
  const clock = new FakeClock(new Date());
  const logs = new LogCapture();
  const dataDir = mkdtempSync(join(tmpdir(), 'paddock-limits-'));
  let database: TestDatabase;
  let portal: Portal;

  /** A portal on the test database: this process's open handle, or (databaseUrl) a pool of its own, as a replica has. */
  const start = (name: string, on: { db: TestDatabase['db'] } | { databaseUrl: string }) => startPortal({
    config: {
      ...configFromEnv({}), host: '127.0.0.1', port: 0, tunnelPort: 0, dataDir: join(dataDir, name),
      adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD, adminToken: ADMIN_TOKEN, logLevel: 'warn',
      ...('databaseUrl' in on ? { databaseUrl: on.databaseUrl } : {}),
    },
    ...('db' in on ? { db: on.db } : {}),
    clock, log: createLogger('warn', logs),
  });

  beforeAll(async () => {
    database = await openTestDatabase();
    portal = await start('a', { db: database.db });
    for (const email of ['victim@example.com', 'shared@example.com']) {
      await portal.services.identity.createUser({ email, name: email.split('@')[0]!, role: 'builder', password: PASSWORD }, operatorActor('test'));
    }
  });
  afterAll(async () => {
    await portal?.close();
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** POST /api/v1/auth/login from a chosen local address. */
  const login = (target: Portal, from: string, email: string, password: string) =>
    new Promise<{ status: number; retryAfter: number | null; code: string | undefined }>((resolve, reject) => {
      const body = JSON.stringify({ email, password });
      const req = http.request({
        host: '127.0.0.1', port: target.port, path: '/api/v1/auth/login', method: 'POST', localAddress: from,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => { text += c.toString(); });
        res.on('end', () => {
          const retry = res.headers['retry-after'];
          resolve({ status: res.statusCode!, retryAfter: retry === undefined ? null : Number(retry), code: JSON.parse(text || '{}').error?.code });
        });
      });
      req.on('error', reject);
      req.end(body);
    });

  /** Failed sign-ins that reached the password check, as the audit log records them. */
  const checkedFailures = async (where: { email?: string; ip?: string }) => {
    let q = database.db.selectFrom('audit_log').select('detail').where('action', '=', 'auth.login').where('outcome', '=', 'failure');
    if (where.email) q = q.where('actor_email', '=', where.email);
    const rows = await q.execute();
    return rows.filter((r) => ['wrong_password', 'unknown_user'].includes(String(r.detail.reason)) && (!where.ip || r.detail.ip === where.ip)).length;
  };

  const expectRefusedWithRetryAfter = (results: Array<{ status: number; retryAfter: number | null; code: string | undefined }>, maxSeconds: number) => {
    for (const r of results.filter((x) => x.status !== 401)) {
      expect(r.status).toBe(429);
      expect(r.code).toBe('rate_limited');
      expect(r.retryAfter).toBeGreaterThan(0);
      expect(r.retryAfter).toBeLessThanOrEqual(maxSeconds);
    }
  };

  it('lets at most the account limit of 50 parallel wrong passwords reach the password check; the rest answer 429 with Retry-After', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => login(portal, '127.0.0.2', 'victim@example.com', `wrong-guess-${i}`)));
    const checked = results.filter((r) => r.status === 401).length;
    expect(checked).toBeLessThanOrEqual(ACCOUNT_LIMIT);
    expect(checked).toBeGreaterThan(0);
    expectRefusedWithRetryAfter(results, 5 * 60);
    // The audit log records every attempt that reached the password check: no more than the limit.
    expect(await checkedFailures({ email: 'victim@example.com' })).toBe(checked);
    // While the window lasts, even the right password waits (a guesser can't tell it from a wrong one).
    expect((await login(portal, '127.0.0.9', 'victim@example.com', PASSWORD)).status).toBe(429);
  });

  it('keeps the window fixed: refused attempts do not extend it, so the real user gets back in when it ends', async () => {
    clock.advance(4 * 60_000);
    const during = await Promise.all(Array.from({ length: 20 }, () => login(portal, '127.0.0.2', 'victim@example.com', 'still-guessing')));
    expect(during.every((r) => r.status === 429)).toBe(true);
    expectRefusedWithRetryAfter(during, 60);
    clock.advance(60_000 + 1);
    expect((await login(portal, '127.0.0.9', 'victim@example.com', PASSWORD)).status).toBe(200);
    // A success starts the account's count again.
    expect((await login(portal, '127.0.0.9', 'victim@example.com', 'one-more-guess')).status).toBe(401);
  });

  it('lets at most the address limit of 50 parallel attempts on different accounts from one address reach the password check', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => login(portal, '127.0.0.3', `nobody-${i}@example.com`, 'any-password')));
    const checked = results.filter((r) => r.status === 401).length;
    expect(checked).toBeLessThanOrEqual(ADDRESS_LIMIT);
    expect(checked).toBeGreaterThan(0);
    expectRefusedWithRetryAfter(results, 60);
    expect(await checkedFailures({ ip: '127.0.0.3' })).toBe(checked);
  });

  engineSpecific('postgres', 'several portal replicas share one PostgreSQL; PGlite belongs to one process', () => {
    it('shares the counts between two portal replicas on one PostgreSQL', async () => {
      const second = await start('b', { databaseUrl: database.url! });
      try {
        const both = (n: number, from: string, email: (i: number) => string) => Promise.all(Array.from({ length: n }, (_, i) =>
          login(i % 2 ? second : portal, from, email(i), `wrong-guess-${i}`)));
        const account = await both(50, '127.0.0.4', () => 'shared@example.com');
        const checkedAccount = account.filter((r) => r.status === 401).length;
        expect(checkedAccount).toBeLessThanOrEqual(ACCOUNT_LIMIT);
        expect(checkedAccount).toBeGreaterThan(0);
        expectRefusedWithRetryAfter(account, 5 * 60);
        expect(await checkedFailures({ email: 'shared@example.com' })).toBe(checkedAccount);

        const address = await both(50, '127.0.0.5', (i) => `someone-${i}@example.com`);
        const checkedAddress = address.filter((r) => r.status === 401).length;
        expect(checkedAddress).toBeLessThanOrEqual(ADDRESS_LIMIT);
        expectRefusedWithRetryAfter(address, 60);
        expect(await checkedFailures({ ip: '127.0.0.5' })).toBe(checkedAddress);
      } finally {
        await second.close();
      }
    });
  });
});

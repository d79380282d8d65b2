import { mkdtempSync, rmSync } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CSRF_HEADER, SESSION_COOKIE } from '@paddock/protocol';
import { FakeClock, configFromEnv, createLogger, startPortal, type Portal, type UserActor } from '@paddock/portal';
import { openTestDatabase, type TestDatabase } from '@paddock/portal/testing';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN, LogCapture } from './testStack.js';

export type Role = 'admin' | 'builder' | 'auditor';

/** How a request proves who sends it: an API token, a browser's session cookie (with its CSRF token), or nothing. */
export type Credential = { bearer: string } | { cookie: string; csrf: string } | null;

export interface Member { id: string; email: string; token: string; actor: UserActor }

export interface Answer { status: number; body: any; headers: OutgoingHttpHeaders; text: string }

/**
 * A real portal on a real database (PGlite or PostgreSQL, per PADDOCK_TEST_DB),
 * without an agent or sandboxes, called in-process with Fastify's `inject`: no
 * sockets, so a suite can make thousands of calls fast. Its clock is a FakeClock,
 * so sign-in limits can be waited out without waiting. Workspaces it creates stay
 * pending (no agent runs them); what needs a running one is for TestStack.
 */
export class InProcessPortal {
  portal!: Portal;
  readonly clock = new FakeClock(new Date());
  readonly logs = new LogCapture();
  readonly members = {} as Record<Role, Member>;
  private database!: TestDatabase;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'paddock-inprocess-'));

  static async start(): Promise<InProcessPortal> {
    const p = new InProcessPortal();
    await p.boot();
    return p;
  }

  get services() { return this.portal.services; }
  get db() { return this.database.db; }

  private async boot() {
    this.database = await openTestDatabase();
    this.portal = await startPortal({
      config: {
        ...configFromEnv({ PADDOCK_PUBLIC_URL: 'http://127.0.0.1:8080' }),
        host: '127.0.0.1', port: 0, tunnelPort: 0, dataDir: join(this.dataDir, 'portal'),
        adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD, adminToken: ADMIN_TOKEN, logLevel: 'info',
        // On PostgreSQL the portal knows its server, as DATABASE_URL would tell it (backups use pg_dump, the bus LISTEN/NOTIFY).
        ...(this.database.url ? { databaseUrl: this.database.url } : {}),
      },
      db: this.database.db,
      clock: this.clock,
      log: createLogger('info', this.logs),
    });
    const admin = (await this.services.identity.actorFromToken(ADMIN_TOKEN))!;
    this.members.admin = { id: admin.user.id, email: admin.user.email, token: ADMIN_TOKEN, actor: admin };
    this.members.builder = await this.member('bo@example.com', 'builder');
    this.members.auditor = await this.member('aud@example.com', 'auditor');
  }

  /** A new member with a password and an API token. */
  async member(email: string, role: Role): Promise<Member> {
    const user = await this.services.identity.createUser({ email, name: email.split('@')[0]!, role, password: ADMIN_PASSWORD }, this.members.admin.actor);
    const { token } = await this.services.identity.createToken(user.id, 'test');
    const actor = (await this.services.identity.actorFromToken(token))!;
    return { id: user.id, email, token, actor };
  }

  /** A fresh browser session for a member, as signing in would open (without spending a password guess). */
  async session(userId: string): Promise<{ cookie: string; csrf: string }> {
    const { sessionId, csrfToken } = await this.services.identity.openSession(userId, { ip: '127.0.0.1', userAgent: 'test', method: 'password' });
    return { cookie: `${SESSION_COOKIE}=${sessionId}`, csrf: csrfToken };
  }

  async request(method: string, url: string, options: { credential?: Credential; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    const c = options.credential;
    if (c && 'bearer' in c) headers.authorization = `Bearer ${c.bearer}`;
    else if (c) {
      headers.cookie = headers.cookie ? `${headers.cookie}; ${c.cookie}` : c.cookie;
      headers[CSRF_HEADER] = c.csrf;
    }
    let payload: string | undefined;
    if (options.body !== undefined) {
      if (typeof options.body === 'string') { headers['content-type'] ??= 'text/plain'; payload = options.body; }
      else { headers['content-type'] ??= 'application/json'; payload = JSON.stringify(options.body); }
    }
    const res = await this.portal.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
    let body: unknown;
    try { body = res.body ? JSON.parse(res.body) : undefined; } catch { body = undefined; }
    return { status: res.statusCode, body, headers: res.headers, text: res.body };
  }

  async close(): Promise<void> {
    await this.portal?.close();
    await this.database?.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

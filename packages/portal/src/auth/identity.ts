import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Role, SessionInfo, User } from '@paddock/protocol';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { Tables, UsersTable } from '../db/schema.js';
import type { AuditLog } from '../audit/auditLog.js';
import { ConflictError, InvalidCredentialsError, LastAdminError, NotFoundError } from '../errors.js';
import { hashSecret, newId, newSecret } from '../ids.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { RateLimiter } from './rateLimiter.js';
import type { UserActor } from './actor.js';

export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 7 * 24 * 60 * 60 * 1000;
/** last_seen_at is written at most this often, so reads don't turn into writes. */
const TOUCH_EVERY_MS = 60 * 1000;

export const toUser = (r: Selectable<UsersTable>): User => ({
  id: r.id, email: r.email, name: r.name, role: r.role as Role, trusted: r.trusted, active: r.active,
  source: r.source, createdAt: r.created_at.toISOString(), lastLoginAt: r.last_login_at?.toISOString() ?? null,
});

/** Users, sign-in sessions and API tokens. */
export class Identity {
  /** Per client address: all attempts. Per account: failures only. */
  private readonly loginsByIp: RateLimiter;
  private readonly failuresByEmail: RateLimiter;

  constructor(private readonly db: Database, private readonly clock: Clock, private readonly audit: AuditLog) {
    this.loginsByIp = new RateLimiter(clock, 30, 60_000);
    this.failuresByEmail = new RateLimiter(clock, 10, 5 * 60_000);
  }

  async createUser(input: { email: string; name: string; role: Role; password: string | null }, by: UserActor | null): Promise<User> {
    const now = this.clock.now();
    const passwordHash = input.password === null ? null : await hashPassword(input.password);
    return this.db.transaction().execute(async (tx) => {
      const existing = await tx.selectFrom('users').select('id').where('email', '=', input.email).executeTakeFirst();
      if (existing) throw new ConflictError(`a user with email ${input.email} already exists`);
      const row = await tx.insertInto('users').values({
        id: newId(), email: input.email, name: input.name, role: input.role,
        password_hash: passwordHash, created_at: now, updated_at: now, last_login_at: null,
      }).returningAll().executeTakeFirstOrThrow();
      await this.audit.append({
        actorId: by?.user.id ?? null, actorEmail: by?.user.email ?? 'system', action: 'user.create',
        targetType: 'user', targetId: row.id, outcome: 'success', detail: { email: row.email, role: row.role },
      }, tx);
      return toUser(row);
    });
  }

  /**
   * Changes a member's name, role or trusted flag. The last active admin can't be
   * demoted, so the org always has someone who can administer it.
   */
  async updateUser(id: string, patch: { name?: string; role?: Role; trusted?: boolean }, by: UserActor): Promise<User> {
    return this.db.transaction().execute(async (tx) => {
      const before = await tx.selectFrom('users').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!before) throw new NotFoundError('user');
      if (patch.role && patch.role !== 'admin' && before.role === 'admin') await this.assertAnotherAdmin(id, tx);
      const row = await tx.updateTable('users').set({ ...patch, updated_at: this.clock.now() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      await this.audit.append({
        actorId: by.user.id, actorEmail: by.user.email, action: 'user.update', targetType: 'user', targetId: id, outcome: 'success',
        detail: { email: row.email, ...(patch.role ? { role: { from: before.role, to: patch.role } } : {}), ...(patch.trusted !== undefined ? { trusted: patch.trusted } : {}) },
      }, tx);
      return toUser(row);
    });
  }

  /**
   * Throws LastAdminError unless an active admin other than `userId` exists. Locks
   * the active admins' rows, so two transactions demoting or deactivating the
   * last two admins at once can't both pass.
   */
  async assertAnotherAdmin(userId: string, db: Kysely<Tables> = this.db): Promise<void> {
    const admins = await db.selectFrom('users').select('id').where('role', '=', 'admin').where('active', '=', true).forUpdate().execute();
    if (!admins.some((a) => a.id !== userId)) throw new LastAdminError();
  }

  async getUser(id: string): Promise<User | null> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async listUsers(): Promise<User[]> {
    return (await this.db.selectFrom('users').selectAll().orderBy('created_at').execute()).map(toUser);
  }

  /** Checks a password and opens a session. Every attempt is audited. */
  async login(email: string, password: string, ip: string, userAgent = ''): Promise<{ user: User; sessionId: string; csrfToken: string }> {
    this.loginsByIp.check(ip);
    this.failuresByEmail.check(email);
    this.loginsByIp.hit(ip);
    const row = await this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    const ok = await verifyPassword(row?.password_hash ?? null, password);
    if (!row || !ok || !row.active) {
      this.failuresByEmail.hit(email);
      await this.audit.append({
        actorId: row?.id ?? null, actorEmail: email, action: 'auth.login', outcome: 'failure',
        detail: { ip, reason: !row ? 'unknown_user' : !row.active ? 'deactivated' : 'wrong_password' },
      });
      throw new InvalidCredentialsError();
    }
    this.failuresByEmail.reset(email);
    const { sessionId, csrfToken } = await this.openSession(row.id, { ip, userAgent, method: 'password' });
    return { user: toUser({ ...row, last_login_at: this.clock.now() }), sessionId, csrfToken };
  }

  /** Opens a session for a user who has proven who they are (password or SSO), and audits it. */
  async openSession(userId: string, how: { ip: string; userAgent: string; method: string }): Promise<{ sessionId: string; csrfToken: string }> {
    const now = this.clock.now();
    const sessionId = newSecret('pds');
    const csrfToken = newSecret('csrf');
    await this.db.transaction().execute(async (tx) => {
      const user = await tx.updateTable('users').set({ last_login_at: now }).where('id', '=', userId)
        .returning(['id', 'email']).executeTakeFirstOrThrow();
      await tx.insertInto('sessions').values({
        id_hash: hashSecret(sessionId), id: newId(), user_id: userId, csrf_token: csrfToken,
        ip: how.ip, user_agent: how.userAgent.slice(0, 256),
        created_at: now, last_seen_at: now, expires_at: new Date(now.getTime() + SESSION_ABSOLUTE_MS),
      }).execute();
      await this.audit.append({
        actorId: user.id, actorEmail: user.email, action: 'auth.login', outcome: 'success', detail: { ip: how.ip, method: how.method },
      }, tx);
    });
    return { sessionId, csrfToken };
  }

  /** My sessions, newest first; `current` marks the one making the request. */
  async listSessions(actor: UserActor): Promise<SessionInfo[]> {
    const rows = await this.db.selectFrom('sessions').selectAll().where('user_id', '=', actor.user.id)
      .where('expires_at', '>', this.clock.now()).orderBy('created_at', 'desc').execute();
    return rows.map((r) => ({
      id: r.id, current: r.id_hash === actor.sessionHash, ip: r.ip, userAgent: r.user_agent,
      createdAt: r.created_at.toISOString(), lastSeenAt: r.last_seen_at.toISOString(), expiresAt: r.expires_at.toISOString(),
    }));
  }

  /** Ends one of the actor's own sessions; false when it isn't theirs. */
  async revokeSession(actor: UserActor, sessionId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('sessions').where('id', '=', sessionId).where('user_id', '=', actor.user.id).executeTakeFirst();
    if (r.numDeletedRows === 0n) return false;
    await this.audit.append({ actorId: actor.user.id, actorEmail: actor.user.email, action: 'auth.session.revoke', targetType: 'session', targetId: sessionId, outcome: 'success' });
    return true;
  }

  /**
   * Deactivates a user (SCIM, an admin removing a member): at once their sessions
   * end and their tokens are revoked; the caller stops their workspaces. Files and
   * audit history stay. Returns false when the user doesn't exist; LastAdminError
   * for the last active admin.
   */
  async deactivate(userId: string, by: { id: string | null; email: string }, reason: string, within?: Transaction<Tables>): Promise<boolean> {
    // Inside the caller's transaction when given (SCIM checks If-Match and writes in one).
    const work = async (tx: Transaction<Tables>) => {
      const target = await tx.selectFrom('users').select(['role', 'active']).where('id', '=', userId).executeTakeFirst();
      if (target?.role === 'admin' && target.active) await this.assertAnotherAdmin(userId, tx);
      const user = await tx.updateTable('users').set({ active: false, updated_at: this.clock.now() })
        .where('id', '=', userId).returning(['id', 'email']).executeTakeFirst();
      if (!user) return false;
      await tx.deleteFrom('sessions').where('user_id', '=', userId).execute();
      await tx.deleteFrom('api_tokens').where('user_id', '=', userId).execute();
      await this.audit.append({
        actorId: by.id, actorEmail: by.email, action: 'user.deactivate', targetType: 'user', targetId: userId,
        outcome: 'success', detail: { email: user.email, reason },
      }, tx);
      return true;
    };
    return within ? work(within) : this.db.transaction().execute(work);
  }

  async reactivate(userId: string, by: { id: string | null; email: string }, within?: Transaction<Tables>): Promise<boolean> {
    const work = async (tx: Transaction<Tables>) => {
      const user = await tx.updateTable('users').set({ active: true, updated_at: this.clock.now() })
        .where('id', '=', userId).returning(['email']).executeTakeFirst();
      if (!user) return false;
      await this.audit.append({ actorId: by.id, actorEmail: by.email, action: 'user.reactivate', targetType: 'user', targetId: userId, outcome: 'success', detail: { email: user.email } }, tx);
      return true;
    };
    return within ? work(within) : this.db.transaction().execute(work);
  }

  async logout(actor: UserActor): Promise<void> {
    if (actor.sessionHash) await this.db.deleteFrom('sessions').where('id_hash', '=', actor.sessionHash).execute();
    await this.audit.append({ actorId: actor.user.id, actorEmail: actor.user.email, action: 'auth.logout', outcome: 'success' });
  }

  /** The actor behind a session cookie, or null when it is unknown, idle too long or expired. */
  async actorFromSession(sessionId: string): Promise<UserActor | null> {
    const now = this.clock.now();
    const idHash = hashSecret(sessionId);
    const row = await this.db.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('users').select(['sessions.csrf_token', 'sessions.last_seen_at', 'sessions.expires_at'])
      .where('sessions.id_hash', '=', idHash).executeTakeFirst();
    if (!row || !row.active) return null;
    if (row.expires_at <= now || now.getTime() - row.last_seen_at.getTime() > SESSION_IDLE_MS) {
      await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
      return null;
    }
    if (now.getTime() - row.last_seen_at.getTime() > TOUCH_EVERY_MS) {
      await this.db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
    }
    return { kind: 'user', user: toUser(row), via: 'session', sessionHash: idHash, csrfToken: row.csrf_token };
  }

  /** The actor for a user id (a redeemed ticket names its user). */
  async actorById(userId: string): Promise<UserActor | null> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
    return row?.active ? { kind: 'user', user: toUser(row), via: 'token' } : null;
  }

  async actorFromToken(token: string): Promise<UserActor | null> {
    const row = await this.db.selectFrom('api_tokens').innerJoin('users', 'users.id', 'api_tokens.user_id')
      .selectAll('users').select(['api_tokens.id as token_id', 'api_tokens.last_used_at'])
      .where('api_tokens.token_hash', '=', hashSecret(token)).executeTakeFirst();
    if (!row || !row.active) return null;
    const now = this.clock.now();
    if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > TOUCH_EVERY_MS) {
      await this.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.token_id).execute();
    }
    return { kind: 'user', user: toUser(row), via: 'token' };
  }

  /** Creates a personal API token; the caller shows `token` once, only its hash is kept. */
  async createToken(userId: string, name: string, exactToken?: string) {
    const token = exactToken ?? newSecret('pdk');
    const now = this.clock.now();
    const row = await this.db.insertInto('api_tokens').values({
      id: newId(), user_id: userId, name, token_hash: hashSecret(token), created_at: now, last_used_at: null,
    }).returningAll().executeTakeFirstOrThrow();
    return { id: row.id, name: row.name, createdAt: row.created_at.toISOString(), lastUsedAt: null, token };
  }

  async listTokens(userId: string) {
    const rows = await this.db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at.toISOString(), lastUsedAt: r.last_used_at?.toISOString() ?? null }));
  }

  /** Returns false when the token isn't the user's (so the caller answers not found). */
  async deleteToken(userId: string, tokenId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('api_tokens').where('id', '=', tokenId).where('user_id', '=', userId).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}

import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DeactivatedBy, Group, Role, SessionInfo, User } from '@paddock/protocol';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { Tables, UsersTable } from '../db/schema.js';
import type { AuditActor, AuditLog } from '../audit/auditLog.js';
import { ApiError, ConflictError, InvalidCredentialsError, LastAdminError, NotFoundError } from '../errors.js';
import { hashSecret, newId, newSecret } from '../ids.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { AttemptLimiter } from './rateLimiter.js';
import { accountScope, authorize, type MemberResource } from '../authz/policy.js';
import { isSystem, type Actor, type UserActor } from './actor.js';

const MEMBER: MemberResource = { type: 'member' };

export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 7 * 24 * 60 * 60 * 1000;
/** last_seen_at is written at most this often, so reads don't turn into writes. */
const TOUCH_EVERY_MS = 60 * 1000;

/**
 * Who deactivated an inactive account. One SCIM deleted is the identity provider's
 * too, whoever deactivated it first: the provider has said it is gone.
 */
const deactivatedBy = (r: Pick<Selectable<UsersTable>, 'active' | 'deactivated_by' | 'scim_deleted_at'>): DeactivatedBy | null =>
  r.active ? null : r.scim_deleted_at ? 'scim' : r.deactivated_by ?? 'admin';

export const toUser = (r: Selectable<UsersTable>): User => ({
  id: r.id, email: r.email, name: r.name, role: r.role, trusted: r.trusted, active: r.active,
  deactivatedBy: deactivatedBy(r), hasPassword: r.password_hash !== null,
  source: r.source, createdAt: r.created_at.toISOString(), lastLoginAt: r.last_login_at?.toISOString() ?? null,
});


/** The identity provider deactivated this account: only it may bring it back (or the next sync would undo us). */
export class DeactivatedByProviderError extends ConflictError {
  constructor(email: string) {
    super(`${email} was deactivated by your identity provider (SCIM); reactivate them there and the provider brings them back`);
  }
}

/** The account has no Paddock password: it signs in through single sign-on only. */
export class NoPasswordError extends ConflictError {
  constructor(whose: 'yours' | string) {
    super(whose === 'yours'
      ? 'your account signs in through single sign-on and has no Paddock password: your identity provider manages it'
      : `${whose} signs in through single sign-on and has no Paddock password: their identity provider manages it`);
  }
}

export class WrongPasswordError extends ApiError {
  constructor() { super(403, 'wrong_password', 'the current password is wrong'); }
}

/** Users, sign-in sessions and API tokens. */
export class Identity {
  /**
   * Password guesses, counted in the database before argon2 runs, so parallel
   * requests and several replicas share one count. Per client address: every
   * attempt, 30 a minute. Per account: 10 per 5 minutes; a successful sign-in
   * clears it, so in effect it counts failures (and attempts still in flight).
   */
  private readonly attemptsByAddress: AttemptLimiter;
  private readonly attemptsByAccount: AttemptLimiter;

  constructor(private readonly db: Database, private readonly clock: Clock, private readonly audit: AuditLog) {
    this.attemptsByAddress = new AttemptLimiter(db, clock, 'sign_in:address', 30, 60_000);
    this.attemptsByAccount = new AttemptLimiter(db, clock, 'sign_in:account', 10, 5 * 60_000);
  }

  /** Counts a password guess for this address and account; throws RateLimitedError when either is used up. */
  private async countGuess(ip: string, email: string): Promise<void> {
    await this.attemptsByAddress.consume(ip);
    await this.attemptsByAccount.consume(email);
  }

  async createUser(input: { email: string; name: string; role: Role; password: string | null }, by: Actor): Promise<User> {
    authorize(by, 'manage', MEMBER, 'user');
    const passwordHash = input.password === null ? null : await hashPassword(input.password);
    return this.db.transaction().execute((tx) => this.createUserIn(tx, { ...input, passwordHash }, by, {}));
  }

  /** Inserts a user and audits it in `tx`; ConflictError when the email is taken. */
  async createUserIn(
    tx: Transaction<Tables>, input: { email: string; name: string; role: Role; passwordHash: string | null }, by: Actor | 'self', detail: Record<string, unknown>,
  ): Promise<User> {
    // 'self': someone accepting an invite, whose token is the authority (Invites.accept).
    if (by !== 'self') authorize(by, 'manage', MEMBER, 'user');
    const now = this.clock.now();
    const existing = await tx.selectFrom('users').select('id').where('email', '=', input.email).executeTakeFirst();
    if (existing) throw new ConflictError(`a user with email ${input.email} already exists`);
    const row = await tx.insertInto('users').values({
      id: newId(), email: input.email, name: input.name, role: input.role,
      password_hash: input.passwordHash, created_at: now, updated_at: now, last_login_at: null,
    }).returningAll().executeTakeFirstOrThrow();
    await this.audit.append({
      actor: by === 'self' ? { kind: 'user', user: row } : by, action: 'user.create',
      targetType: 'user', targetId: row.id, outcome: 'success', detail: { email: row.email, role: row.role, ...detail },
    }, tx);
    return toUser(row);
  }

  /**
   * Changes a member's name, role, trusted flag or whether they are active, in one
   * transaction. The last active admin can't be demoted or deactivated, so the org
   * always has someone who can administer it. Deactivating (`active: false`, also
   * DELETE /users/:id) ends their sessions and revokes their tokens here; the caller
   * stops their workspaces. Reactivating lets them sign in
   * again as they were: same role, password and SSO link; the sessions and tokens
   * revoked at deactivation stay revoked and their workspaces stay stopped. An
   * account the identity provider deactivated is refused (DeactivatedByProviderError).
   */
  async updateUser(id: string, patch: { name?: string; role?: Role; trusted?: boolean; active?: boolean }, by: UserActor): Promise<User> {
    authorize(by, 'manage', MEMBER, 'user');
    return this.db.transaction().execute(async (tx) => {
      const { active, ...fields } = patch;
      if (active === false && id === by.user.id) throw new ConflictError('you cannot remove yourself');
      // A change that could cost an admin locks the active admins first, then the target (one order for all, so
      // two at once can't deadlock). For a target that isn't an admin it passes: the acting admin is another one.
      if ((fields.role && fields.role !== 'admin') || active === false) await this.assertAnotherAdmin(id, tx);
      const before = await tx.selectFrom('users').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!before) throw new NotFoundError('user');
      const deactivating = active === false && before.active;
      const reactivating = active === true && !before.active;
      if (reactivating && deactivatedBy(before) === 'scim') throw new DeactivatedByProviderError(before.email);
      if (Object.keys(fields).length > 0) {
        await tx.updateTable('users').set({ ...fields, updated_at: this.clock.now() }).where('id', '=', id).execute();
        await this.audit.append({
          actor: by, action: 'user.update', targetType: 'user', targetId: id, outcome: 'success',
          detail: { email: before.email, ...(fields.role ? { role: { from: before.role, to: fields.role } } : {}), ...(fields.trusted !== undefined ? { trusted: fields.trusted } : {}) },
        }, tx);
      }
      if (deactivating) await this.deactivateIn(tx, id, by, 'removed by an admin');
      if (reactivating) {
        await this.reactivateIn(tx, id, by, { via: 'admin' });
        // A pending invite for someone who is a member again could only fail.
        await tx.deleteFrom('invites').where('email', '=', before.email).where('used_at', 'is', null).execute();
      }
      return toUser(await tx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
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

  /** Groups (from SCIM or SSO sign-in), by name, with how many members each has: what budgets and access rules name. */
  async listGroups(): Promise<Group[]> {
    const rows = await this.db.selectFrom('groups')
      .leftJoin('group_members', 'group_members.group_id', 'groups.id')
      .select(['groups.id', 'groups.display_name', 'groups.source', (eb) => eb.fn.count<string>('group_members.user_id').as('members')])
      .groupBy(['groups.id', 'groups.display_name', 'groups.source']).orderBy('groups.display_name').execute();
    return rows.map((r) => ({ id: r.id, displayName: r.display_name, source: r.source, members: Number(r.members) }));
  }

  /**
   * Checks a password and opens a session. Every attempt that reaches the password
   * check is audited; attempts over a limit are refused before it (429, not audited:
   * a flood must not fill the audit trail).
   */
  async login(email: string, password: string, ip: string, userAgent = ''): Promise<{ user: User; sessionId: string; csrfToken: string }> {
    await this.countGuess(ip, email);
    const row = await this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    const ok = await verifyPassword(row?.password_hash ?? null, password);
    if (!row || !ok || !row.active) {
      await this.audit.append({
        // Not signed in: the attempt claimed an email, and names the account it was for as its target.
        actor: { kind: 'anonymous', email }, action: 'auth.login', outcome: 'failure', ...(row ? { targetType: 'user', targetId: row.id } : {}),
        detail: { ip, reason: !row ? 'unknown_user' : !row.active ? 'deactivated' : 'wrong_password' },
      });
      throw new InvalidCredentialsError();
    }
    await this.attemptsByAccount.reset(email);
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
        actor: { kind: 'user', user }, action: 'auth.login', outcome: 'success', detail: { ip: how.ip, method: how.method },
      }, tx);
    });
    return { sessionId, csrfToken };
  }

  /** My sessions, newest first; `current` marks the one making the request. */
  async listSessions(actor: UserActor): Promise<SessionInfo[]> {
    const rows = await this.db.selectFrom('sessions').selectAll().where(accountScope(actor, 'sessions'))
      .where('expires_at', '>', this.clock.now()).orderBy('created_at', 'desc').execute();
    return rows.map((r) => ({
      id: r.id, current: r.id_hash === actor.sessionHash, ip: r.ip, userAgent: r.user_agent,
      createdAt: r.created_at.toISOString(), lastSeenAt: r.last_seen_at.toISOString(), expiresAt: r.expires_at.toISOString(),
    }));
  }

  /** Ends one of the actor's own sessions; false when it isn't theirs. */
  async revokeSession(actor: UserActor, sessionId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('sessions').where('id', '=', sessionId).where(accountScope(actor, 'sessions')).executeTakeFirst();
    if (r.numDeletedRows === 0n) return false;
    await this.audit.append({ actor, action: 'auth.session.revoke', targetType: 'session', targetId: sessionId, outcome: 'success' });
    return true;
  }

  /**
   * Deactivates a user (SCIM, an admin removing a member): at once their sessions
   * end, their tokens are revoked and their pending password reset links die; the
   * caller stops their workspaces. Files and audit history stay. Returns false when
   * the user doesn't exist; LastAdminError for the last active admin.
   */
  async deactivate(userId: string, by: Actor, reason: string, within?: Transaction<Tables>): Promise<boolean> {
    authorize(by, 'manage', MEMBER, 'user');
    // Inside the caller's transaction when given (SCIM checks If-Match and writes in one).
    const work = async (tx: Transaction<Tables>) => {
      const target = await tx.selectFrom('users').select(['email', 'role', 'active', 'deactivated_by']).where('id', '=', userId).executeTakeFirst();
      if (!target) return false;
      if (!target.active) {
        // Already inactive: nothing more to end. The identity provider saying so too makes it the provider's to undo.
        if (isSystem(by, 'scim') && target.deactivated_by !== 'scim') {
          await tx.updateTable('users').set({ deactivated_by: 'scim', updated_at: this.clock.now() }).where('id', '=', userId).execute();
          await this.audit.append({
            actor: by, action: 'user.deactivate', targetType: 'user', targetId: userId,
            outcome: 'success', detail: { email: target.email, reason, alreadyInactive: true },
          }, tx);
        }
        return true;
      }
      if (target.role === 'admin') await this.assertAnotherAdmin(userId, tx);
      await this.deactivateIn(tx, userId, by, reason);
      return true;
    };
    return within ? work(within) : this.db.transaction().execute(work);
  }

  private async deactivateIn(tx: Transaction<Tables>, userId: string, by: Actor, reason: string): Promise<void> {
    const deactivatedBy: DeactivatedBy = isSystem(by, 'scim') ? 'scim' : 'admin';
    const user = await tx.updateTable('users').set({ active: false, deactivated_by: deactivatedBy, updated_at: this.clock.now() })
      .where('id', '=', userId).returning(['id', 'email']).executeTakeFirstOrThrow();
    await tx.deleteFrom('sessions').where('user_id', '=', userId).execute();
    await tx.deleteFrom('api_tokens').where('user_id', '=', userId).execute();
    await tx.deleteFrom('password_resets').where('user_id', '=', userId).where('used_at', 'is', null).execute();
    await this.audit.append({
      actor: by, action: 'user.deactivate', targetType: 'user', targetId: userId,
      outcome: 'success', detail: { email: user.email, reason },
    }, tx);
  }

  /**
   * SCIM bringing an account back (the Members page goes through updateUser, invites
   * through Invites.accept); inside the caller's transaction when given.
   */
  async reactivate(userId: string, by: Actor, within?: Transaction<Tables>): Promise<boolean> {
    authorize(by, 'manage', MEMBER, 'user');
    const work = async (tx: Transaction<Tables>) => {
      const found = await tx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().executeTakeFirst();
      if (!found) return false;
      await this.reactivateIn(tx, userId, by, { via: isSystem(by, 'scim') ? 'scim' : 'admin' });
      return true;
    };
    return within ? work(within) : this.db.transaction().execute(work);
  }

  /** Marks the account active again and audits it; everything else about it is the caller's to change. */
  async reactivateIn(tx: Transaction<Tables>, userId: string, by: AuditActor, detail: Record<string, unknown>): Promise<void> {
    const user = await tx.updateTable('users').set({ active: true, deactivated_by: null, updated_at: this.clock.now() })
      .where('id', '=', userId).returning(['email']).executeTakeFirstOrThrow();
    await this.audit.append({
      actor: by, action: 'user.reactivate', targetType: 'user', targetId: userId, outcome: 'success',
      detail: { email: user.email, ...detail },
    }, tx);
  }

  /**
   * Changes the actor's own password: the current one is required, and counted like
   * a sign-in guess (same per-address and per-account limits), so a borrowed session
   * can't be used to guess it faster. Ends the user's other sessions; API tokens stay
   * (they are separate credentials, listed and revoked on the Account page).
   */
  async changePassword(actor: UserActor, current: string, next: string, ip: string): Promise<{ endedSessions: number }> {
    const row = await this.db.selectFrom('users').select(['id', 'email', 'password_hash']).where('id', '=', actor.user.id).executeTakeFirstOrThrow();
    if (row.password_hash === null) throw new NoPasswordError('yours');
    await this.countGuess(ip, row.email);
    if (!(await verifyPassword(row.password_hash, current))) {
      await this.audit.append({
        actor: { kind: 'user', user: row }, action: 'auth.password.change', targetType: 'user', targetId: row.id, outcome: 'failure',
        detail: { ip, reason: 'wrong_password' },
      });
      throw new WrongPasswordError();
    }
    await this.attemptsByAccount.reset(row.email);
    const hash = await hashPassword(next);
    return this.db.transaction().execute(async (tx) => {
      const endedSessions = await this.replacePassword(tx, row.id, hash, actor.sessionHash);
      await this.audit.append({
        actor: { kind: 'user', user: row }, action: 'auth.password.change', targetType: 'user', targetId: row.id, outcome: 'success',
        detail: { ip, endedSessions },
      }, tx);
      return { endedSessions };
    });
  }

  /**
   * Sets a new password hash and ends the user's sessions, all but `keepSessionHash`
   * (the one changing it). Unused reset links die with the old password. API tokens
   * stay. Returns how many sessions ended.
   */
  async replacePassword(tx: Transaction<Tables>, userId: string, passwordHash: string, keepSessionHash?: string): Promise<number> {
    await tx.updateTable('users').set({ password_hash: passwordHash, updated_at: this.clock.now() }).where('id', '=', userId).execute();
    let ending = tx.deleteFrom('sessions').where('user_id', '=', userId);
    if (keepSessionHash) ending = ending.where('id_hash', '<>', keepSessionHash);
    const ended = await ending.executeTakeFirst();
    await tx.deleteFrom('password_resets').where('user_id', '=', userId).where('used_at', 'is', null).execute();
    return Number(ended.numDeletedRows);
  }

  async logout(actor: UserActor): Promise<void> {
    if (actor.sessionHash) await this.db.deleteFrom('sessions').where('id_hash', '=', actor.sessionHash).execute();
    await this.audit.append({ actor, action: 'auth.logout', outcome: 'success' });
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

  /** My API tokens (the policy's account scope: one's own, whoever asks). */
  async listTokens(actor: Actor) {
    const rows = await this.db.selectFrom('api_tokens').selectAll().where(accountScope(actor, 'api_tokens')).orderBy('created_at').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at.toISOString(), lastUsedAt: r.last_used_at?.toISOString() ?? null }));
  }

  /** Returns false when the token isn't the actor's (so the caller answers not found, as for no token). */
  async deleteToken(actor: Actor, tokenId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('api_tokens').where('id', '=', tokenId).where(accountScope(actor, 'api_tokens')).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}

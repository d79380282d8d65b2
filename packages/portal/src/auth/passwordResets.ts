import { randomBytes } from 'node:crypto';
import type { AuditLog } from '../audit/auditLog.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { hashSecret, newId, newSecret } from '../ids.js';
import { authorize } from '../authz/policy.js';
import type { SystemActor, UserActor } from './actor.js';
import { NoPasswordError, type Identity } from './identity.js';
import { hashPassword } from './passwords.js';

export const PASSWORD_RESET_TTL_MS = 24 * 60 * 60 * 1000;

const unusable = () => new NotFoundError('password reset link (it may have expired or been used)');

class DeactivatedAccountError extends ConflictError {
  constructor(email: string) { super(`${email} is deactivated: reactivate them first`); }
}

/**
 * Password resets for accounts with a Paddock password. An admin issues a
 * single-use link (24 h; only its SHA-256 is stored; a new one replaces the
 * previous); whoever opens it sets a new password, which ends every session of
 * the account. The operator's `paddock admin reset-password` sets a generated
 * password instead. Refused for accounts without a password (SSO-only: their
 * provider owns sign-in, and a password would be a way around it) and for
 * deactivated accounts (reactivating comes first; deactivation also kills
 * pending links). API tokens stay: to cut everything, remove the member.
 */
export class PasswordResets {
  constructor(private readonly db: Database, private readonly clock: Clock, private readonly audit: AuditLog, private readonly identity: Identity) {}

  /** An admin's reset link for `userId`; the caller builds the URL from the token and shows it once. */
  async issue(by: UserActor, userId: string): Promise<{ token: string; expiresAt: string }> {
    authorize(by, 'manage', { type: 'member' }, 'user');
    const token = newSecret('pdr');
    return this.db.transaction().execute(async (tx) => {
      const user = await tx.selectFrom('users').select(['id', 'email', 'active', 'password_hash']).where('id', '=', userId).forUpdate().executeTakeFirst();
      if (!user) throw new NotFoundError('user');
      if (!user.active) throw new DeactivatedAccountError(user.email);
      if (user.password_hash === null) throw new NoPasswordError(user.email);
      const now = this.clock.now();
      const expiresAt = new Date(now.getTime() + PASSWORD_RESET_TTL_MS);
      await tx.deleteFrom('password_resets').where('user_id', '=', userId).where('used_at', 'is', null).execute();
      const id = newId();
      await tx.insertInto('password_resets').values({
        id, token_hash: hashSecret(token), user_id: userId, created_by: by.user.id, created_at: now, expires_at: expiresAt, used_at: null,
      }).execute();
      await this.audit.append({
        actor: by, action: 'user.password.reset_link', targetType: 'user', targetId: userId,
        outcome: 'success', detail: { email: user.email, resetId: id, expiresAt: expiresAt.toISOString() },
      }, tx);
      return { token, expiresAt: expiresAt.toISOString() };
    });
  }

  /** Whose password a link resets, so the page can say so; null when unusable. */
  async lookup(token: string): Promise<{ email: string; expiresAt: string } | null> {
    const r = await this.db.selectFrom('password_resets').innerJoin('users', 'users.id', 'password_resets.user_id')
      .select(['users.email', 'password_resets.expires_at'])
      .where('password_resets.token_hash', '=', hashSecret(token)).where('password_resets.used_at', 'is', null)
      .where('password_resets.expires_at', '>', this.clock.now()).where('users.active', '=', true)
      .executeTakeFirst();
    return r ? { email: r.email, expiresAt: r.expires_at.toISOString() } : null;
  }

  /** Uses a link once: sets the new password and ends every session of the account, in one transaction. */
  async redeem(token: string, password: string): Promise<void> {
    if (!(await this.lookup(token))) throw unusable();
    // Hashed before the transaction (it is slow); only a usable link gets this far.
    const passwordHash = await hashPassword(password);
    await this.db.transaction().execute(async (tx) => {
      const now = this.clock.now();
      const reset = await tx.updateTable('password_resets').set({ used_at: now })
        .where('token_hash', '=', hashSecret(token)).where('used_at', 'is', null).where('expires_at', '>', now)
        .returning(['id', 'user_id']).executeTakeFirst();
      if (!reset) throw unusable();
      const user = await tx.selectFrom('users').select(['id', 'email', 'active']).where('id', '=', reset.user_id).forUpdate().executeTakeFirstOrThrow();
      if (!user.active) throw unusable();
      const endedSessions = await this.identity.replacePassword(tx, user.id, passwordHash);
      await this.audit.append({
        actor: { kind: 'user', user: user }, action: 'user.password.reset', targetType: 'user', targetId: user.id,
        outcome: 'success', detail: { method: 'link', resetId: reset.id, endedSessions },
      }, tx);
    });
  }

  /** The operator's break-glass (`paddock admin reset-password`): a generated password, returned to print once. */
  async generate(email: string, operator: SystemActor): Promise<{ password: string; endedSessions: number }> {
    authorize(operator, 'manage', { type: 'member' }, 'user');
    const password = randomBytes(18).toString('base64url');
    const passwordHash = await hashPassword(password);
    const endedSessions = await this.db.transaction().execute(async (tx) => {
      const user = await tx.selectFrom('users').select(['id', 'email', 'active', 'password_hash']).where('email', '=', email).forUpdate().executeTakeFirst();
      if (!user) throw new NotFoundError(`user ${email}`);
      if (!user.active) throw new DeactivatedAccountError(user.email);
      if (user.password_hash === null) throw new NoPasswordError(user.email);
      const ended = await this.identity.replacePassword(tx, user.id, passwordHash);
      await this.audit.append({
        actor: operator, action: 'user.password.reset', targetType: 'user', targetId: user.id,
        outcome: 'success', detail: { email: user.email, method: 'generated', endedSessions: ended },
      }, tx);
      return ended;
    });
    return { password, endedSessions };
  }
}

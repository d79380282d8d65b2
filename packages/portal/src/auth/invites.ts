import type { Invite, Role, User } from '@paddock/protocol';
import type { AuditLog } from '../audit/auditLog.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { hashSecret, newId, newSecret } from '../ids.js';
import type { UserActor } from './actor.js';
import type { Identity } from './identity.js';

export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Single-use, expiring invitations by email. Only the token's hash is stored. */
export class Invites {
  constructor(private readonly db: Database, private readonly clock: Clock, private readonly audit: AuditLog, private readonly identity: Identity) {}

  async create(by: UserActor, email: string, role: Role): Promise<Invite & { token: string }> {
    if (await this.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()) {
      throw new ConflictError(`${email} is already a member`);
    }
    const now = this.clock.now();
    const token = newSecret('pdi');
    const row = await this.db.transaction().execute(async (tx) => {
      // A new invite replaces any pending one for the same address.
      await tx.deleteFrom('invites').where('email', '=', email).where('used_at', 'is', null).execute();
      const r = await tx.insertInto('invites').values({
        id: newId(), token_hash: hashSecret(token), email, role, created_by: by.user.id,
        created_at: now, expires_at: new Date(now.getTime() + INVITE_TTL_MS), used_at: null,
      }).returningAll().executeTakeFirstOrThrow();
      await this.audit.append({ actorId: by.user.id, actorEmail: by.user.email, action: 'invite.create', targetType: 'invite', targetId: r.id, outcome: 'success', detail: { email, role } }, tx);
      return r;
    });
    return { ...this.toInvite({ ...row, invited_by: by.user.email }), token };
  }

  private toInvite(r: { id: string; email: string; role: string; created_at: Date; expires_at: Date; invited_by: string | null }): Invite {
    return { id: r.id, email: r.email, role: r.role as Role, createdAt: r.created_at.toISOString(), expiresAt: r.expires_at.toISOString(), invitedBy: r.invited_by };
  }

  /** Pending invites (unused, unexpired). */
  async listPending(): Promise<Invite[]> {
    const rows = await this.db.selectFrom('invites').leftJoin('users', 'users.id', 'invites.created_by')
      .select(['invites.id', 'invites.email', 'invites.role', 'invites.created_at', 'invites.expires_at', 'users.email as invited_by'])
      .where('invites.used_at', 'is', null).where('invites.expires_at', '>', this.clock.now())
      .orderBy('invites.created_at', 'desc').execute();
    return rows.map((r) => this.toInvite(r));
  }

  async revoke(by: UserActor, id: string): Promise<void> {
    const r = await this.db.deleteFrom('invites').where('id', '=', id).where('used_at', 'is', null).returning('email').executeTakeFirst();
    if (!r) throw new NotFoundError('invite');
    await this.audit.append({ actorId: by.user.id, actorEmail: by.user.email, action: 'invite.revoke', targetType: 'invite', targetId: id, outcome: 'success', detail: { email: r.email } });
  }

  /** What an invite link is for, so the page can say so; null when unusable. */
  async lookup(token: string): Promise<{ email: string; role: Role; expiresAt: string } | null> {
    const r = await this.db.selectFrom('invites').select(['email', 'role', 'expires_at'])
      .where('token_hash', '=', hashSecret(token)).where('used_at', 'is', null).where('expires_at', '>', this.clock.now()).executeTakeFirst();
    return r ? { email: r.email, role: r.role as Role, expiresAt: r.expires_at.toISOString() } : null;
  }

  /** Redeems an invite once: creates the member with a password. */
  async accept(token: string, name: string, password: string): Promise<User> {
    const now = this.clock.now();
    const invite = await this.db.updateTable('invites').set({ used_at: now })
      .where('token_hash', '=', hashSecret(token)).where('used_at', 'is', null).where('expires_at', '>', now)
      .returning(['id', 'email', 'role']).executeTakeFirst();
    if (!invite) throw new NotFoundError('invite (it may have expired or been used)');
    const user = await this.identity.createUser({ email: invite.email, name, role: invite.role as Role, password }, null);
    await this.audit.append({ actorId: user.id, actorEmail: user.email, action: 'invite.accept', targetType: 'invite', targetId: invite.id, outcome: 'success' });
    return user;
  }
}

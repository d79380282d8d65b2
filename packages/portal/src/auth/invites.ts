import type { Invite, Role, User } from '@paddock/protocol';
import type { AuditLog } from '../audit/auditLog.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { hashSecret, newId, newSecret } from '../ids.js';
import type { UserActor } from './actor.js';
import { DeactivatedByProviderError, toUser, type Identity } from './identity.js';
import { hashPassword } from './passwords.js';

export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Single-use, expiring invitations by email. Only the token's hash is stored.
 * Inviting a member an admin removed is how they come back with a fresh start:
 * accepting reactivates the same account (id, workspaces, files, history) with the
 * invite's role, not trusted, the name and password they choose; their workspaces
 * stay stopped until they start them. Someone the identity provider deactivated
 * can't be invited back (the provider brings them back).
 */
export class Invites {
  constructor(private readonly db: Database, private readonly clock: Clock, private readonly audit: AuditLog, private readonly identity: Identity) {}

  async create(by: UserActor, email: string, role: Role): Promise<Invite & { token: string }> {
    const member = await this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    if (member?.active) throw new ConflictError(`${email} is already a member`);
    if (member && toUser(member).deactivatedBy === 'scim') throw new DeactivatedByProviderError(email);
    const now = this.clock.now();
    const token = newSecret('pdi');
    const row = await this.db.transaction().execute(async (tx) => {
      // A new invite replaces any pending one for the same address.
      await tx.deleteFrom('invites').where('email', '=', email).where('used_at', 'is', null).execute();
      const r = await tx.insertInto('invites').values({
        id: newId(), token_hash: hashSecret(token), email, role, created_by: by.user.id,
        created_at: now, expires_at: new Date(now.getTime() + INVITE_TTL_MS), used_at: null,
      }).returningAll().executeTakeFirstOrThrow();
      await this.audit.append({
        actor: by, action: 'invite.create', targetType: 'invite', targetId: r.id, outcome: 'success',
        detail: { email, role, ...(member ? { reactivates: member.id } : {}) },
      }, tx);
      return r;
    });
    return { ...this.toInvite({ ...row, invited_by: by.user.email, member_id: member?.id ?? null }), token };
  }

  private toInvite(r: { id: string; email: string; role: Role; created_at: Date; expires_at: Date; invited_by: string | null; member_id: string | null }): Invite {
    return {
      id: r.id, email: r.email, role: r.role, createdAt: r.created_at.toISOString(), expiresAt: r.expires_at.toISOString(),
      invitedBy: r.invited_by, reactivates: r.member_id !== null,
    };
  }

  /** Pending invites (unused, unexpired). */
  async listPending(): Promise<Invite[]> {
    const rows = await this.db.selectFrom('invites').leftJoin('users as inviter', 'inviter.id', 'invites.created_by')
      .leftJoin('users as member', 'member.email', 'invites.email')
      .select(['invites.id', 'invites.email', 'invites.role', 'invites.created_at', 'invites.expires_at', 'inviter.email as invited_by', 'member.id as member_id'])
      .where('invites.used_at', 'is', null).where('invites.expires_at', '>', this.clock.now())
      .orderBy('invites.created_at', 'desc').execute();
    return rows.map((r) => this.toInvite(r));
  }

  async revoke(by: UserActor, id: string): Promise<void> {
    const r = await this.db.deleteFrom('invites').where('id', '=', id).where('used_at', 'is', null).returning('email').executeTakeFirst();
    if (!r) throw new NotFoundError('invite');
    await this.audit.append({ actor: by, action: 'invite.revoke', targetType: 'invite', targetId: id, outcome: 'success', detail: { email: r.email } });
  }

  /** What an invite link is for, so the page can say so; null when unusable. */
  async lookup(token: string): Promise<{ email: string; role: Role; expiresAt: string; reactivates: boolean } | null> {
    const r = await this.db.selectFrom('invites').leftJoin('users', 'users.email', 'invites.email')
      .select(['invites.email', 'invites.role', 'invites.expires_at', 'users.id as member_id'])
      .where('invites.token_hash', '=', hashSecret(token)).where('invites.used_at', 'is', null).where('invites.expires_at', '>', this.clock.now())
      .executeTakeFirst();
    return r ? { email: r.email, role: r.role, expiresAt: r.expires_at.toISOString(), reactivates: r.member_id !== null } : null;
  }

  /**
   * Redeems an invite once, in one transaction with what it does: creates the
   * member, or reactivates the removed member the address belongs to. Nothing is
   * spent when it is refused (the address became an active member meanwhile, or
   * the identity provider deactivated it).
   */
  async accept(token: string, name: string, password: string): Promise<User> {
    if (!(await this.lookup(token))) throw new NotFoundError('invite (it may have expired or been used)');
    // Hashed before the transaction (it is slow); only a usable token gets this far.
    const passwordHash = await hashPassword(password);
    return this.db.transaction().execute(async (tx) => {
      const now = this.clock.now();
      const invite = await tx.updateTable('invites').set({ used_at: now })
        .where('token_hash', '=', hashSecret(token)).where('used_at', 'is', null).where('expires_at', '>', now)
        .returning(['id', 'email', 'role']).executeTakeFirst();
      if (!invite) throw new NotFoundError('invite (it may have expired or been used)');
      const member = await tx.selectFrom('users').selectAll().where('email', '=', invite.email).forUpdate().executeTakeFirst();
      let userId: string;
      if (!member) {
        userId = (await this.identity.createUserIn(tx, { email: invite.email, name, role: invite.role, passwordHash }, 'self', { via: 'invite' })).id;
      } else {
        if (member.active) throw new ConflictError(`${invite.email} is already a member: sign in instead`);
        if (toUser(member).deactivatedBy === 'scim') throw new DeactivatedByProviderError(invite.email);
        userId = member.id;
        await tx.updateTable('users').set({ name, role: invite.role, trusted: false, password_hash: passwordHash, updated_at: now })
          .where('id', '=', userId).execute();
        await this.identity.reactivateIn(tx, userId, { kind: 'user', user: { id: userId, email: member.email } }, {
          via: 'invite', inviteId: invite.id, role: { from: member.role, to: invite.role },
        });
      }
      await this.audit.append({ actor: { kind: 'user', user: { id: userId, email: invite.email } }, action: 'invite.accept', targetType: 'invite', targetId: invite.id, outcome: 'success' }, tx);
      return toUser(await tx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow());
    });
  }
}

import { isWellFormedText } from '@paddock/protocol';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { hashSecret, newId, newSecret, safeEqual } from '../ids.js';

export const ENROLLMENT_TOKEN_TTL_MS = 60 * 60 * 1000;

/**
 * An agent's name or version, as shown to admins: at most `max` characters, and
 * never NUL or half a surrogate pair, which the database would refuse.
 */
const agentText = (s: string, max: number) => [...s.slice(0, max)].filter((c) => isWellFormedText(c)).join('');

/** One-time enrollment tokens, and the agent credentials they are exchanged for. */
export class Enrollment {
  constructor(private readonly db: Database, private readonly clock: Clock) {}

  async createToken(ttlMs = ENROLLMENT_TOKEN_TTL_MS): Promise<string> {
    const token = newSecret('pde');
    const now = this.clock.now();
    await this.db.insertInto('enrollment_tokens').values({
      token_hash: hashSecret(token), created_at: now, expires_at: new Date(now.getTime() + ttlMs), used_at: null, agent_id: null,
    }).execute();
    return token;
  }

  /** Redeems a token once; returns the new agent's id and secret, or null when the token is unusable. */
  async enroll(token: string, name: string, version: string): Promise<{ agentId: string; secret: string } | null> {
    const now = this.clock.now();
    return this.db.transaction().execute(async (tx) => {
      const agentId = newId();
      const secret = newSecret('pda');
      const claimed = await tx.updateTable('enrollment_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', hashSecret(token)).where('used_at', 'is', null).where('expires_at', '>', now)
        .returning('token_hash').executeTakeFirst();
      if (!claimed) return null;
      await tx.insertInto('agents').values({
        id: agentId, name: agentText(name, 128) || 'agent', secret_hash: hashSecret(secret), version: agentText(version, 64),
        created_at: now, last_seen_at: now,
      }).execute();
      await tx.updateTable('enrollment_tokens').set({ agent_id: agentId }).where('token_hash', '=', claimed.token_hash).execute();
      return { agentId, secret };
    });
  }

  /** Every enrolled agent, oldest first (the route table lets admins and auditors list them). */
  async list(): Promise<Array<{ id: string; name: string; version: string; lastSeenAt: Date | null; protocol: string; refusedReason: string | null; refusedAt: Date | null }>> {
    const rows = await this.db.selectFrom('agents').select(['id', 'name', 'version', 'last_seen_at', 'protocol', 'refused_reason', 'refused_at']).orderBy('created_at').execute();
    return rows.map((r) => ({
      id: r.id, name: r.name, version: r.version, lastSeenAt: r.last_seen_at, protocol: r.protocol, refusedReason: r.refused_reason, refusedAt: r.refused_at,
    }));
  }

  async authenticate(agentId: string, secret: string): Promise<boolean> {
    const row = await this.db.selectFrom('agents').select('secret_hash').where('id', '=', agentId).executeTakeFirst();
    return !!row && safeEqual(row.secret_hash, hashSecret(secret));
  }

  async touch(agentId: string, version?: string): Promise<void> {
    await this.db.updateTable('agents')
      .set({ last_seen_at: this.clock.now(), ...(version !== undefined ? { version: agentText(version, 64) } : {}) })
      .where('id', '=', agentId).execute();
  }

  /** What the agent's tunnel speaks, and why it was refused (null: accepted), for the Agents page. */
  async recordProtocol(agentId: string, protocol: string, refusedReason: string | null): Promise<void> {
    await this.db.updateTable('agents')
      .set({ protocol: protocol.slice(0, 32), refused_reason: refusedReason, refused_at: refusedReason ? this.clock.now() : null })
      .where('id', '=', agentId).execute();
  }
}

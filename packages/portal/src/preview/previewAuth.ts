import { sql } from 'kysely';
import { workspaceScope } from '../authz/policy.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { hashSecret, newSecret } from '../ids.js';

export const PREVIEW_TOKEN_TTL_MS = 60_000;
export const PREVIEW_SESSION_MAX_MS = 12 * 60 * 60 * 1000;
/** How long a positive check is trusted: a deactivated user or a stopped workspace loses the preview within this. */
const CHECK_CACHE_MS = 2_000;
const maxCached = 10_000;
/** A Cookie header (16 KiB in Node) holds fewer candidates than this; the bound keeps one query small. */
const maxCandidates = 256;

export interface PreviewGrant {
  userId: string;
  workspaceId: string;
  port: number;
  agentId: string;
}

/**
 * Sign-in to preview origins. The portal issues a one-time token (60 s) for a
 * workspace port; the preview origin redeems it and keeps a preview session id
 * in a host-bound cookie (previewCookies.ts). Tokens and ids are stored as SHA-256 hashes; redeeming
 * is one atomic UPDATE, so a token works once even across replicas. A preview
 * session is checked on every request: its user still active and still allowed
 * to connect to the workspace (the policy's `connect`, in the same query: owner or
 * admin, while the owner may still use its blueprint), the workspace running, the
 * portal session it came from alive.
 */
export class PreviewAuth {
  private readonly cache = new Map<string, { until: number; grant: PreviewGrant }>();

  constructor(private readonly db: Database, private readonly clock: Clock) {}

  async issue(input: { userId: string; workspaceId: string; port: number; portalSessionHash: string | null }): Promise<{ token: string; expiresAt: Date }> {
    const token = newSecret('pvt');
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + PREVIEW_TOKEN_TTL_MS);
    await this.db.deleteFrom('preview_tokens').where('expires_at', '<', now).execute();
    await this.db.insertInto('preview_tokens').values({
      token_hash: hashSecret(token), user_id: input.userId, workspace_id: input.workspaceId, port: input.port,
      portal_session_hash: input.portalSessionHash, expires_at: expiresAt, used_at: null,
    }).execute();
    return { token, expiresAt };
  }

  /** Burns the token; returns a new preview session id when it was unused, unexpired and for this origin. */
  async redeem(token: string, workspaceId: string, port: number): Promise<string | null> {
    const now = this.clock.now();
    const row = await this.db.updateTable('preview_tokens').set({ used_at: now })
      .where('token_hash', '=', hashSecret(token)).where('used_at', 'is', null)
      .returning(['user_id', 'workspace_id', 'port', 'portal_session_hash', 'expires_at']).executeTakeFirst();
    if (!row || row.workspace_id !== workspaceId || row.port !== port || row.expires_at <= now) return null;
    const sessionId = newSecret('pvs');
    await this.db.deleteFrom('preview_sessions').where('expires_at', '<', now).execute();
    await this.db.insertInto('preview_sessions').values({
      id_hash: hashSecret(sessionId), user_id: row.user_id, workspace_id: workspaceId, port,
      portal_session_hash: row.portal_session_hash, created_at: now, expires_at: new Date(now.getTime() + PREVIEW_SESSION_MAX_MS),
    }).execute();
    return sessionId;
  }

  /**
   * Whether one of these preview session ids may see this origin now; what the proxy needs to dial it.
   * Several, because another preview origin can plant cookies of the same name here (previewCookies.ts):
   * a planted one must never shadow the real one. One query for all of them.
   */
  async check(sessionIds: readonly string[], workspaceId: string, port: number): Promise<PreviewGrant | null> {
    const hashes = [...new Set(sessionIds)].slice(0, maxCandidates).map(hashSecret);
    if (hashes.length === 0) return null;
    const now = this.clock.now();
    const uncached: string[] = [];
    for (const idHash of hashes) {
      const cached = this.cache.get(idHash);
      if (cached && cached.until > now.getTime()) {
        if (cached.grant.workspaceId === workspaceId && cached.grant.port === port) return cached.grant;
        continue;
      }
      this.cache.delete(idHash);
      uncached.push(idHash);
    }
    if (uncached.length === 0) return null;
    const rows = await this.db.selectFrom('preview_sessions as p')
      .innerJoin('users as u', 'u.id', 'p.user_id')
      .innerJoin('workspaces as w', 'w.id', 'p.workspace_id')
      .leftJoin('sessions as s', 's.id_hash', 'p.portal_session_hash')
      .select(['p.id_hash', 'p.user_id', 'p.workspace_id', 'p.port', 'p.expires_at', 'p.portal_session_hash', 'u.active',
        'w.state', 'w.agent_id', 's.expires_at as portal_expires_at'])
      .select(workspaceScope({ userId: sql.ref('u.id'), role: sql.ref('u.role') }, 'connect', 'w').as('may_connect'))
      .where('p.id_hash', 'in', uncached).execute();
    for (const row of rows) {
      if (row.workspace_id !== workspaceId || row.port !== port || row.expires_at <= now) continue;
      if (!row.active || !row.may_connect) continue;
      if (row.state !== 'running' || !row.agent_id) continue;
      if (row.portal_session_hash && !(row.portal_expires_at && row.portal_expires_at > now)) continue;
      const grant = { userId: row.user_id, workspaceId, port, agentId: row.agent_id };
      if (this.cache.size >= maxCached) this.cache.clear();
      this.cache.set(row.id_hash, { until: now.getTime() + CHECK_CACHE_MS, grant });
      return grant;
    }
    return null;
  }
}

import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { hashSecret, newSecret } from '../ids.js';

const TOKEN_TTL_MS = 60_000;
/** A browser stays signed in to an app this long, while its portal session lives. */
const SESSION_MAX_MS = 12 * 60 * 60 * 1000;
/** How long a positive check is trusted: a deactivated member or a signed-out session loses the app within this. */
const CHECK_CACHE_MS = 2_000;
const maxCached = 10_000;
const maxCandidates = 256;

/**
 * Sign-in to "everyone signed in" apps, as previewAuth.ts does for previews: the portal
 * (where the member is signed in) issues a one-time token (60 s) for one app; the app's
 * origin redeems it for a session id in a host-only cookie there. Stored as SHA-256 hashes;
 * redeeming is one conditional UPDATE, so a token works once across replicas too. Every
 * request checks the session: for this app, unexpired, its member active, the portal
 * session it came from alive. Any active member may open an organization app.
 */
export class AppAuth {
  private readonly cache = new Map<string, { until: number; subdomain: string; userId: string }>();

  constructor(private readonly db: Database, private readonly clock: Clock) {}

  async issue(input: { userId: string; subdomain: string; portalSessionHash: string | null }): Promise<string> {
    const token = newSecret('apt');
    const now = this.clock.now();
    await this.db.deleteFrom('app_tokens').where('expires_at', '<', now).execute();
    await this.db.insertInto('app_tokens').values({
      token_hash: hashSecret(token), user_id: input.userId, subdomain: input.subdomain, portal_session_hash: input.portalSessionHash,
      expires_at: new Date(now.getTime() + TOKEN_TTL_MS), used_at: null,
    }).execute();
    return token;
  }

  /** Burns the token; a new session id when it was unused, unexpired and for this app. */
  async redeem(token: string, subdomain: string): Promise<string | null> {
    const now = this.clock.now();
    const row = await this.db.updateTable('app_tokens').set({ used_at: now })
      .where('token_hash', '=', hashSecret(token)).where('used_at', 'is', null)
      .returning(['user_id', 'subdomain', 'portal_session_hash', 'expires_at']).executeTakeFirst();
    if (!row || row.subdomain !== subdomain || row.expires_at <= now) return null;
    const sessionId = newSecret('aps');
    await this.db.deleteFrom('app_sessions').where('expires_at', '<', now).execute();
    await this.db.insertInto('app_sessions').values({
      id_hash: hashSecret(sessionId), user_id: row.user_id, subdomain, portal_session_hash: row.portal_session_hash,
      created_at: now, expires_at: new Date(now.getTime() + SESSION_MAX_MS),
    }).execute();
    return sessionId;
  }

  /** The member one of these session ids signs in to this app, if any (several: another app can plant a cookie of the same name here). */
  async check(sessionIds: readonly string[], subdomain: string): Promise<string | null> {
    const hashes = [...new Set(sessionIds)].slice(0, maxCandidates).map(hashSecret);
    if (hashes.length === 0) return null;
    const now = this.clock.now();
    const uncached: string[] = [];
    for (const idHash of hashes) {
      const cached = this.cache.get(idHash);
      if (cached && cached.until > now.getTime()) {
        if (cached.subdomain === subdomain) return cached.userId;
        continue;
      }
      this.cache.delete(idHash);
      uncached.push(idHash);
    }
    if (uncached.length === 0) return null;
    const rows = await this.db.selectFrom('app_sessions as a')
      .innerJoin('users as u', 'u.id', 'a.user_id')
      .leftJoin('sessions as s', 's.id_hash', 'a.portal_session_hash')
      .select(['a.id_hash', 'a.user_id', 'a.subdomain', 'a.expires_at', 'a.portal_session_hash', 'u.active', 's.expires_at as portal_expires_at'])
      .where('a.id_hash', 'in', uncached).execute();
    for (const row of rows) {
      if (row.subdomain !== subdomain || row.expires_at <= now || !row.active) continue;
      if (row.portal_session_hash && !(row.portal_expires_at && row.portal_expires_at > now)) continue;
      if (this.cache.size >= maxCached) this.cache.clear();
      this.cache.set(row.id_hash, { until: now.getTime() + CHECK_CACHE_MS, subdomain, userId: row.user_id });
      return row.user_id;
    }
    return null;
  }
}

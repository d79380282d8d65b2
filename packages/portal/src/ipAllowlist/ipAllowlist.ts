import type pino from 'pino';
import { parseCookie } from 'cookie';
import { z } from 'zod';
import { SESSION_COOKIE, type BlockedAttempt } from '@paddock/protocol';
import type { AuditLog } from '../audit/auditLog.js';
import type { Actor, UserActor } from '../auth/actor.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { ApiError, InputError } from '../errors.js';
import { hashSecret } from '../ids.js';
import { IpMatcher, parseCidrs, resolveClientIp } from './cidrs.js';

export const IP_ALLOWLIST_SETTING = 'ip_allowlist';
/** How many blocked attempts are kept (older ones are pruned). */
export const BLOCKED_ATTEMPTS_KEPT = 10_000;
/** Per address and minute, at most this many blocked attempts are stored (a flood must not fill the database). */
const STORED_PER_IP_PER_MINUTE = 30;
const PRUNE_EVERY = 100;

const storedSchema = z.object({
  cidrs: z.array(z.string()),
  trustedProxies: z.array(z.string()),
  updatedAt: z.string().nullable().default(null),
});
export type IpAllowlistRules = z.infer<typeof storedSchema>;

const EMPTY: IpAllowlistRules = { cidrs: [], trustedProxies: [], updatedAt: null };

export class IpNotAllowedError extends ApiError {
  constructor() { super(403, 'ip_not_allowed', 'your network address is not allowed to reach this portal'); }
}
export class WouldLockOutError extends ApiError {
  constructor(ip: string) { super(409, 'would_lock_out', `these rules would block your own address ${ip}; add it (or its network) first`); }
}

interface Compiled { rules: IpAllowlistRules; allowed: IpMatcher; trusted: IpMatcher }

/**
 * Stored rules were validated when written. A row edited by hand that no longer
 * parses keeps a non-empty list that matches nothing: everyone is refused rather
 * than let in (`paddock admin reset-ip-allowlist` is the way back).
 */
function compile(rules: IpAllowlistRules): Compiled {
  const allowed = parseCidrs(rules.cidrs);
  const trusted = parseCidrs(rules.trustedProxies);
  return {
    rules,
    allowed: new IpMatcher('cidrs' in allowed ? allowed.cidrs : []),
    trusted: new IpMatcher('cidrs' in trusted ? trusted.cidrs : []),
  };
}

function validate(input: { cidrs: string[]; trustedProxies: string[] }) {
  for (const [field, entries] of [['cidrs', input.cidrs], ['trustedProxies', input.trustedProxies]] as const) {
    const parsed = parseCidrs(entries);
    if ('error' in parsed) throw new InputError(`${field}: ${parsed.error}`);
  }
}

/** The session cookie's value from a raw Cookie header (this runs before the cookie plugin), read as that plugin reads it. */
function sessionCookie(header: string | undefined): string | undefined {
  return header ? parseCookie(header)[SESSION_COOKIE] : undefined;
}

export interface RequestAddress { peer: string; forwardedFor: string | string[] | undefined }

/**
 * The IP allowlist: CIDR rules checked on every request the portal serves (API,
 * web app, WebSocket upgrades, event streams). Rules are cached in memory,
 * reloaded at once on change here and every few seconds from the database (for
 * other replicas and `paddock admin reset-ip-allowlist`). An empty list lets
 * everyone in. Refused requests are logged and kept (bounded) for admins.
 */
export class IpAllowlist {
  private compiled: Compiled = compile(EMPTY);
  private timer: NodeJS.Timeout | undefined;
  private window = { startedAt: 0, perIp: new Map<string, number>() };
  private insertsSincePrune = 0;

  constructor(private readonly db: Database, private readonly clock: Clock, private readonly audit: AuditLog, private readonly log: pino.Logger) {}

  get rules(): IpAllowlistRules { return this.compiled.rules; }

  async load(): Promise<void> {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', IP_ALLOWLIST_SETTING).executeTakeFirst();
    const parsed = row ? storedSchema.safeParse(row.value) : { success: true as const, data: EMPTY };
    this.compiled = compile(parsed.success ? parsed.data : { cidrs: ['(invalid)'], trustedProxies: [], updatedAt: null });
  }

  /** Re-reads the rules every `everyMs`; a failed read keeps the rules in force. */
  startRefreshing(everyMs = 3_000): void {
    this.timer = setInterval(() => void this.load().catch((err: unknown) => this.log.error({ err }, 'reloading the IP allowlist failed')), everyMs);
    this.timer.unref();
  }

  stop(): void { clearInterval(this.timer); }

  /** Whether a TCP peer is one of the configured trusted proxies (Fastify's trustProxy, for req.ip everywhere). */
  isTrustedProxy(address: string): boolean { return this.compiled.trusted.matches(address); }

  /** The client's address and whether it may connect. */
  check(address: RequestAddress): { ip: string; allowed: boolean } {
    const { allowed, trusted, rules } = this.compiled;
    const ip = resolveClientIp(address.peer, address.forwardedFor, trusted);
    return { ip, allowed: rules.cidrs.length === 0 || allowed.matches(ip) };
  }

  /**
   * Replaces the rules. Refused when they would block the admin making the change
   * (judged from this very request, as the new rules would see it): an admin can
   * never lock themselves, and so the last admin, out through the API.
   */
  async update(input: { cidrs: string[]; trustedProxies: string[] }, from: RequestAddress, by: UserActor): Promise<IpAllowlistRules> {
    validate(input);
    const rules: IpAllowlistRules = { cidrs: input.cidrs, trustedProxies: input.trustedProxies, updatedAt: this.clock.now().toISOString() };
    const next = compile(rules);
    const ip = resolveClientIp(from.peer, from.forwardedFor, next.trusted);
    if (rules.cidrs.length > 0 && !next.allowed.matches(ip)) throw new WouldLockOutError(ip);
    await this.save(rules, { actor: by }, 'ip_allowlist.update');
    this.compiled = next;
    return rules;
  }

  /** Break-glass: clears every rule (`paddock admin reset-ip-allowlist`, audited as the operator). */
  async reset(by: Actor): Promise<void> {
    await this.save({ ...EMPTY, updatedAt: this.clock.now().toISOString() }, { actor: by }, 'ip_allowlist.reset');
    this.compiled = compile(EMPTY);
  }

  private async save(rules: IpAllowlistRules, actor: { actor: Actor }, action: string) {
    const now = this.clock.now();
    const value = JSON.stringify(rules);
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('settings').values({ key: IP_ALLOWLIST_SETTING, value, updated_at: now })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now })).execute();
      await this.audit.append({
        ...actor, action, targetType: 'setting', targetId: IP_ALLOWLIST_SETTING, outcome: 'success',
        detail: { cidrs: rules.cidrs, trustedProxies: rules.trustedProxies },
      }, tx);
    });
  }

  /**
   * Logs and stores a refused request, with the user when a token or session
   * cookie names one (looked up read-only: a blocked request keeps no session alive).
   */
  async recordBlocked(attempt: { ip: string; method: string; path: string; authorization: string | undefined; cookie: string | undefined }): Promise<void> {
    const now = this.clock.now();
    if (now.getTime() - this.window.startedAt > 60_000) this.window = { startedAt: now.getTime(), perIp: new Map() };
    const seen = this.window.perIp.get(attempt.ip) ?? 0;
    if (seen >= STORED_PER_IP_PER_MINUTE || (seen === 0 && this.window.perIp.size >= 10_000)) return;
    this.window.perIp.set(attempt.ip, seen + 1);

    const user = await this.userOf(attempt.authorization, attempt.cookie);
    const path = attempt.path.split('?')[0]!.slice(0, 500);
    this.log.warn({ ip: attempt.ip, method: attempt.method, path, userId: user?.id ?? null, suppressedAfter: seen + 1 === STORED_PER_IP_PER_MINUTE ? STORED_PER_IP_PER_MINUTE : undefined }, 'request refused by the IP allowlist');
    await this.db.insertInto('ip_blocked_attempts').values({
      at: now, ip: attempt.ip.slice(0, 100), method: attempt.method.slice(0, 16), path, user_id: user?.id ?? null, user_email: user?.email ?? null,
    }).execute();
    if (++this.insertsSincePrune >= PRUNE_EVERY) {
      this.insertsSincePrune = 0;
      await this.prune();
    }
  }

  async prune(keep = BLOCKED_ATTEMPTS_KEPT): Promise<void> {
    const newest = await this.db.selectFrom('ip_blocked_attempts').select((eb) => eb.fn.max('id').as('max')).executeTakeFirst();
    const max = Number(newest?.max ?? 0);
    if (max > keep) await this.db.deleteFrom('ip_blocked_attempts').where('id', '<=', max - keep).execute();
  }

  async listBlocked(limit: number): Promise<BlockedAttempt[]> {
    const rows = await this.db.selectFrom('ip_blocked_attempts').selectAll().orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      id: Number(r.id), at: r.at.toISOString(), ip: r.ip, method: r.method, path: r.path, userId: r.user_id, userEmail: r.user_email,
    }));
  }

  private async userOf(authorization: string | undefined, cookie: string | undefined): Promise<{ id: string; email: string } | undefined> {
    const bearer = authorization && /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (bearer) {
      return this.db.selectFrom('api_tokens').innerJoin('users', 'users.id', 'api_tokens.user_id')
        .select(['users.id', 'users.email']).where('api_tokens.token_hash', '=', hashSecret(bearer)).executeTakeFirst();
    }
    const session = sessionCookie(cookie);
    if (session) {
      return this.db.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id')
        .select(['users.id', 'users.email']).where('sessions.id_hash', '=', hashSecret(session)).executeTakeFirst();
    }
    return undefined;
  }
}

/** `paddock admin reset-ip-allowlist`: works with the portal down or unreachable, straight on the database. */
export async function resetIpAllowlist(options: { db: Database; clock: Clock; audit: AuditLog; log: pino.Logger; by: Actor }): Promise<void> {
  await new IpAllowlist(options.db, options.clock, options.audit, options.log).reset(options.by);
}

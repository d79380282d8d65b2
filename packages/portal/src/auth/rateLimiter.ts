import { sql } from 'kysely';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { RateLimitedError } from '../errors.js';

/** Expired windows are deleted at most this often per limiter (an expired row counts as no row). */
const SWEEP_EVERY_MS = 60_000;

/**
 * A fixed-window attempt counter per key, kept in the database so that every
 * portal replica shares it. `consume` counts an attempt and answers whether it
 * may go ahead in ONE statement (INSERT … ON CONFLICT DO UPDATE … RETURNING):
 * PostgreSQL holds the row's lock for the update, so parallel attempts on any
 * replica are counted one after another and at most `limit` of them pass in a
 * window. Callers consume BEFORE the expensive or guessable work (argon2).
 *
 * The window starts at a key's first attempt and ends `windowMs` later whatever
 * happens meanwhile: attempts refused during it don't extend it, so a guesser can
 * hold an account back for at most one window after they stop.
 *
 * Why not rate-limiter-flexible's PostgreSQL store, which DESIGN.md names: it
 * does not fit our two engines cleanly. It keeps time with Date.now(), not the
 * portal's injected clock (the tests' fake clock could no longer end a window); it
 * sends pg-style query objects straight to a pg Pool or Client, while PGlite is a
 * single session shared through Kysely's queue (a query sent beside that queue
 * lands inside whichever transaction is open there, and rolls back with it); it
 * creates its own table at construction, outside our migrations; and its
 * varchar(255) key is shorter than an email address plus a prefix may be.
 * Its upsert is the same one statement as ours.
 */
export class AttemptLimiter {
  private lastSweep = 0;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    /** Names the counter (its rows), e.g. `sign_in:address`. */
    private readonly scope: string,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one attempt for `key`; throws RateLimitedError (with the seconds left) once the window is used up. */
  async consume(key: string): Promise<void> {
    const now = this.clock.now();
    await this.sweep(now);
    const row = await this.db.insertInto('rate_limit_windows')
      .values({ scope: this.scope, key, attempts: 1, window_ends_at: new Date(now.getTime() + this.windowMs) })
      .onConflict((oc) => oc.columns(['scope', 'key']).doUpdateSet({
        // The SET expressions see the row as it was: a window that has ended starts again at 1.
        // Counting stops one past the limit, so a flood can't overflow the column.
        attempts: sql<number>`case when rate_limit_windows.window_ends_at <= ${now} then 1
          else least(rate_limit_windows.attempts + 1, ${this.limit + 1}) end`,
        window_ends_at: sql<Date>`case when rate_limit_windows.window_ends_at <= ${now} then excluded.window_ends_at
          else rate_limit_windows.window_ends_at end`,
      }))
      .returning(['attempts', 'window_ends_at'])
      .executeTakeFirstOrThrow();
    if (row.attempts > this.limit) {
      throw new RateLimitedError(Math.max(1, Math.ceil((row.window_ends_at.getTime() - now.getTime()) / 1000)));
    }
  }

  /** Forgets `key`'s window (a successful sign-in clears the account's failures). */
  async reset(key: string): Promise<void> {
    await this.db.deleteFrom('rate_limit_windows').where('scope', '=', this.scope).where('key', '=', key).execute();
  }

  private async sweep(now: Date): Promise<void> {
    if (now.getTime() - this.lastSweep < SWEEP_EVERY_MS && now.getTime() >= this.lastSweep) return;
    this.lastSweep = now.getTime();
    await this.db.deleteFrom('rate_limit_windows').where('scope', '=', this.scope).where('window_ends_at', '<=', now).execute();
  }
}

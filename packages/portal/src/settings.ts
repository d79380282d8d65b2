import type { Transaction } from 'kysely';
import type { z } from 'zod';
import type { Clock } from './clock.js';
import type { Database } from './db/database.js';
import type { Tables } from './db/schema.js';

/** Org-wide settings, one validated JSON value per key, with a default when unset. */
export class Settings {
  constructor(private readonly db: Database, private readonly clock: Clock) {}

  async get<T>(key: string, schema: z.ZodType<T>, fallback: T): Promise<T> {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    if (!row) return fallback;
    const parsed = schema.safeParse(row.value);
    return parsed.success ? parsed.data : fallback;
  }

  /** Within `tx` when given, so a change commits with its audit record or not at all. */
  async set<T>(key: string, value: T, tx: Database | Transaction<Tables> = this.db): Promise<void> {
    const json = JSON.stringify(value);
    const now = this.clock.now();
    await tx.insertInto('settings').values({ key, value: json, updated_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: now })).execute();
  }
}

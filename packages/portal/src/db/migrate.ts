import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';

const migrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url));

export interface Migration { version: number; name: string; sql: string }

/** The SQL migrations shipped with the portal, in order: NNNN_name.sql. */
export function loadMigrations(): Migration[] {
  return readdirSync(migrationsDir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: readFileSync(migrationsDir + file, 'utf8'),
    }));
}

/**
 * Applies pending migrations (up to `upTo`: a fixture of an older schema is made that way), each in its own transaction. An advisory lock keeps
 * two portal replicas starting together from applying the same one twice.
 */
export async function migrate(db: Kysely<any>, options: { upTo?: number } = {}): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(7345621)`.execute(tx);
    await sql`create table if not exists schema_migrations (
      version int primary key, name text not null, applied_at timestamptz not null default now())`.execute(tx);
    const applied = new Set(
      (await sql<{ version: number }>`select version from schema_migrations`.execute(tx)).rows.map((r) => r.version),
    );
    for (const m of loadMigrations()) {
      if (applied.has(m.version) || (options.upTo !== undefined && m.version > options.upTo)) continue;
      await sql.raw(m.sql).execute(tx);
      await sql`insert into schema_migrations (version, name) values (${m.version}, ${m.name})`.execute(tx);
    }
  });
}

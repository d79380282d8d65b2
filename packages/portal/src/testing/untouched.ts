import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/** Every file under a directory with its size, sorted: "nothing was changed" is checked against this. */
export function filesWithSizes(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => { const p = join(e.parentPath, e.name); return `${p.slice(dir.length)}:${statSync(p).size}`; })
    .sort();
}

/** How many tables a PostgreSQL database has in its public schema (0 for none given: a PGlite run). */
export async function publicTables(url: string | undefined): Promise<number> {
  if (!url) return 0;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>(`select count(*) as n from pg_tables where schemaname = 'public'`)).rows[0]!.n);
  } finally {
    await c.end();
  }
}

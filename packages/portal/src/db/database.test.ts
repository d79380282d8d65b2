import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import { engineSpecific } from '../testing/engineSpecific.js';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase.js';

describe('database', () => {
  let t: TestDatabase;
  afterAll(async () => { await t?.close(); });

  it('applies migrations once and keeps the audit log append-only', async () => {
    t = await openTestDatabase();
    const versions = await t.db.selectFrom('schema_migrations').select('version').execute();
    expect(versions.map((v) => v.version)).toContain(1);
    // running migrate again changes nothing
    const { migrate } = await import('./migrate.js');
    await migrate(t.db);
    expect(await t.db.selectFrom('schema_migrations').select('version').execute()).toHaveLength(versions.length);

    await t.db.insertInto('audit_log').values({
      id: 1, at: new Date(), actor_id: null, actor_email: null, action: 'x', target_type: null,
      target_id: null, blueprint_id: null, outcome: 'success', detail: '{}', prev_hash: '', hash: 'h',
    }).execute();
    await expect(sql`update audit_log set action = 'y'`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log`.execute(t.db)).rejects.toThrow(/append-only/);
    const row = await t.db.selectFrom('audit_log').selectAll().executeTakeFirstOrThrow();
    expect(row.id).toBe(1);
    expect(row.at).toBeInstanceOf(Date);
    expect(row.detail).toEqual({});
  });

  engineSpecific('postgres', 'PGlite runs inside the process, so it has no connections for a server to end', () => {
    it('survives the server ending its connections (restart, failover) and keeps answering', async () => {
      const pgt = await openTestDatabase();
      try {
        // A few idle connections in the pool.
        await Promise.all(Array.from({ length: 4 }, () => sql`select pg_sleep(0.05)`.execute(pgt.db)));
        const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(pgt.db);
        const admin = new pg.Client({ connectionString: process.env.PADDOCK_TEST_PG_URL });
        await admin.connect();
        const ended = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [rows[0]!.name]);
        await admin.end();
        expect(ended.rowCount).toBeGreaterThan(0);
        await new Promise((r) => setTimeout(r, 200));
        const after = await sql<{ one: number }>`select 1 as one`.execute(pgt.db);
        expect(after.rows[0]!.one).toBe(1);
      } finally {
        await pgt.close();
      }
    });
  });
});

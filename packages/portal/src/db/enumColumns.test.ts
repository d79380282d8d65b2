import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase.js';
import { enumColumns } from './enumColumns.js';

describe('enum columns', () => {
  let t: TestDatabase;
  beforeAll(async () => { t = await openTestDatabase(); });
  afterAll(async () => { await t.close(); });

  it('are exactly the columns the migrations hold to a list, with the same values as their types', async () => {
    const { rows } = await sql<{ table_name: string; definition: string }>`
      select c.conrelid::regclass::text as table_name, pg_get_constraintdef(c.oid) as definition
      from pg_constraint c join pg_namespace n on n.oid = c.connamespace
      where c.contype = 'c' and n.nspname = current_schema()`.execute(t.db);
    const lists: Record<string, string[]> = {};
    for (const r of rows) {
      // PostgreSQL writes `x in ('a', 'b')` back as CHECK ((x = ANY (ARRAY['a'::text, 'b'::text]))).
      const m = /^CHECK \(\((\w+) = ANY \(ARRAY\[(.*)\]\)\)\)$/.exec(r.definition);
      if (!m) continue;
      lists[`${r.table_name}.${m[1]}`] = [...m[2]!.matchAll(/'([^']*)'::text/g)].map((v) => v[1]!).sort();
    }
    expect(Object.keys(lists).length).toBeGreaterThan(5);
    expect(lists).toEqual(Object.fromEntries(Object.entries(enumColumns).map(([column, values]) => [column, [...values].map(String).sort()])));
  });

  it('refuse a value outside the list at the database too', async () => {
    await expect(sql`insert into groups (id, display_name, source, created_at, updated_at) values ('g1', 'G', 'ldap', now(), now())`.execute(t.db))
      .rejects.toThrow(/groups_source_check/);
  });
});

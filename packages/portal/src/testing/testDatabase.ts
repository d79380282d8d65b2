import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../db/database.js';

export type TestEngine = 'pglite' | 'postgres';

/** The engine of this test pass: scripts/test.mjs runs everything on PGlite, then the data layer again on PostgreSQL. */
export function testEngine(): TestEngine {
  return process.env.PADDOCK_TEST_DB === 'postgres' ? 'postgres' : 'pglite';
}

export interface TestDatabase {
  db: Database;
  engine: TestEngine;
  /** PostgreSQL only: the throwaway database's URL, for a second portal or a CLI run on the same data. */
  url?: string;
  close(): Promise<void>;
}

/**
 * A fresh, empty database for one test file. The engine follows PADDOCK_TEST_DB:
 * `postgres` creates a throwaway database on the server at PADDOCK_TEST_PG_URL
 * (scripts/test.mjs provides one); anything else uses in-memory PGlite.
 */
export async function openTestDatabase(): Promise<TestDatabase> {
  if (testEngine() === 'pglite') {
    const db = await openDatabase({});
    return { db, engine: 'pglite', close: () => db.destroy() };
  }
  const serverUrl = process.env.PADDOCK_TEST_PG_URL;
  if (!serverUrl) throw new Error('PADDOCK_TEST_DB=postgres needs PADDOCK_TEST_PG_URL');
  const name = `paddock_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString() });
  return {
    db,
    engine: 'postgres',
    url: url.toString(),
    close: async () => {
      await db.destroy();
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

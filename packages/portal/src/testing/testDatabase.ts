import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../db/database.js';

export type TestEngine = 'pglite' | 'postgres';

/** The engine of this test pass: scripts/test.mjs runs everything on PGlite, then the data layer again on PostgreSQL. */
export function testEngine(): TestEngine {
  return process.env.PADDOCK_TEST_DB === 'postgres' ? 'postgres' : 'pglite';
}

/** The PostgreSQL server of the PostgreSQL pass (PADDOCK_TEST_PG_URL; scripts/test.mjs provides one). */
export function testPostgresServer(): string {
  const url = process.env.PADDOCK_TEST_PG_URL;
  if (!url) throw new Error('the PostgreSQL pass needs PADDOCK_TEST_PG_URL');
  return url;
}

/** A new, empty database on a PostgreSQL server (default: the test pass's): its URL, and the way to drop it. */
export async function scratchPostgresDatabase(prefix: string, serverUrl = testPostgresServer()): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
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
  const scratch = await scratchPostgresDatabase('paddock_test');
  const db = await openDatabase({ url: scratch.url });
  return {
    db,
    engine: 'postgres',
    url: scratch.url,
    close: async () => {
      await db.destroy();
      await scratch.drop();
    },
  };
}

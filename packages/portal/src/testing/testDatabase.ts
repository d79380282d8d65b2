import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { embeddedPGlite, openDatabase, type Database } from '../db/database.js';
import { loadMigrations } from '../db/migrate.js';
import { seedHandsOffResourcePolicy } from './handsOffPolicy.js';

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
    const db = await openMigratedPGlite();
    await seedHandsOffResourcePolicy(db);
    return { db, engine: 'pglite', close: () => db.destroy() };
  }
  const scratch = await scratchPostgresDatabase('paddock_test');
  const db = await openDatabase({ url: scratch.url });
  await seedHandsOffResourcePolicy(db);
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

/**
 * An empty, migrated in-memory PGlite. Its own start (initdb, in WASM) and the migrations take
 * 1.5 to 2 s, and nearly every test file opens one: with PADDOCK_TEST_PGLITE_SNAPSHOTS set to a
 * directory (scripts/test.mjs gives each run its own), the first database opened is saved there
 * once migrated, and the next ones start from that copy (measured: 2.1 s fresh, 0.5 s from the
 * copy, on a loaded 2-core machine). The copy is named after the migrations it holds; migrate
 * runs on it all the same (and applies nothing). Migrations from scratch are still tested: the
 * first database of a run, and db/database.test.ts and the schema fixtures, which open their own.
 */
async function openMigratedPGlite(): Promise<Database> {
  const dir = process.env.PADDOCK_TEST_PGLITE_SNAPSHOTS;
  if (!dir) return openDatabase({});
  const hash = createHash('sha256');
  for (const m of loadMigrations()) hash.update(`${m.version} ${m.name}\n${m.sql}\n`);
  const file = join(dir, `migrated-${hash.digest('hex').slice(0, 16)}.tar`);
  if (existsSync(file)) return openDatabase({ pgliteSnapshot: new Blob([readFileSync(file)]) });
  const db = await openDatabase({});
  const copy = await embeddedPGlite(db)!.pglite.dumpDataDir('none');
  // Whole or not at all: a file being written is never read as the copy.
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, Buffer.from(await copy.arrayBuffer()));
  renameSync(partial, file);
  return db;
}

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect, type KyselyPlugin } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { restrictToOwner } from '../ownerOnly.js';
import { PGliteDialect } from './pgliteDialect.js';
import { lockDataDir } from './dataDirLock.js';
import { migrate } from './migrate.js';
import type { Tables } from './schema.js';

export type Database = Kysely<Tables>;

export interface DatabaseOptions {
  /** A PostgreSQL URL; when unset, PGlite stores the database in `pgliteDir`. */
  url?: string;
  /** PGlite's data directory; undefined with no url means in memory (tests). */
  pgliteDir?: string;
  /**
   * Told when an idle PostgreSQL connection fails (server restart, failover, an
   * administrator's terminate): the pool drops it and opens another when needed.
   */
  onConnectionError?: (err: Error) => void;
  /** Stop at this migration (making a fixture of an older schema); default: all of them. */
  migrateUpTo?: number;
  /** In memory only: start from this copy of a data directory (PGlite's dumpDataDir) rather than an empty one (tests). */
  pgliteSnapshot?: Blob;
}

/** Bigint columns come back as numbers on both engines (ids stay far below 2^53). */
const pgTypes = new pg.TypeOverrides();
pgTypes.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

/** Opens the database and brings its schema up to date. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let db: Database;
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, types: pgTypes, max: 10 });
    // Without a listener, an idle connection's error would be thrown and end the process.
    pool.on('error', (err) => options.onConnectionError?.(err));
    db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  } else {
    // Before PGlite touches the directory: a second opener would wreck the first one's database.
    const lock = options.pgliteDir ? lockDataDir(options.pgliteDir) : undefined;
    let pglite: PGlite;
    try {
      pglite = await openPGlite(options.pgliteDir, options.pgliteSnapshot);
    } catch (err) {
      lock?.release();
      throw err;
    }
    db = new Kysely<Tables>({ dialect: new PGliteDialect(pglite, () => lock?.release()) });
    embedded.set(db, { pglite, dir: options.pgliteDir });
  }
  try {
    await migrate(db, { upTo: options.migrateUpTo });
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return db;
}

const embedded = new WeakMap<Database, { pglite: PGlite; dir: string | undefined }>();

/**
 * The PGlite behind a database opened here (undefined for PostgreSQL), for what
 * only PGlite itself can do: copy its data directory for a backup.
 */
export function embeddedPGlite(db: Database): { pglite: PGlite; dir: string | undefined } | undefined {
  return embedded.get(db);
}

/** The same database with a plugin on every query (metrics' timing); still known as embedded. */
export function withQueryPlugin(db: Database, plugin: KyselyPlugin): Database {
  const wrapped = db.withPlugin(plugin);
  const e = embedded.get(db);
  if (e) embedded.set(wrapped, e);
  return wrapped;
}

/**
 * The portal's database holds configuration only: PostgreSQL's default 128 MB
 * of shared buffers would just grow the process (measured: ~100 MiB more RSS).
 */
const PGLITE_CONF = ['shared_buffers=32MB'];

async function openPGlite(dir: string | undefined, snapshot: Blob | undefined): Promise<PGlite> {
  const open = () => new PGlite(dir, { postgresqlconf: PGLITE_CONF });
  if (!dir) return new PGlite({ postgresqlconf: PGLITE_CONF, ...(snapshot ? { loadDataDir: snapshot } : {}) });
  // The database is the portal's user's only (a data dir created here is too).
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const fresh = !existsSync(join(dir, 'PG_VERSION'));
  let pglite = open();
  if (fresh) {
    // A first start runs initdb inside PGlite's WASM heap, which never shrinks:
    // reopen, so the portal does not carry initdb's peak (~450 MiB) for good.
    await pglite.waitReady;
    await pglite.close();
    pglite = open();
  }
  // initdb's files come out 0666 (PostgreSQL's own later files are 0600): tighten
  // them once the database is ready, on every start, so older data dirs heal too.
  await pglite.waitReady;
  restrictToOwner(dir);
  return pglite;
}

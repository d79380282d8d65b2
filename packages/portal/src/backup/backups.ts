import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { AuditLog, type VerifyResult } from '../audit/auditLog.js';
import type { Clock } from '../clock.js';
import { embeddedPGlite, openDatabase, type Database } from '../db/database.js';
import { lockDataDir } from '../db/dataDirLock.js';
import { loadMigrations } from '../db/migrate.js';
import { parseMasterKey, writeMasterKeyFile, type MasterKeyOptions } from '../secrets/masterKeys.js';
import { SecretBox, type MasterKey } from '../secrets/secretBox.js';
import { secretContext } from '../secrets/secrets.js';
import { openBackupArchive, scratchDir, writeBackupArchive, type BackupManifest } from './backupArchive.js';
import { pgConnection, postgresMajor, requirePgTool, runPgTool } from './postgresTools.js';
import { portalVersion } from '../version.js';
import { currentOperator } from '../auth/actor.js';

export interface CreateBackupOptions {
  db: Database;
  /** With PostgreSQL: the URL pg_dump connects to (the database `db` is). */
  databaseUrl?: string | undefined;
  clock: Clock;
  /** Also put the master key(s) in the file. Off unless asked for: the file then opens every secret. */
  includeMasterKey?: boolean;
  keys: MasterKeyOptions;
}

/** What a backup must agree on with the database it copies: read in the same snapshot as the copy. */
async function readFacts(db: Kysely<any>): Promise<{ schemaVersion: number; keyIds: string[]; engineVersion: string }> {
  const version = await sql<{ v: number | null }>`select max(version) as v from schema_migrations`.execute(db);
  const keys = await sql<{ id: string }>`select distinct master_key_id as id from secrets order by 1`.execute(db);
  const engine = await sql<{ v: string }>`select version() as v`.execute(db);
  return { schemaVersion: Number(version.rows[0]?.v ?? 0), keyIds: keys.rows.map((r) => r.id), engineVersion: engine.rows[0]?.v ?? '' };
}

/**
 * Writes a backup of the portal's database to `file` (0600, replaced atomically),
 * online: with PGlite, from inside the process that has it open, between two
 * transactions after a checkpoint; with PostgreSQL, pg_dump in the snapshot of a
 * read-only transaction that also reads the manifest's facts.
 */
export async function createBackup(file: string, opts: CreateBackupOptions): Promise<BackupManifest> {
  const work = scratchDir('dump');
  try {
    const payloadFile = join(work, 'payload');
    const embedded = embeddedPGlite(opts.db);
    let engine: 'pglite' | 'postgres';
    let facts: Awaited<ReturnType<typeof readFacts>>;
    let dumpToolVersion: string | undefined;
    if (embedded) {
      engine = 'pglite';
      // One connection is all PGlite has: holding it means no transaction is open while the files are copied.
      facts = await opts.db.connection().execute(async (conn) => {
        await sql`checkpoint`.execute(conn);
        const f = await readFacts(conn);
        const tarball = await embedded.pglite.dumpDataDir('gzip');
        writeFileSync(payloadFile, Buffer.from(await tarball.arrayBuffer()), { mode: 0o600 });
        return f;
      });
    } else {
      engine = 'postgres';
      if (!opts.databaseUrl) throw new Error('a PostgreSQL backup needs DATABASE_URL');
      const conn = pgConnection(opts.databaseUrl);
      const server = await sql<{ v: string }>`select version() as v`.execute(opts.db);
      dumpToolVersion = await requirePgTool('pg_dump', postgresMajor(server.rows[0]?.v ?? ''), 'the server it would dump');
      facts = await opts.db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(async (tx) => {
        const { rows } = await sql<{ snapshot: string }>`select pg_export_snapshot() as snapshot`.execute(tx);
        const f = await readFacts(tx);
        await runPgTool('pg_dump', ['--format=custom', '--no-owner', '--no-acl', `--snapshot=${rows[0]!.snapshot}`, '--file', payloadFile, ...conn.args], conn.env);
        return f;
      });
    }
    let masterKeyFile: string | undefined;
    if (opts.includeMasterKey) {
      masterKeyFile = join(work, 'master.key');
      writeFileSync(masterKeyFile, configuredKeys(opts.keys).map((k) => `${k.key.toString('base64')}\n`).join(''), { mode: 0o600 });
    }
    return await writeBackupArchive(file, {
      manifest: {
        paddockBackup: 1, engine, createdAt: opts.clock.now().toISOString(), schemaVersion: facts.schemaVersion,
        engineVersion: facts.engineVersion, paddockVersion: portalVersion, ...(dumpToolVersion ? { dumpToolVersion } : {}),
        masterKey: { keyIds: facts.keyIds },
      },
      payloadFile,
      ...(masterKeyFile ? { masterKeyFile } : {}),
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The master keys a portal with these settings would use, without creating a key file. */
function configuredKeys(keys: MasterKeyOptions): MasterKey[] {
  if (keys.envKey) return [keys.envKey, ...(keys.envPrevious ?? '').split(',')].filter((s) => s.trim()).map(parseMasterKey);
  if (!existsSync(keys.keyFile)) return [];
  return readFileSync(keys.keyFile, 'utf8').split('\n').filter((l) => l.trim()).map(parseMasterKey);
}

export interface RestoreOptions {
  /** The data dir to restore into (its pglite/ with the embedded database; its master.key either way). */
  dataDir: string;
  /** Restore into this PostgreSQL database instead (it must be empty, or `force`). */
  databaseUrl?: string | undefined;
  keys: MasterKeyOptions;
  /** Replace a database that already holds data (PGlite: the old one is kept beside it). */
  force?: boolean;
  clock: Clock;
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** Where the database that was there before went (PGlite with force). */
  movedAside: string | undefined;
  /** The master key file written from the backup, if it carried the key and none was configured. */
  keyFileWritten: string | undefined;
  /** Secrets that decrypted with the configured keys (every one, or restore fails). */
  secrets: number;
  audit: VerifyResult;
}

export class RestoreRefusedError extends Error {
  constructor(message: string) {
    super(`${message}; nothing was changed`);
    this.name = 'RestoreRefusedError';
  }
}

/**
 * Restores a backup made by createBackup. Everything is checked before the
 * target changes: the file (checksums), the engine, the schema version, that the
 * configured master keys open the backup's secrets, that no portal has the
 * database open, and that the target is empty (unless `force`). The copy is then
 * brought up to this version's schema, its audit chain verified, every secret
 * opened, and the restore itself appended to the audit trail as `system`.
 */
export async function restoreBackup(file: string, opts: RestoreOptions): Promise<RestoreResult> {
  const backup = await openBackupArchive(file);
  try {
    const { manifest } = backup;
    const newest = loadMigrations().at(-1)?.version ?? 0;
    if (manifest.schemaVersion > newest) {
      throw new RestoreRefusedError(`this backup is of schema version ${manifest.schemaVersion}, newer than this Paddock knows (${newest}): restore it with the version that made it, or newer`);
    }
    if (manifest.engine === 'postgres' && !opts.databaseUrl) {
      throw new RestoreRefusedError('this is a backup of a PostgreSQL database: set DATABASE_URL to the database to restore into');
    }
    if (manifest.engine === 'pglite' && opts.databaseUrl) {
      throw new RestoreRefusedError('this is a backup of the embedded database (PGlite): unset DATABASE_URL to restore it into PADDOCK_DATA_DIR');
    }

    // The keys the restored portal will use: the configured ones, else the ones the backup carries.
    const configured = configuredKeys(opts.keys);
    const carried = backup.masterKeyFile ? readFileSync(backup.masterKeyFile, 'utf8').split('\n').filter((l) => l.trim()).map(parseMasterKey) : [];
    const keys = configured.length ? configured : carried;
    const missing = manifest.masterKey.keyIds.filter((id) => !keys.some((k) => k.id === id));
    if (missing.length) {
      throw new RestoreRefusedError(`the backup's secrets are wrapped by master key ${missing.join(', ')}, which ${keys.length ? `is not among the keys configured here (${keys.map((k) => k.id).join(', ')})` : 'is not configured here'}: `
        + (missing.every((id) => carried.some((k) => k.id === id))
          ? `the backup carries the key it needs, but a configured key comes first: move ${opts.keys.keyFile} aside (or unset PADDOCK_MASTER_KEY) to use the backup's`
          : `put the key file you kept at ${opts.keys.keyFile} or set PADDOCK_MASTER_KEY (the key is not in the backup unless it was made with --include-master-key)`));
    }
    const writeKeyFile = !configured.length && carried.length ? opts.keys.keyFile : undefined;
    const box = keys.length ? new SecretBox(keys[0]!, keys.slice(1)) : undefined;

    const done = manifest.engine === 'pglite'
      ? await restorePGlite(backup.payloadFile, opts, box, manifest, () => writeKeyFile && writeMasterKeyFile(writeKeyFile, carried))
      : await restorePostgres(backup.payloadFile, opts, box, manifest, () => writeKeyFile && writeMasterKeyFile(writeKeyFile, carried));
    return { manifest, keyFileWritten: writeKeyFile, ...done };
  } finally {
    backup.dispose();
  }
}

type Restored = Pick<RestoreResult, 'movedAside' | 'secrets' | 'audit'>;

type SecretRow = { scope: string; name: string; ciphertext: string; wrapped_key: string; master_key_id: string };

/** Opens every secret of a backup with the keys the restored portal will have; the first that doesn't open is named. */
function openEverySecret(rows: SecretRow[], box: SecretBox | undefined): void {
  if (rows.length && !box) throw new Error('the backup holds secrets but no master key is configured');
  for (const r of rows) {
    try {
      box!.open({ ciphertext: r.ciphertext, wrappedKey: r.wrapped_key, masterKeyId: r.master_key_id }, secretContext(r.scope, r.name));
    } catch (err) {
      throw new Error(`the secret ${r.scope}/${r.name} in the backup does not open with the configured master keys (${err instanceof Error ? err.message : String(err)})`);
    }
  }
}

/** The rows of one table's COPY … FROM stdin block in a pg_restore script (COPY's text format). */
function copyRows(script: string, table: string): Record<string, string | null>[] {
  const lines = script.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`COPY public.${table} (`));
  if (start < 0) return [];
  const columns = /\((.*)\) FROM stdin;$/.exec(lines[start]!)![1]!.split(', ').map((c) => c.replace(/^"|"$/g, ''));
  const unescape = (v: string) => (v === '\\N' ? null : v.replace(/\\(.)/g, (_m, c: string) => ({ t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', v: '\v' })[c] ?? c));
  const rows: Record<string, string | null>[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line === '\\.') break;
    const values = line.split('\t').map(unescape);
    rows.push(Object.fromEntries(columns.map((c, i) => [c, values[i] ?? null])));
  }
  return rows;
}

/** Opens the restored copy with this version's code: migrations forward, chain verified, every secret opened, the restore recorded. */
async function checkRestored(db: Database, box: SecretBox | undefined, manifest: BackupManifest, clock: Clock): Promise<Omit<Restored, 'movedAside'>> {
  const audit = new AuditLog(db, clock);
  const verified = await audit.verify();
  const rows = await db.selectFrom('secrets').select(['scope', 'name', 'ciphertext', 'wrapped_key', 'master_key_id']).execute();
  openEverySecret(rows, box);
  await audit.append({
    actor: currentOperator(), action: 'backup.restore', outcome: 'success',
    detail: { engine: manifest.engine, backupCreatedAt: manifest.createdAt, schemaVersion: manifest.schemaVersion, sha256: manifest.payload.sha256, auditChainOk: verified.ok },
  });
  return { secrets: rows.length, audit: verified };
}

async function restorePGlite(payloadFile: string, opts: RestoreOptions, box: SecretBox | undefined, manifest: BackupManifest, writeKey: () => unknown): Promise<Restored> {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const target = join(opts.dataDir, 'pglite');
  // The lock a portal holds while it runs: restore refuses then, and a portal can't start mid-restore.
  const lock = lockDataDir(target);
  const staging = `${target}.restoring-${randomBytes(4).toString('hex')}`;
  try {
    const occupied = existsSync(target) && readdirSync(target).length > 0;
    const aside = `${target}.before-restore-${opts.clock.now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
    if (occupied && !opts.force) {
      throw new RestoreRefusedError(`${target} already holds a database: run again with --force to move it aside (to ${aside}) and restore in its place`);
    }
    mkdirSync(staging, { mode: 0o700 });
    try {
      const loaded = new PGlite(staging, { loadDataDir: new Blob([readFileSync(payloadFile)], { type: 'application/x-gzip' }) });
      await loaded.waitReady;
      await loaded.close();
    } catch (err) {
      throw new RestoreRefusedError(`this PGlite could not open the backup's database (made by ${manifest.engineVersion}): ${err instanceof Error ? err.message : String(err)}`);
    }
    const db = await openDatabase({ pgliteDir: staging });
    let checked;
    try {
      checked = await checkRestored(db, box, manifest, opts.clock);
    } catch (err) {
      throw new RestoreRefusedError(err instanceof Error ? err.message : String(err));
    } finally {
      await db.destroy();
    }
    writeKey();
    if (occupied) renameSync(target, aside);
    else rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    return { ...checked, movedAside: occupied ? aside : undefined };
  } finally {
    rmSync(staging, { recursive: true, force: true });
    rmSync(`${staging}.lock`, { force: true });
    lock.release();
  }
}

async function restorePostgres(payloadFile: string, opts: RestoreOptions, box: SecretBox | undefined, manifest: BackupManifest, writeKey: () => unknown): Promise<Restored> {
  const url = opts.databaseUrl!;
  try {
    await requirePgTool('pg_restore', postgresMajor(manifest.dumpToolVersion ?? manifest.engineVersion), 'the pg_dump that made this backup');
  } catch (err) {
    throw new RestoreRefusedError(err instanceof Error ? err.message : String(err));
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const others = await client.query<{ n: string }>('select count(*) as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    if (Number(others.rows[0]!.n) > 0) {
      throw new RestoreRefusedError(`${others.rows[0]!.n} other session(s) are connected to this database (running portals?): stop them first`);
    }
    const tables = await client.query<{ n: string }>(`select count(*) as n from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public'`);
    if (Number(tables.rows[0]!.n) > 0 && !opts.force) {
      throw new RestoreRefusedError('the database already holds tables: restore into an empty database, or run again with --force to replace everything in its public schema (in the same transaction as the restore)');
    }
  } finally {
    await client.end();
  }
  const work = scratchDir('pgrestore');
  try {
    // pg_restore reads the whole archive into a script first, so a damaged one fails before the database is touched;
    // psql then runs the script (after the drop, with --force) in one transaction: all of it or nothing.
    const script = join(work, 'restore.sql');
    await runPgTool('pg_restore', ['--no-owner', '--no-acl', '--file', script, payloadFile]);
    // Every secret is opened before the database changes: a key that doesn't open them refuses the restore here.
    const secretsScript = join(work, 'secrets.sql');
    await runPgTool('pg_restore', ['--data-only', '--table=secrets', '--file', secretsScript, payloadFile]);
    try {
      const rows = copyRows(readFileSync(secretsScript, 'utf8'), 'secrets') as SecretRow[];
      if (!rows.length && manifest.masterKey.keyIds.length) throw new Error('its secrets could not be read from the dump');
      openEverySecret(rows, box);
    } catch (err) {
      throw new RestoreRefusedError(err instanceof Error ? err.message : String(err));
    }
    const conn = pgConnection(url);
    await runPgTool('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction',
      ...(opts.force ? ['-c', 'drop schema public cascade; create schema public;'] : []),
      '-f', script, ...conn.args], conn.env);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  writeKey();
  const db = await openDatabase({ url });
  try {
    return { ...(await checkRestored(db, box, manifest, opts.clock)), movedAside: undefined };
  } catch (err) {
    throw new Error(`the database was restored, but checking it failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await db.destroy();
  }
}

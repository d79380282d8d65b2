import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../clock.js';
import { configFromEnv } from '../config.js';
import { openDatabase } from '../db/database.js';
import { DataDirLockedError } from '../db/dataDirLock.js';
import { createBackup, restoreBackup } from '../backup/backups.js';

export const backupCommands = {
  backup: 'FILE [--include-master-key]  copy the database to FILE (PostgreSQL: online, with pg_dump; embedded: stop the portal first)',
  restore: 'FILE [--force]  restore a backup into an empty data dir or database (stop the portal first)',
} as const;
export type BackupCommand = keyof typeof backupCommands;

export const isBackupCommand = (name: string | undefined): name is BackupCommand => !!name && Object.hasOwn(backupCommands, name);

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** `paddock admin backup|restore FILE …`, with the database and keys from the environment as for the portal. Returns what to print. */
export async function runBackupCommand(command: BackupCommand, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: command === 'backup' ? { 'include-master-key': { type: 'boolean' } } : { force: { type: 'boolean' } },
  });
  const [file, ...extra] = positionals;
  if (!file || extra.length) throw new Error(`usage: paddock admin ${command} ${backupCommands[command]}`);
  const path = resolve(file);
  const config = configFromEnv(env);
  const keys = { envKey: config.masterKey, envPrevious: config.masterKeyPrevious, keyFile: join(config.dataDir, 'master.key') };

  if (command === 'restore') {
    const r = await restoreBackup(path, { dataDir: config.dataDir, databaseUrl: config.databaseUrl, keys, force: !!values.force, clock: systemClock });
    return [
      `restored the ${r.manifest.engine} backup made ${r.manifest.createdAt}${r.manifest.paddockVersion ? ` by Paddock ${r.manifest.paddockVersion}` : ''} (schema ${r.manifest.schemaVersion}) into ${config.databaseUrl ? 'DATABASE_URL' : join(config.dataDir, 'pglite')}`,
      r.movedAside && `the database that was there is kept at ${r.movedAside}; remove it once you are satisfied`,
      r.keyFileWritten && `the master key it carried is now ${r.keyFileWritten} (0600)`,
      `${r.secrets} secret(s) open with the configured master key`,
      r.audit.ok ? `audit chain verified (${r.audit.checked} records); the restore itself is recorded as backup.restore`
        : `WARNING: the restored audit chain does not verify: ${r.audit.reason} at record ${r.audit.firstBadId}`,
    ].filter(Boolean).join('\n');
  }

  let db;
  try {
    db = await openDatabase({ url: config.databaseUrl, pgliteDir: join(config.dataDir, 'pglite') });
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err;
    throw new Error(`${err.message}. The running portal backs itself up while it runs: see ${config.backup.dir} (PADDOCK_BACKUP_INTERVAL, docs/operations.md)`);
  }
  try {
    const m = await createBackup(path, { db, databaseUrl: config.databaseUrl, clock: systemClock, keys, includeMasterKey: !!values['include-master-key'] });
    return [
      `backup written to ${path} (${m.engine}, schema ${m.schemaVersion}, ${mib(statSync(path).size)}, readable by this user only)`,
      m.masterKey.included
        ? 'WARNING: it holds the master key: anyone who has this file can read every secret in it; store it as you would the key itself'
        : `it does not hold the master key: a restore needs ${m.masterKey.keyIds.length ? `key ${m.masterKey.keyIds.join(', ')}` : 'no key (no secrets yet)'}, so keep ${config.masterKey ? 'PADDOCK_MASTER_KEY' : keys.keyFile} safe, apart from the backup`,
    ].join('\n');
  } finally {
    await db.destroy();
  }
}

import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync, closeSync, copyFileSync, createReadStream, createWriteStream, existsSync, fsyncSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync,
  statSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { z } from 'zod';

/**
 * A Paddock backup is a plain tar file, readable with `tar tf`:
 *
 *   paddock-backup.json   the manifest below (what, from which schema, which master keys)
 *   database.tar.gz       PGlite's data directory (PGlite's own dumpDataDir), or
 *   database.pgdump       pg_dump's custom format (pg_restore reads it as is)
 *   master.key            only when asked for with --include-master-key
 *
 * The manifest carries the payload's SHA-256 and size, so a restore checks the
 * whole file before it changes anything.
 */
export const MANIFEST_NAME = 'paddock-backup.json';
export const MASTER_KEY_NAME = 'master.key';
export const PAYLOAD_NAMES = { pglite: 'database.tar.gz', postgres: 'database.pgdump' } as const;

export const backupManifestSchema = z.object({
  paddockBackup: z.literal(1),
  engine: z.enum(['pglite', 'postgres']),
  createdAt: z.string(),
  /** The newest migration applied to the database when it was copied. */
  schemaVersion: z.number().int().nonnegative(),
  payload: z.object({ name: z.string(), bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  /** Who made it: the engine's version (a PGlite copy opens only with a PGlite of the same Postgres major). */
  engineVersion: z.string(),
  /** The Paddock portal that made it (absent in backups made before it was recorded). */
  paddockVersion: z.string().optional(),
  /** PostgreSQL: `pg_dump --version` of the tool that made it; pg_restore must be at least its major version. */
  dumpToolVersion: z.string().optional(),
  masterKey: z.object({
    /** Ids of the master keys that wrap the backup's secrets: restore checks the keys it has cover them. */
    keyIds: z.array(z.string()),
    included: z.boolean(),
    sha256: z.string().optional(),
  }),
});
export type BackupManifest = z.infer<typeof backupManifestSchema>;

export class BadBackupError extends Error {
  constructor(file: string, why: string) {
    super(`${file} is not a usable Paddock backup: ${why}; nothing was changed`);
    this.name = 'BadBackupError';
  }
}

export const sha256File = async (path: string): Promise<string> => {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
};

/** A private scratch directory (0700), removed by the caller. */
export const scratchDir = (prefix: string): string => mkdtempSync(join(tmpdir(), `paddock-${prefix}-`));

/**
 * Writes the archive to `file` atomically: a 0600 file beside it, fsynced, then
 * renamed over it, so a crash never leaves half a backup under the final name.
 */
export async function writeBackupArchive(file: string, parts: {
  manifest: Omit<BackupManifest, 'payload' | 'masterKey'> & { masterKey: { keyIds: string[] } };
  payloadFile: string;
  masterKeyFile?: string;
}): Promise<BackupManifest> {
  const work = scratchDir('backup');
  try {
    const payloadName = PAYLOAD_NAMES[parts.manifest.engine];
    // The payload is the caller's scratch file: moved in, not copied, and private in the tar too.
    renameSync(parts.payloadFile, join(work, payloadName));
    chmodSync(join(work, payloadName), 0o600);
    const names = [MANIFEST_NAME, payloadName];
    let keySha: string | undefined;
    if (parts.masterKeyFile) {
      copyFileSync(parts.masterKeyFile, join(work, MASTER_KEY_NAME));
      chmodSync(join(work, MASTER_KEY_NAME), 0o600);
      keySha = await sha256File(join(work, MASTER_KEY_NAME));
      names.push(MASTER_KEY_NAME);
    }
    const manifest: BackupManifest = {
      ...parts.manifest,
      payload: { name: payloadName, bytes: statSync(join(work, payloadName)).size, sha256: await sha256File(join(work, payloadName)) },
      masterKey: { keyIds: parts.manifest.masterKey.keyIds, included: !!parts.masterKeyFile, ...(keySha ? { sha256: keySha } : {}) },
    };
    writeFileSync(join(work, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });

    if (!existsSync(dirname(file))) throw new Error(`the directory ${dirname(file)} does not exist`);
    const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await pipeline(tar.create({ cwd: work, portable: true, noDirRecurse: true }, names), createWriteStream(tmp, { mode: 0o600, flags: 'wx' }));
      const fd = openSync(tmp, 'r');
      try { fsyncSync(fd); } finally { closeSync(fd); }
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    return manifest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface OpenedBackup {
  manifest: BackupManifest;
  /** The checked payload, in a private scratch directory. */
  payloadFile: string;
  masterKeyFile: string | undefined;
  /** Removes the scratch directory. */
  dispose(): void;
}

/**
 * Unpacks and checks a backup: a tar holding the manifest and the payload it
 * names, with the size and SHA-256 it records. Anything else (not a tar, a
 * truncated or edited file, an unknown entry) is a BadBackupError.
 */
export async function openBackupArchive(file: string): Promise<OpenedBackup> {
  try {
    statSync(file);
  } catch {
    throw new BadBackupError(file, 'the file does not exist');
  }
  const work = scratchDir('restore');
  // Retried: a truncated archive's extraction can still be finishing a write as it fails (ENOTEMPTY).
  const dispose = () => rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  try {
    const allowed = new Set<string>([MANIFEST_NAME, MASTER_KEY_NAME, ...Object.values(PAYLOAD_NAMES)]);
    const seen: string[] = [];
    const problems: string[] = [];
    try {
      await tar.extract({
        file, cwd: work, strict: true, preserveOwner: false,
        filter: (path, entry) => {
          const ok = allowed.has(path) && 'type' in entry && entry.type === 'File';
          if (ok) seen.push(path); else problems.push(`unexpected entry ${JSON.stringify(path)}`);
          return ok;
        },
      });
    } catch (err) {
      throw new BadBackupError(file, `it can't be read as a tar archive (${err instanceof Error ? err.message : String(err)})`);
    }
    if (problems.length) throw new BadBackupError(file, problems.join(', '));
    if (!seen.includes(MANIFEST_NAME)) throw new BadBackupError(file, `it has no ${MANIFEST_NAME}`);
    let manifest: BackupManifest;
    try {
      manifest = backupManifestSchema.parse(JSON.parse(readFileSync(join(work, MANIFEST_NAME), 'utf8')));
    } catch (err) {
      throw new BadBackupError(file, `its manifest is unreadable (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
    }
    const expectedName = PAYLOAD_NAMES[manifest.engine];
    if (manifest.payload.name !== expectedName || !seen.includes(expectedName)) {
      throw new BadBackupError(file, `it has no ${expectedName} (truncated?)`);
    }
    const payloadFile = join(work, expectedName);
    const size = statSync(payloadFile).size;
    if (size !== manifest.payload.bytes) throw new BadBackupError(file, `its database copy has ${size} bytes, the manifest says ${manifest.payload.bytes} (truncated?)`);
    if ((await sha256File(payloadFile)) !== manifest.payload.sha256) throw new BadBackupError(file, 'its database copy does not match its checksum (damaged or edited)');
    let masterKeyFile: string | undefined;
    if (manifest.masterKey.included) {
      masterKeyFile = join(work, MASTER_KEY_NAME);
      if (!seen.includes(MASTER_KEY_NAME) || (await sha256File(masterKeyFile)) !== manifest.masterKey.sha256) {
        throw new BadBackupError(file, 'its master key is missing or does not match its checksum');
      }
    }
    return { manifest, payloadFile, masterKeyFile, dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}

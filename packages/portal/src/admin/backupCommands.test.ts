import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { runBackupCommand } from './backupCommands.js';
import { scratchPostgresDatabase, testEngine } from '../testing/testDatabase.js';

const engine = testEngine();

/** An environment for one install: its data dir, and on PostgreSQL runs its own database. */
async function install(root: string, name: string): Promise<{ env: NodeJS.ProcessEnv; drop(): Promise<void> }> {
  const env: NodeJS.ProcessEnv = { PADDOCK_DATA_DIR: join(root, name) };
  if (engine === 'pglite') return { env, drop: async () => {} };
  const db = await scratchPostgresDatabase('paddock_cli');
  env.DATABASE_URL = db.url;
  return { env, drop: db.drop };
}

describe(`paddock admin backup and restore (${engine})`, () => {
  let root: string;
  const drops: (() => Promise<void>)[] = [];
  beforeAll(() => { root = mkdtempSync(join(tmpdir(), 'paddock-cli-backup-')); });
  afterAll(async () => {
    for (const d of drops) await d();
    rmSync(root, { recursive: true, force: true });
  });

  it('backs up, says whether the master key is in the file, and restores into an empty install', async () => {
    const source = await install(root, 'source');
    drops.push(source.drop);
    const db = await openDatabase({ url: source.env.DATABASE_URL, pgliteDir: join(root, 'source', 'pglite') });
    await db.insertInto('settings').values({ key: 'cli-test', value: JSON.stringify('kept'), updated_at: new Date() }).execute();
    await db.destroy();

    const plain = await runBackupCommand('backup', [join(root, 'plain.tar')], source.env);
    expect(plain).toMatch(new RegExp(`^backup written to ${join(root, 'plain.tar')} \\(${engine}, schema \\d+, [\\d.]+ MiB, readable by this user only\\)\\nit does not hold the master key`));
    const withKey = await runBackupCommand('backup', [join(root, 'with-key.tar'), '--include-master-key'], { ...source.env, PADDOCK_MASTER_KEY: Buffer.alloc(32, 1).toString('base64') });
    expect(withKey).toMatch(/WARNING: it holds the master key: anyone who has this file can read every secret/);

    const target = await install(root, 'target');
    drops.push(target.drop);
    const restored = await runBackupCommand('restore', [join(root, 'plain.tar')], target.env);
    expect(restored).toMatch(new RegExp(`^restored the ${engine} backup made .* \\(schema \\d+\\)`));
    expect(restored).toMatch(/audit chain verified/);
    const check = await openDatabase({ url: target.env.DATABASE_URL, pgliteDir: join(root, 'target', 'pglite') });
    try {
      expect((await check.selectFrom('settings').select('value').where('key', '=', 'cli-test').executeTakeFirst())?.value).toBe('kept');
    } finally {
      await check.destroy();
    }
    await expect(runBackupCommand('restore', [join(root, 'plain.tar')], target.env)).rejects.toThrow(/--force/);
  }, 120_000);

  it('refuses a wrong command line before touching anything', async () => {
    const env = { PADDOCK_DATA_DIR: join(root, 'untouched') };
    await expect(runBackupCommand('restore', [], env)).rejects.toThrow(/usage: paddock admin restore FILE \[--force\]/);
    await expect(runBackupCommand('backup', ['a.tar', 'b.tar'], env)).rejects.toThrow(/usage: paddock admin backup FILE/);
    await expect(runBackupCommand('backup', ['a.tar', '--force'], env)).rejects.toThrow(/Unknown option '--force'/);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdminCommand } from '../admin/adminCommands.js';
import { openDatabase } from './database.js';
import { lockDataDir } from './dataDirLock.js';

const databaseJs = fileURLToPath(new URL('../../dist/db/database.js', import.meta.url));

/** Another process (a portal, as far as the database is concerned) that opens the embedded database and holds it. */
async function holder(pgliteDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    const { openDatabase } = await import(${JSON.stringify(databaseJs)});
    const db = await openDatabase({ pgliteDir: ${JSON.stringify(pgliteDir)} });
    await db.insertInto('settings').values({ key: 'held', value: JSON.stringify('by the other process'), updated_at: new Date() }).execute();
    process.stdout.write('open\\n');
    setInterval(() => {}, 1000);
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => { if (b.toString().includes('open')) resolve(); });
    child.once('exit', (code) => reject(new Error(`the holder exited (${code})`)));
  });
  return child;
}

const killed = (child: ChildProcess) => new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGKILL'); });

describe('the embedded database lock', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'paddock-lock-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second process, whatever port the portal is on, and leaves the first one\'s data alone', async () => {
    const dataDir = join(dir, 'busy');
    const child = await holder(join(dataDir, 'pglite'));
    try {
      await expect(openDatabase({ pgliteDir: join(dataDir, 'pglite') })).rejects.toThrow(new RegExp(`open in process ${child.pid}.*stop the portal first`));
      // The admin commands' old guard asked /healthz on PORT: a portal elsewhere went unnoticed and its database was opened twice.
      await expect(runAdminCommand('reset-ip-allowlist', { PADDOCK_DATA_DIR: dataDir, PORT: '1' })).rejects.toThrow(/stop the portal first/);
    } finally {
      await killed(child);
    }
    // The holder died without releasing: its lock is stale, and the data it wrote is intact.
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(true);
    const db = await openDatabase({ pgliteDir: join(dataDir, 'pglite') });
    try {
      const row = await db.selectFrom('settings').select('value').where('key', '=', 'held').executeTakeFirst();
      expect(row?.value).toBe('by the other process');
      expect(JSON.parse(readFileSync(join(dataDir, 'pglite.lock'), 'utf8')).pid).toBe(process.pid);
    } finally {
      await db.destroy();
    }
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
  }, 120_000);

  it('treats a lock from another host as held while it is renewed, and as stale a minute after', () => {
    const target = join(dir, 'shared-volume', 'pglite');
    mkdirSync(join(dir, 'shared-volume'), { recursive: true });
    writeFileSync(`${target}.lock`, `${JSON.stringify({ pid: 1, startTime: '42', host: 'replaced-container', command: 'portal', at: '2026-01-01T00:00:00Z' })}\n`);
    expect(() => lockDataDir(target)).toThrow(/locked by process 1 on host replaced-container/);
    const old = new Date(Date.now() - 2 * 60_000);
    utimesSync(`${target}.lock`, old, old);
    const lock = lockDataDir(target);
    expect(JSON.parse(readFileSync(`${target}.lock`, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(`${target}.lock`)).toBe(false);
  });
});

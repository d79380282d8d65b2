import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { configFromEnv } from '../config.js';
import { openDatabase, type Database } from '../db/database.js';
import { PortalMetrics } from '../metrics/portalMetrics.js';
import { BackupDirectory } from './backupDirectory.js';
import { createBackup, restoreBackup } from './backups.js';
import { scheduledBackups } from './backupScheduler.js';

const HOUR = 3_600_000;

describe('scheduled backups', () => {
  let dir: string;
  let db: Database;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paddock-schedule-'));
    db = await openDatabase({ pgliteDir: join(dir, 'data', 'pglite') });
  });
  afterAll(async () => {
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs up once per interval by the injected clock, keeps only the newest `retention`, and never touches other files', async () => {
    const clock = new FakeClock(new Date('2026-03-01T00:00:00Z'));
    const config = { ...configFromEnv({ PADDOCK_DATA_DIR: join(dir, 'data'), PADDOCK_BACKUP_INTERVAL: '6h', PADDOCK_BACKUP_RETENTION: '3' }) };
    expect(config.backup).toEqual({ intervalMs: 6 * HOUR, retention: 3, dir: join(dir, 'data', 'backups') });
    const metrics = new PortalMetrics();
    const directory = new BackupDirectory({ config, db, clock, onOutcome: (kind, outcome) => metrics.backups.inc({ kind, outcome }) });
    metrics.observeBackups(directory);
    const scheduler = scheduledBackups(directory, config.backup.intervalMs, clock, pino({ level: 'silent' }))!;
    const backupsDir = config.backup.dir;

    expect(await scheduler.runDue()).toBe('paddock-20260301T000000.000Z.tar');
    // Not due again until six hours have passed on the clock.
    clock.advance(5 * HOUR);
    expect(await scheduler.runDue()).toBeUndefined();
    writeFileSync(join(backupsDir, 'operator-notes.txt'), 'mine, not the scheduler\'s\n');
    for (let i = 0; i < 5; i++) {
      clock.advance(HOUR);
      await db.insertInto('settings').values({ key: `k${i}`, value: JSON.stringify(i), updated_at: clock.now() }).execute();
      expect(await scheduler.runDue()).toBeDefined();
      clock.advance(5 * HOUR);
    }
    const names = readdirSync(backupsDir).sort();
    expect(names).toEqual([
      'operator-notes.txt',
      'paddock-20260301T180000.000Z.tar',
      'paddock-20260302T000000.000Z.tar',
      'paddock-20260302T060000.000Z.tar',
    ]);
    expect(statSync(backupsDir).mode & 0o777).toBe(0o700);
    for (const n of names.filter((x) => x.endsWith('.tar'))) expect(statSync(join(backupsDir, n)).mode & 0o777).toBe(0o600);
    const scraped = (await metrics.text()).body;
    expect(scraped).toContain('paddock_backups_total{kind="scheduled",outcome="success"} 6');
    expect(scraped).toContain(`paddock_backup_last_success_timestamp_seconds ${Date.parse('2026-03-02T06:00:00Z') / 1000}`);

    // They are real backups: the newest restores with everything written before it.
    const target = join(dir, 'restored');
    const { manifest } = await restoreBackup(join(backupsDir, names.at(-1)!), { dataDir: target, keys: { keyFile: join(dir, 'data', 'master.key') }, clock });
    expect(manifest.createdAt).toBe('2026-03-02T06:00:00.000Z');
    const restored = await openDatabase({ pgliteDir: join(target, 'pglite') });
    try {
      expect((await restored.selectFrom('settings').select('key').where('key', 'like', 'k%').execute()).map((r) => r.key).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    } finally {
      await restored.destroy();
    }
  }, 180_000);

  it('logs and counts a failed backup, tries again after a pause rather than at every check, and the metric keeps the last success', async () => {
    const clock = new FakeClock(new Date('2026-04-01T00:00:00Z'));
    const config = configFromEnv({ PADDOCK_DATA_DIR: join(dir, 'failing'), PADDOCK_BACKUP_INTERVAL: '1h', PADDOCK_BACKUP_RETENTION: '2' });
    const metrics = new PortalMetrics();
    let failing = false;
    const directory = new BackupDirectory({
      config, db, clock, onOutcome: (kind, outcome) => metrics.backups.inc({ kind, outcome }),
      copy: async (file) => {
        if (failing) throw new Error('disk full');
        return createBackup(file, { db, clock, keys: { keyFile: join(dir, 'failing', 'master.key') } });
      },
    });
    metrics.observeBackups(directory);
    const logged: string[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => { logged.push(line); } });
    const scheduler = scheduledBackups(directory, config.backup.intervalMs, clock, log)!;

    expect(await scheduler.runDue()).toBe('paddock-20260401T000000.000Z.tar');
    failing = true;
    clock.advance(HOUR);
    expect(await scheduler.runDue()).toBeUndefined();
    expect(logged.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ msg: 'the scheduled backup failed', err: expect.objectContaining({ message: 'disk full' }) })]);
    // The next minute's check does not try again: a broken disk is not hammered (nor the log filled) every minute.
    clock.advance(60_000);
    expect(await scheduler.runDue()).toBeUndefined();
    expect(logged).toHaveLength(1);
    clock.advance(10 * 60_000);
    expect(await scheduler.runDue()).toBeUndefined();
    expect(logged).toHaveLength(2);
    failing = false;
    clock.advance(10 * 60_000);
    expect(await scheduler.runDue()).toBe('paddock-20260401T012100.000Z.tar');

    const scraped = (await metrics.text()).body;
    expect(scraped).toContain('paddock_backups_total{kind="scheduled",outcome="failure"} 2');
    expect(scraped).toContain('paddock_backups_total{kind="scheduled",outcome="success"} 2');
    expect(scraped).toContain(`paddock_backup_last_success_timestamp_seconds ${Date.parse('2026-04-01T01:21:00Z') / 1000}`);
  }, 120_000);

  it('is off with PADDOCK_BACKUP_INTERVAL=off, by default with PostgreSQL, and for a database that lives only in memory', async () => {
    const clock = new FakeClock();
    const log = pino({ level: 'silent' });
    const off = configFromEnv({ PADDOCK_DATA_DIR: join(dir, 'data'), PADDOCK_BACKUP_INTERVAL: 'off' });
    expect(scheduledBackups(new BackupDirectory({ config: off, db, clock }), off.backup.intervalMs, clock, log)).toBeUndefined();
    expect(configFromEnv({ DATABASE_URL: 'postgres://x@localhost/x' }).backup.intervalMs).toBeUndefined();
    const memory = await openDatabase({});
    try {
      const config = configFromEnv({});
      expect(scheduledBackups(new BackupDirectory({ config, db: memory, clock }), config.backup.intervalMs, clock, log)).toBeUndefined();
    } finally {
      await memory.destroy();
    }
    expect(() => configFromEnv({ PADDOCK_BACKUP_INTERVAL: '5s' })).toThrow(/at least a minute/);
    expect(() => configFromEnv({ PADDOCK_BACKUP_RETENTION: '0' })).toThrow(/from 1 to 1000/);
  });
});

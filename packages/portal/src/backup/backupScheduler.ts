import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type pino from 'pino';
import type { Clock } from '../clock.js';
import type { PortalConfig } from '../config.js';
import { embeddedPGlite, type Database } from '../db/database.js';
import { createBackup } from './backups.js';

/** Scheduled backups are named by the (injected) clock's time, so their names sort by age. */
const NAME = /^paddock-(\d{8}T\d{6}\.\d{3}Z)\.tar$/;
const nameFor = (at: Date) => `paddock-${at.toISOString().replace(/[-:]/g, '')}.tar`;
const timeOf = (name: string): number => {
  const m = NAME.exec(name)![1]!;
  return Date.parse(`${m.slice(0, 4)}-${m.slice(4, 6)}-${m.slice(6, 11)}:${m.slice(11, 13)}:${m.slice(13)}`);
};

export interface BackupSchedulerOptions {
  dir: string;
  intervalMs: number;
  retention: number;
  clock: Clock;
  /** Writes one backup to the file. */
  backup: (file: string) => Promise<unknown>;
  log: pino.Logger;
  /** How often the timer asks whether a backup is due (the clock decides); at most a minute. */
  checkEveryMs?: number;
}

/**
 * Makes a backup whenever the newest one in `dir` is `intervalMs` old (or there
 * is none), then deletes the oldest of its own files beyond `retention`. Only
 * files it names itself are ever deleted; the directory is the portal user's only.
 */
export class BackupScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<string | undefined> | undefined;

  constructor(private readonly opts: BackupSchedulerOptions) {}

  /** The scheduled backups present, newest first. */
  list(): { name: string; at: Date }[] {
    let names: string[];
    try { names = readdirSync(this.opts.dir); } catch { return []; }
    return names.filter((n) => NAME.test(n)).map((name) => ({ name, at: new Date(timeOf(name)) })).sort((a, b) => b.at.getTime() - a.at.getTime());
  }

  start(): void {
    const every = Math.min(this.opts.checkEveryMs ?? 60_000, this.opts.intervalMs, 60_000);
    // A backup's own failure is logged inside; anything else (the directory, the old files) is logged here.
    this.timer = setInterval(() => {
      this.runDue().catch((err: unknown) => this.opts.log.error({ err, dir: this.opts.dir }, 'the scheduled backup failed'));
    }, every);
    this.timer.unref();
  }

  /** Stops the timer and waits for a backup in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Makes a backup if one is due; returns its file name. One at a time. */
  runDue(): Promise<string | undefined> {
    this.running ??= this.backupIfDue().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async backupIfDue(): Promise<string | undefined> {
    const now = this.opts.clock.now();
    const newest = this.list()[0];
    if (newest && now.getTime() - newest.at.getTime() < this.opts.intervalMs) return undefined;
    mkdirSync(this.opts.dir, { recursive: true, mode: 0o700 });
    const name = nameFor(now);
    try {
      await this.opts.backup(join(this.opts.dir, name));
    } catch (err) {
      this.opts.log.error({ err, dir: this.opts.dir }, 'the scheduled backup failed');
      return undefined;
    }
    for (const old of this.list().slice(this.opts.retention)) rmSync(join(this.opts.dir, old.name), { force: true });
    this.opts.log.info({ file: join(this.opts.dir, name) }, 'scheduled backup written');
    return name;
  }
}

/**
 * The portal's scheduled backups (PADDOCK_BACKUP_INTERVAL), or undefined when
 * they are off or there is nothing that outlives the process (an in-memory
 * database in tests, or PostgreSQL reached by no DATABASE_URL).
 */
export function scheduledBackups(config: PortalConfig, db: Database, clock: Clock, log: pino.Logger): BackupScheduler | undefined {
  const { intervalMs, retention, dir } = config.backup;
  if (!intervalMs) return undefined;
  const embedded = embeddedPGlite(db);
  if (embedded ? !embedded.dir : !config.databaseUrl) return undefined;
  return new BackupScheduler({
    dir, intervalMs, retention, clock, log,
    backup: (file) => createBackup(file, { db, databaseUrl: config.databaseUrl, clock, keys: { keyFile: join(config.dataDir, 'master.key') } }),
  });
}

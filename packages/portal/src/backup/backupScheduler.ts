import type pino from 'pino';
import type { Clock } from '../clock.js';
import type { BackupDirectory } from './backupDirectory.js';

/** After a failed scheduled backup, the next try waits this long (or the interval, if shorter). */
const RETRY_AFTER_MS = 10 * 60_000;

export interface BackupSchedulerOptions {
  directory: BackupDirectory;
  intervalMs: number;
  clock: Clock;
  log: pino.Logger;
  /** How often the timer asks whether a backup is due (the clock decides); at most a minute. */
  checkEveryMs?: number;
}

/**
 * Makes a backup whenever the newest scheduled one in the backup directory is
 * `intervalMs` old by the injected clock (or there is none); the directory
 * prunes the oldest beyond the retention. A failure is logged and counted
 * (paddock_backups_total{outcome="failure"}) and tried again after a pause (the
 * interval, at most ten minutes), not at every check.
 */
export class BackupScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<string | undefined> | undefined;
  private failedAt: number | undefined;

  constructor(private readonly opts: BackupSchedulerOptions) {}

  start(): void {
    const every = Math.min(this.opts.checkEveryMs ?? 60_000, this.opts.intervalMs, 60_000);
    this.timer = setInterval(() => {
      this.runDue().catch((err: unknown) => this.opts.log.error({ err, dir: this.opts.directory.dir }, 'the scheduled backup failed'));
    }, every);
    this.timer.unref();
  }

  /** Stops the timer and waits for a backup in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Makes a backup if one is due; returns its file name (undefined: not due, or it failed and was logged). One at a time. */
  runDue(): Promise<string | undefined> {
    this.running ??= this.backupIfDue().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async backupIfDue(): Promise<string | undefined> {
    const { directory, clock, intervalMs, log } = this.opts;
    const newest = directory.list().find((b) => b.kind === 'scheduled');
    const now = clock.now().getTime();
    if (newest && now - newest.at.getTime() < intervalMs) return undefined;
    if (this.failedAt !== undefined && now - this.failedAt < Math.min(intervalMs, RETRY_AFTER_MS)) return undefined;
    try {
      const { name } = await directory.write('scheduled');
      this.failedAt = undefined;
      log.info({ file: `${directory.dir}/${name}` }, 'scheduled backup written');
      return name;
    } catch (err) {
      this.failedAt = now;
      log.error({ err, dir: directory.dir }, 'the scheduled backup failed');
      return undefined;
    }
  }
}

/** The portal's scheduled backups (PADDOCK_BACKUP_INTERVAL), or undefined when they are off or the database lives only in memory. */
export function scheduledBackups(directory: BackupDirectory, intervalMs: number | undefined, clock: Clock, log: pino.Logger): BackupScheduler | undefined {
  if (!intervalMs || !directory.persistent) return undefined;
  return new BackupScheduler({ directory, intervalMs, clock, log });
}

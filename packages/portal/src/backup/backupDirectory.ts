import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PortalServices } from '../services.js';
import { embeddedPGlite } from '../db/database.js';
import type { BackupManifest } from './backupArchive.js';
import { createBackup } from './backups.js';

export type BackupKind = 'scheduled' | 'manual';
export type BackupOutcome = 'success' | 'failure';

export interface BackupFile { name: string; kind: BackupKind; at: Date; bytes: number }

/** The files the portal names itself, by the (injected) clock's time, so they sort by age; nothing else in the directory is ever touched. */
const NAME = /^paddock-(manual-)?(\d{8}T\d{6}\.\d{3}Z)\.tar$/;
const stamp = (at: Date) => at.toISOString().replace(/[-:]/g, '');
const timeOf = (s: string) => new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 11)}:${s.slice(11, 13)}:${s.slice(13)}`);

export class BackupRunningError extends Error {
  constructor() {
    super('a backup is being written; try again when it is done');
    this.name = 'BackupRunningError';
  }
}

export interface BackupDirectoryOptions extends Pick<PortalServices, 'config' | 'db' | 'clock'> {
  /** Told of every backup this portal tries (paddock_backups_total). */
  onOutcome?: (kind: BackupKind, outcome: BackupOutcome) => void;
  /** Writes one backup to the file; the portal's database by default (tests make it fail). */
  copy?: (file: string) => Promise<BackupManifest>;
}

/**
 * PADDOCK_BACKUP_DIR: the backups this portal writes while it runs, scheduled and
 * asked for, side by side (0700, files 0600). One is written at a time; only
 * scheduled ones are pruned, the oldest beyond PADDOCK_BACKUP_RETENTION.
 */
export class BackupDirectory {
  readonly dir: string;
  private busy = false;
  private readonly copy: (file: string) => Promise<BackupManifest>;

  constructor(private readonly opts: BackupDirectoryOptions) {
    const { config, db, clock } = opts;
    this.dir = config.backup.dir;
    this.copy = opts.copy ?? ((file) => createBackup(file, { db, databaseUrl: config.databaseUrl, clock, keys: { keyFile: join(config.dataDir, 'master.key') } }));
  }

  /** Whether this portal can back its database up: PGlite can, PostgreSQL needs DATABASE_URL for pg_dump. */
  get available(): boolean {
    return !!embeddedPGlite(this.opts.db) || !!this.opts.config.databaseUrl;
  }

  /** Whether the database outlives the process (not an in-memory PGlite, as tests use): only then are backups scheduled. */
  get persistent(): boolean {
    const embedded = embeddedPGlite(this.opts.db);
    return embedded ? !!embedded.dir : !!this.opts.config.databaseUrl;
  }

  /** The backups present, newest first. */
  list(): BackupFile[] {
    let names: string[];
    try { names = readdirSync(this.dir); } catch { return []; }
    return names.flatMap((name) => {
      const m = NAME.exec(name);
      if (!m) return [];
      let bytes: number;
      try { bytes = statSync(join(this.dir, name)).size; } catch { return []; }
      return [{ name, kind: m[1] ? 'manual' as const : 'scheduled' as const, at: timeOf(m[2]!), bytes }];
    }).sort((a, b) => b.at.getTime() - a.at.getTime());
  }

  /** Writes a backup now, online; counts it either way. Refuses while another is being written. */
  async write(kind: BackupKind): Promise<{ name: string; bytes: number; manifest: BackupManifest }> {
    if (this.busy) throw new BackupRunningError();
    this.busy = true;
    try {
      const name = `paddock-${kind === 'manual' ? 'manual-' : ''}${stamp(this.opts.clock.now())}.tar`;
      let manifest: BackupManifest;
      try {
        mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        manifest = await this.copy(join(this.dir, name));
      } catch (err) {
        this.opts.onOutcome?.(kind, 'failure');
        throw err;
      }
      this.opts.onOutcome?.(kind, 'success');
      if (kind === 'scheduled') this.prune();
      return { name, bytes: statSync(join(this.dir, name)).size, manifest };
    } finally {
      this.busy = false;
    }
  }

  private prune(): void {
    const scheduled = this.list().filter((b) => b.kind === 'scheduled');
    for (const old of scheduled.slice(this.opts.config.backup.retention)) rmSync(join(this.dir, old.name), { force: true });
  }
}

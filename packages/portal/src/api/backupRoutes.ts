import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import { createBackup } from '../backup/backups.js';
import { embeddedPGlite } from '../db/database.js';
import type { PortalServices } from '../services.js';
import { route } from './route.js';

/** Scheduled backups and the ones admins ask for here, side by side in PADDOCK_BACKUP_DIR; only the scheduled ones are pruned. */
const BACKUP_NAME = /^paddock-(manual-)?(\d{8}T\d{6}\.\d{3}Z)\.tar$/;
const backupSchema = z.object({ name: z.string(), bytes: z.number(), kind: z.enum(['scheduled', 'manual']) });

/** One backup at a time per portal: a second request while one runs is refused, not queued. */
const running = new WeakSet<PortalServices>();

export const backupRoutes = [
  route({
    method: 'GET', url: '/api/v1/admin/backups', access: 'auditor', summary: 'The backups in the portal\'s backup directory, newest first',
    response: z.object({ dir: z.string(), intervalMs: z.number().nullable(), retention: z.number(), backups: z.array(backupSchema) }),
    handler: async ({ services }) => {
      const { dir, intervalMs, retention } = services.config.backup;
      let names: string[] = [];
      try { names = readdirSync(dir).filter((n) => BACKUP_NAME.test(n)); } catch { /* none yet */ }
      const backups = names
        .map((name) => ({ name, bytes: statSync(join(dir, name)).size, kind: name.startsWith('paddock-manual-') ? 'manual' as const : 'scheduled' as const, at: BACKUP_NAME.exec(name)![2]! }))
        .sort((a, b) => b.at.localeCompare(a.at))
        .map(({ at: _at, ...b }) => b);
      return { dir, intervalMs: intervalMs ?? null, retention, backups };
    },
  }),
  route({
    method: 'POST', url: '/api/v1/admin/backups', access: 'admin', status: 201,
    summary: 'Back the database up now, online, into the portal\'s backup directory (without the master key); the file stays on the portal\'s host',
    response: backupSchema.extend({ createdAt: z.string(), schemaVersion: z.number() }),
    handler: async ({ actor, services }) => {
      const { config, db, clock, audit } = services;
      if (!embeddedPGlite(db) && !config.databaseUrl) throw new ApiError(409, 'backup_unavailable', 'this portal has no DATABASE_URL for pg_dump');
      if (running.has(services)) throw new ApiError(409, 'backup_running', 'a backup is being written; try again when it is done');
      running.add(services);
      try {
        mkdirSync(config.backup.dir, { recursive: true, mode: 0o700 });
        const name = `paddock-manual-${clock.now().toISOString().replace(/[-:]/g, '')}.tar`;
        const manifest = await createBackup(join(config.backup.dir, name), {
          db, databaseUrl: config.databaseUrl, clock, keys: { keyFile: join(config.dataDir, 'master.key') },
        });
        await audit.append({
          actor, action: 'backup.create', outcome: 'success',
          detail: { name, sha256: manifest.payload.sha256, schemaVersion: manifest.schemaVersion },
        });
        return { name, bytes: statSync(join(config.backup.dir, name)).size, kind: 'manual' as const, createdAt: manifest.createdAt, schemaVersion: manifest.schemaVersion };
      } finally {
        running.delete(services);
      }
    },
  }),
];

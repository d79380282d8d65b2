import { z } from 'zod';
import { ApiError } from '../errors.js';
import { BackupRunningError } from '../backup/backupDirectory.js';
import { route } from './route.js';

const backupSchema = z.object({ name: z.string(), bytes: z.number(), kind: z.enum(['scheduled', 'manual']) });

export const backupRoutes = [
  route({
    method: 'GET', url: '/api/v1/admin/backups', access: 'auditor', summary: 'The backups in the portal\'s backup directory, newest first',
    response: z.object({ dir: z.string(), intervalMs: z.number().nullable(), retention: z.number(), backups: z.array(backupSchema) }),
    handler: async ({ services }) => {
      const { intervalMs, retention } = services.config.backup;
      const backups = services.backups.list().map(({ name, bytes, kind }) => ({ name, bytes, kind }));
      return { dir: services.backups.dir, intervalMs: intervalMs ?? null, retention, backups };
    },
  }),
  route({
    method: 'POST', url: '/api/v1/admin/backups', access: 'admin', status: 201,
    summary: 'Back the database up now, online, into the portal\'s backup directory (without the master key); the file stays on the portal\'s host',
    response: backupSchema.extend({ createdAt: z.string(), schemaVersion: z.number() }),
    handler: async ({ actor, services }) => {
      const { backups, audit } = services;
      if (!backups.available) throw new ApiError(409, 'backup_unavailable', 'this portal has no DATABASE_URL for pg_dump');
      let written;
      try {
        written = await backups.write('manual');
      } catch (err) {
        if (err instanceof BackupRunningError) throw new ApiError(409, 'backup_running', err.message);
        throw err;
      }
      const { name, bytes, manifest } = written;
      await audit.append({
        actor, action: 'backup.create', outcome: 'success',
        detail: { name, sha256: manifest.payload.sha256, schemaVersion: manifest.schemaVersion },
      });
      return { name, bytes, kind: 'manual' as const, createdAt: manifest.createdAt, schemaVersion: manifest.schemaVersion };
    },
  }),
];

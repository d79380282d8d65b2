import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Database } from './db/database.js';
import { loadMigrations } from './db/migrate.js';
import { ApiError } from './errors.js';

export interface HealthOptions {
  db: Database;
  /** Whether the tunnel listener is bound (agents can connect). */
  tunnelUp: () => boolean;
}

/**
 * `/healthz`: the process answers (liveness: restart it if not). `/readyz`: it can
 * serve (readiness: send it traffic): the database answers within 2 s, every
 * migration this portal ships is applied, and the tunnel listener is up. A failed
 * check is named; nothing else is said.
 */
export function registerHealthRoutes(app: FastifyInstance, { db, tunnelUp }: HealthOptions): void {
  const shipped = loadMigrations().map((m) => m.version);
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const checks = { database: 'ok', migrations: 'ok', tunnel: tunnelUp() ? 'ok' : 'not listening' };
    try {
      const applied = await withTimeout(db.selectFrom('schema_migrations' as never).select(sql<number>`version`.as('version')).execute(), 2000);
      const have = new Set(applied.map((r) => (r as { version: number }).version));
      const missing = shipped.filter((v) => !have.has(v));
      if (missing.length) checks.migrations = `not applied: ${missing.join(', ')}`;
    } catch (err) {
      checks.database = err instanceof ApiError ? err.message : 'not reachable';
      checks.migrations = 'unknown';
    }
    const ok = Object.values(checks).every((c) => c === 'ok');
    return reply.status(ok ? 200 : 503).send({ ok, checks });
  });
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new ApiError(503, 'timeout', `no answer within ${ms / 1000} s`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

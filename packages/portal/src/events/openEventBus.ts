import type pino from 'pino';
import type { Database } from '../db/database.js';
import { readWorkspace } from '../workspaces/workspaces.js';
import { InProcessEventBus, type EventBus } from './eventBus.js';
import { PgEventBus } from './pgEventBus.js';

/**
 * The bus for this portal: over PostgreSQL, LISTEN/NOTIFY, so that every portal
 * on the database hears every event; on the embedded database (PGlite, one
 * process) the in-process bus, there being no other portal to tell.
 */
export async function openEventBus(options: { databaseUrl: string | undefined; db: Database; log: pino.Logger }): Promise<EventBus> {
  if (!options.databaseUrl) return new InProcessEventBus(options.log);
  const bus = new PgEventBus({ url: options.databaseUrl, db: options.db, log: options.log, readWorkspace: (id) => readWorkspace(options.db, id) });
  await bus.start();
  return bus;
}

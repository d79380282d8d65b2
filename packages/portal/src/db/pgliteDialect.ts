import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';

/**
 * A Kysely dialect for PGlite. PGlite is a single Postgres session, so the
 * driver hands out its one connection to one user at a time (a transaction holds
 * it until commit), which gives the same isolation a pool gives on PostgreSQL.
 */
export class PGliteDialect implements Dialect {
  /** `onDestroy` runs after PGlite has closed (the data dir's lock is released there). */
  constructor(private readonly pglite: PGlite, private readonly onDestroy?: () => void) {}
  createAdapter() { return new PostgresAdapter(); }
  createDriver(): Driver { return new PGliteDriver(this.pglite, this.onDestroy); }
  createQueryCompiler() { return new PostgresQueryCompiler(); }
  createIntrospector(db: Kysely<any>) { return new PostgresIntrospector(db); }
}

class PGliteDriver implements Driver {
  private queue: Promise<void> = Promise.resolve();
  private readonly connection: DatabaseConnection;

  constructor(private readonly pglite: PGlite, private readonly onDestroy?: () => void) {
    this.connection = {
      executeQuery: async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
        // A parameterless text with several statements is a script (a migration):
        // only the simple protocol (exec) runs those.
        if (query.parameters.length === 0 && query.sql.trim().replace(/;\s*$/, '').includes(';')) {
          const results = await pglite.exec(query.sql);
          const last = results.at(-1);
          return { rows: (last?.rows ?? []) as R[], numAffectedRows: BigInt(last?.affectedRows ?? 0) };
        }
        const result = await pglite.query<R>(query.sql, query.parameters as unknown[]);
        return { rows: result.rows, numAffectedRows: BigInt(result.affectedRows ?? 0) };
      },
      // eslint-disable-next-line require-yield
      streamQuery: async function* () { throw new Error('streaming queries are not supported on PGlite'); },
    };
  }

  async init() { await this.pglite.waitReady; }

  private release: (() => void) | undefined;

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.queue;
    let release!: () => void;
    this.queue = new Promise<void>((resolve) => { release = resolve; });
    await previous;
    this.release = release;
    return this.connection;
  }

  async releaseConnection(): Promise<void> {
    const release = this.release;
    this.release = undefined;
    release?.();
  }

  async beginTransaction(conn: DatabaseConnection) { await conn.executeQuery(CompiledQuery.raw('begin')); }
  async commitTransaction(conn: DatabaseConnection) { await conn.executeQuery(CompiledQuery.raw('commit')); }
  async rollbackTransaction(conn: DatabaseConnection) { await conn.executeQuery(CompiledQuery.raw('rollback')); }
  async destroy() {
    try { await this.pglite.close(); } finally { this.onDestroy?.(); }
  }
}

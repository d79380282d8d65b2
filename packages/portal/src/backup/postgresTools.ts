import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * PostgreSQL's own client tools (pg_dump, pg_restore, psql), run with the
 * connection in their environment: the password goes in PGPASSWORD, never on a
 * command line, which every user of the host can read (`ps`).
 * PADDOCK_PG_BIN names their directory; otherwise they are looked up on PATH.
 */
export interface PgConnection { args: string[]; env: Record<string, string> }

export function pgConnection(databaseUrl: string): PgConnection {
  const url = new URL(databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  return { args: ['--dbname', url.toString()], env: password ? { PGPASSWORD: password } : {} };
}

export class PgToolError extends Error {
  constructor(tool: string, detail: string) {
    super(`${tool} failed: ${detail}`);
    this.name = 'PgToolError';
  }
}

/** Runs one tool to completion; rejects with its stderr (the last lines) when it fails. */
export function runPgTool(tool: 'pg_dump' | 'pg_restore' | 'psql', args: string[], env: Record<string, string> = {}): Promise<string> {
  const bin = process.env.PADDOCK_PG_BIN ? join(process.env.PADDOCK_PG_BIN, tool) : tool;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { if (out.length < 1 << 20) out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { if (err.length < 1 << 16) err += c.toString(); });
    child.on('error', (e: NodeJS.ErrnoException) => reject(new PgToolError(tool, e.code === 'ENOENT'
      ? `${bin} was not found; install PostgreSQL's client tools (Debian: postgresql-client) or set PADDOCK_PG_BIN`
      : e.message)));
    child.on('close', (code) => {
      if (code === 0) return resolve(out);
      reject(new PgToolError(tool, err.trim().split('\n').slice(-5).join('\n') || `exit code ${code}`));
    });
  });
}

/** The major version in `select version()` or `pg_dump --version` output ("PostgreSQL 15.20 …", "pg_dump (PostgreSQL) 15.20"). */
export function postgresMajor(version: string): number | undefined {
  const m = /PostgreSQL\)?\s+(\d+)/.exec(version);
  return m ? Number(m[1]) : undefined;
}

/**
 * Finds a client tool and checks it is at least `minMajor` (the server it dumps,
 * or the pg_dump that made an archive): an older tool can't read what a newer
 * one wrote. Returns its `--version` line. Refuses before anything is changed.
 */
export async function requirePgTool(tool: 'pg_dump' | 'pg_restore', minMajor: number | undefined, forWhat: string): Promise<string> {
  const line = (await runPgTool(tool, ['--version'])).trim();
  const have = postgresMajor(line);
  if (minMajor !== undefined && (have === undefined || have < minMajor)) {
    throw new PgToolError(tool, `${line || tool} is older than ${forWhat} (PostgreSQL ${minMajor}): install the client tools of PostgreSQL ${minMajor} or newer `
      + `(Debian: postgresql-client-${minMajor}) and point PADDOCK_PG_BIN at their directory (such as /usr/lib/postgresql/${minMajor}/bin)`);
  }
  return line;
}

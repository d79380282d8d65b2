import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PgToolError, pgConnection, postgresMajor, requirePgTool } from './postgresTools.js';

describe('PostgreSQL client tools', () => {
  const dirs: string[] = [];
  const saved = process.env.PADDOCK_PG_BIN;
  afterEach(() => {
    if (saved === undefined) delete process.env.PADDOCK_PG_BIN; else process.env.PADDOCK_PG_BIN = saved;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** A directory with a pg_dump that reports this version, as PADDOCK_PG_BIN. */
  function toolsReporting(version: string): void {
    const dir = mkdtempSync(join(tmpdir(), 'paddock-pgbin-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'pg_dump'), `#!/bin/sh\necho 'pg_dump (PostgreSQL) ${version}'\n`);
    chmodSync(join(dir, 'pg_dump'), 0o755);
    process.env.PADDOCK_PG_BIN = dir;
  }

  it('reads the major version from the server and from the tools', () => {
    expect(postgresMajor('PostgreSQL 15.20 (Debian 15.20-0+deb12u1) on x86_64-pc-linux-gnu')).toBe(15);
    expect(postgresMajor('pg_dump (PostgreSQL) 17.2')).toBe(17);
    expect(postgresMajor('something else')).toBeUndefined();
  });

  it('refuses a tool older than the server, saying which to install, and accepts the same or newer', async () => {
    toolsReporting('14.9');
    const err = await requirePgTool('pg_dump', 15, 'the server it would dump').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PgToolError);
    expect((err as Error).message).toMatch(/pg_dump \(PostgreSQL\) 14\.9 is older than the server it would dump \(PostgreSQL 15\).*postgresql-client-15.*PADDOCK_PG_BIN/);
    expect(await requirePgTool('pg_dump', 14, 'the server')).toBe('pg_dump (PostgreSQL) 14.9');
    toolsReporting('16.1');
    expect(await requirePgTool('pg_dump', 15, 'the server')).toBe('pg_dump (PostgreSQL) 16.1');
  });

  it('says how to get the tools when they are missing', async () => {
    process.env.PADDOCK_PG_BIN = join(tmpdir(), 'paddock-no-such-bin');
    await expect(requirePgTool('pg_dump', 15, 'the server')).rejects.toThrow(/was not found; install PostgreSQL's client tools \(Debian: postgresql-client\) or set PADDOCK_PG_BIN/);
  });

  it('keeps the password off the command line', () => {
    const c = pgConnection('postgres://paddock:s%3Acret@db.example.com:5433/paddock');
    expect(c.args.join(' ')).not.toContain('s:cret');
    expect(c.env).toEqual({ PGPASSWORD: 's:cret' });
  });
});

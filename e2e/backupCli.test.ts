import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesWithSizes, publicTables, scratchPostgresDatabase, testEngine } from '@paddock/portal/testing';
import { freePort } from './harness/freePort.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN } from './harness/testStack.js';

const cli = fileURLToPath(new URL('../packages/cli/dist/main.js', import.meta.url));
const engine = testEngine();

/** One install as an operator has it: a data dir, and on the PostgreSQL pass a database of its own. */
interface Install { dataDir: string; env: NodeJS.ProcessEnv; drop(): Promise<void> }

/** `paddock admin …` as the operator runs it, in a process of its own with the portal's environment. */
function paddock(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'admin', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** `paddock portal`, a real process, until it answers /healthz. */
class PortalProcess {
  private output = '';
  private constructor(private readonly child: ChildProcess, readonly base: string) {
    child.stdout!.on('data', (c: Buffer) => { this.output += c.toString(); });
    child.stderr!.on('data', (c: Buffer) => { this.output += c.toString(); });
  }

  static async start(install: Install): Promise<PortalProcess> {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [cli, 'portal'], {
      env: { ...install.env, PORT: String(port), PADDOCK_PUBLIC_URL: base, PADDOCK_TUNNEL_PORT: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const portal = new PortalProcess(child, base);
    const deadline = performance.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the portal exited: ${portal.output}`);
      if ((await fetch(`${base}/healthz`).catch(() => undefined))?.ok) return portal;
      if (performance.now() > deadline) throw new Error(`the portal did not answer: ${portal.output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.base}${path}`, {
      method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /** SIGTERM, as an operator stops it; resolves when it has exited (and let go of the data dir). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

describe(`paddock admin backup and restore, as processes (${engine})`, () => {
  let root: string;
  const installs: Install[] = [];
  const portals: PortalProcess[] = [];

  async function install(name: string): Promise<Install> {
    const dataDir = join(root, name);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH, HOST: '127.0.0.1', PADDOCK_DATA_DIR: dataDir, PADDOCK_BACKUP_INTERVAL: 'off',
      PADDOCK_ADMIN_EMAIL: ADMIN_EMAIL, PADDOCK_ADMIN_PASSWORD: ADMIN_PASSWORD, PADDOCK_ADMIN_TOKEN: ADMIN_TOKEN,
    };
    let drop = async () => {};
    if (engine === 'postgres') {
      const db = await scratchPostgresDatabase('paddock_backup_cli');
      env.DATABASE_URL = db.url;
      drop = db.drop;
    }
    const made = { dataDir, env, drop };
    installs.push(made);
    return made;
  }
  async function portal(i: Install) {
    const p = await PortalProcess.start(i);
    portals.push(p);
    return p;
  }

  beforeAll(() => { root = mkdtempSync(join(tmpdir(), 'paddock-backup-cli-')); });
  afterAll(async () => {
    for (const p of portals) await p.stop();
    for (const i of installs) await i.drop();
    rmSync(root, { recursive: true, force: true });
  });

  let backupFile: string;
  let blueprintId: string;
  let source: Install;

  it('backs up a portal\'s data (online with PostgreSQL; the embedded one says to stop the portal first), and restores it into an empty install that then serves it', async () => {
    source = await install('source');
    const a = await portal(source);
    expect((await a.api('POST', '/api/v1/users', { email: 'builder@example.com', name: 'Builder', role: 'builder', password: 'a-long-enough-password' })).status).toBe(201);
    const bp = await a.api('POST', '/api/v1/blueprints', { name: 'Sales pipeline', description: 'restored from a backup' });
    expect(bp.status).toBe(201);
    blueprintId = bp.body.id;
    expect((await a.api('PUT', `/api/v1/blueprints/${blueprintId}/secrets/CRM_TOKEN`, { value: `crm-${randomBytes(8).toString('hex')}` })).status).toBe(200);

    backupFile = join(root, 'paddock.tar');
    if (engine === 'pglite') {
      const refused = await paddock(source.env, 'backup', backupFile);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/paddock admin backup failed: the embedded database .* is open in process \d+ .*stop the portal first.*backs itself up while it runs/);
      expect(existsSync(backupFile)).toBe(false);
      await a.stop();
    }
    const made = await paddock(source.env, 'backup', backupFile);
    expect(made.err).toBe('');
    expect(made.code).toBe(0);
    expect(made.out).toMatch(new RegExp(`^backup written to ${backupFile} \\(${engine}, schema \\d+, .*\\nit does not hold the master key: a restore needs key [0-9a-f]+`));
    expect(statSync(backupFile).mode & 0o777).toBe(0o600);
    await a.stop();

    // A new machine: the operator puts the key they kept in place, then restores.
    const target = await install('target');
    mkdirSync(target.dataDir, { recursive: true, mode: 0o700 });
    copyFileSync(join(source.dataDir, 'master.key'), join(target.dataDir, 'master.key'));
    const restored = await paddock(target.env, 'restore', backupFile);
    expect(restored.err).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.out).toMatch(/^restored the .* backup made .*\n[1-9]\d* secret\(s\) open with the configured master key\naudit chain verified \(\d+ records\)/m);

    const again = await paddock(target.env, 'restore', backupFile);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already holds .*--force.*nothing was changed/);

    const b = await portal(target);
    const users = (await b.api('GET', '/api/v1/users')).body.users.map((u: { email: string }) => u.email);
    expect(users).toEqual(expect.arrayContaining([ADMIN_EMAIL, 'builder@example.com']));
    expect((await b.api('GET', `/api/v1/blueprints/${blueprintId}`)).body.name).toBe('Sales pipeline');
    expect((await b.api('GET', `/api/v1/blueprints/${blueprintId}/secrets`)).body.secrets.map((s: { name: string }) => s.name)).toEqual(['CRM_TOKEN']);
    expect((await b.api('GET', '/api/v1/audit/verify')).body).toMatchObject({ ok: true });
    expect((await b.api('GET', '/api/v1/audit?action=backup.restore')).body.entries).toHaveLength(1);
    // Not even with --force while a portal has the database open.
    const underfoot = await paddock(target.env, 'restore', '--force', backupFile);
    expect(underfoot.code).toBe(1);
    expect(underfoot.err).toMatch(engine === 'pglite' ? /open in process \d+ .*stop the portal first/ : /other session\(s\) are connected to this database.*stop them first/);
    await b.stop();
  }, 180_000);

  it('refuses a truncated file and a wrong master key, and leaves the target as it was', async () => {
    const target = await install('untouched');
    mkdirSync(target.dataDir, { recursive: true, mode: 0o700 });
    const truncated = join(root, 'truncated.tar');
    copyFileSync(backupFile, truncated);
    truncateSync(truncated, Math.floor(statSync(backupFile).size / 3));

    const wrongKey = { ...target.env, PADDOCK_MASTER_KEY: randomBytes(32).toString('base64') };
    const bad = await paddock(wrongKey, 'restore', truncated);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/paddock admin restore failed: .*truncated\.tar is not a usable Paddock backup: .*nothing was changed/);
    const wrong = await paddock(wrongKey, 'restore', backupFile);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/wrapped by master key [0-9a-f]+, which is not among the keys configured here .*nothing was changed/);
    expect(filesWithSizes(target.dataDir)).toEqual([]);
    expect(await publicTables(target.env.DATABASE_URL)).toBe(0);
  }, 60_000);
});

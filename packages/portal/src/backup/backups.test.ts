import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPortal, type Portal } from '../app.js';
import { systemClock } from '../clock.js';
import { configFromEnv, type PortalConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { loadMigrations } from '../db/migrate.js';
import { generateMasterKey, writeMasterKeyFile } from '../secrets/masterKeys.js';
import { portalVersion } from '../version.js';
import { BadBackupError, MANIFEST_NAME } from './backupArchive.js';
import { createBackup, restoreBackup } from './backups.js';
import { scratchPostgresDatabase, testEngine } from '../testing/testDatabase.js';
import { filesWithSizes, publicTables } from '../testing/untouched.js';

const ADMIN_TOKEN = 'pdk_backup_test_admin_token';
const engine = testEngine();

/** One Paddock install: a data dir and, on PostgreSQL runs, its own database. */
interface Install { dataDir: string; databaseUrl: string | undefined; drop(): Promise<void> }
async function newInstall(root: string, name: string): Promise<Install> {
  const dataDir = join(root, name);
  if (engine === 'pglite') return { dataDir, databaseUrl: undefined, drop: async () => {} };
  const db = await scratchPostgresDatabase('paddock_backup');
  return { dataDir, databaseUrl: db.url, drop: db.drop };
}

function portalConfig(install: Install): PortalConfig {
  return {
    ...configFromEnv({}), host: '127.0.0.1', port: 0, tunnelPort: 0, dataDir: install.dataDir,
    databaseUrl: install.databaseUrl, adminEmail: 'admin@example.com', adminPassword: 'correct-horse-battery-staple',
    adminToken: ADMIN_TOKEN, logLevel: 'silent',
    backup: { intervalMs: undefined, retention: 7, dir: join(install.dataDir, 'backups') },
  };
}

async function api(portal: Portal, method: string, url: string, payload?: unknown) {
  const res = await portal.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
}

const keyOptions = (install: Install) => ({ keyFile: join(install.dataDir, 'master.key') });

/** The manifest inside a backup file, as text. */
async function readManifest(file: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-manifest-'));
  try {
    await tar.extract({ file, cwd: dir, filter: (path) => path === MANIFEST_NAME });
    return readFileSync(join(dir, MANIFEST_NAME), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A copy of a backup with its manifest changed (the payload and its checksums as they were). */
async function rewriteManifest(file: string, to: string, change: (m: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-manifest-'));
  try {
    await tar.extract({ file, cwd: dir });
    writeFileSync(join(dir, MANIFEST_NAME), JSON.stringify(change(JSON.parse(readFileSync(join(dir, MANIFEST_NAME), 'utf8')))));
    await tar.create({ cwd: dir, file: to, portable: true }, readdirSync(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe(`backup and restore (${engine})`, () => {
  let root: string;
  const installs: Install[] = [];
  let source: Install;
  let backupFile: string;
  let blueprintId: string;
  let keptKey: string;
  let governancePolicy: unknown;
  const secretValue = `s3cr3t-${randomBytes(8).toString('hex')}`;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'paddock-backup-test-'));
    source = await newInstall(root, 'source');
    installs.push(source);
    const portal = await startPortal({ config: portalConfig(source) });
    try {
      expect((await api(portal, 'POST', '/api/v1/users', { email: 'builder@example.com', name: 'Builder', role: 'builder', password: 'a-long-enough-password' })).status).toBe(201);
      const bp = await api(portal, 'POST', '/api/v1/blueprints', { name: 'Finance dashboards', description: 'for the backup test' });
      expect(bp.status).toBe(201);
      blueprintId = bp.body.id;
      expect((await api(portal, 'PUT', `/api/v1/blueprints/${blueprintId}/secrets/DB_PASSWORD`, { value: secretValue })).status).toBe(200);
      expect((await api(portal, 'PUT', `/api/v1/blueprints/${blueprintId}/access`, { access: 'restricted', rules: [{ kind: 'domain', value: 'example.com' }] })).status).toBe(200);
      expect((await api(portal, 'PUT', '/api/v1/admin/ip-allowlist', { cidrs: ['127.0.0.0/8', '10.0.0.0/8'], trustedProxies: [] })).status).toBe(200);
      const policy = (await api(portal, 'GET', '/api/v1/governance/policy')).body;
      const saved = await api(portal, 'PUT', '/api/v1/governance/policy', { ...policy, mode: policy.mode === 'enforce' ? 'monitor' : 'enforce' });
      expect(saved.status).toBe(200);
      governancePolicy = saved.body;
      // Online: the portal is serving while its database is copied.
      backupFile = join(root, 'paddock.backup');
      const manifest = await createBackup(backupFile, {
        db: portal.services.db, databaseUrl: source.databaseUrl, clock: systemClock, keys: keyOptions(source),
      });
      expect(manifest.engine).toBe(engine);
      expect(manifest.masterKey).toMatchObject({ included: false });
      expect(manifest.masterKey.keyIds).toHaveLength(1);
      // Made after the backup: must not come back.
      expect((await api(portal, 'POST', '/api/v1/users', { email: 'later@example.com', name: 'Later', role: 'builder', password: 'a-long-enough-password' })).status).toBe(201);
    } finally {
      await portal.close();
    }
    keptKey = join(root, 'kept-master.key');
    copyFileSync(join(source.dataDir, 'master.key'), keptKey);
  }, 120_000);

  afterAll(async () => {
    for (const i of installs) await i.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('writes a file only the portal\'s user can read, without the master key in it', () => {
    expect(statSync(backupFile).mode & 0o777).toBe(0o600);
    const key = readFileSync(keptKey, 'utf8').trim();
    expect(readFileSync(backupFile).includes(Buffer.from(key))).toBe(false);
  });

  it('refuses to restore without the master key the secrets need, and changes nothing', async () => {
    const target = await newInstall(root, 'no-key');
    installs.push(target);
    await expect(restoreBackup(backupFile, { dataDir: target.dataDir, databaseUrl: target.databaseUrl, keys: keyOptions(target), clock: systemClock }))
      .rejects.toThrow(/wrapped by master key .* not configured here.*nothing was changed/);
    expect(filesWithSizes(target.dataDir)).toEqual([]);
    if (target.databaseUrl) expect(await publicTables(target.databaseUrl)).toBe(0);
  });

  it('refuses to restore with a different master key, naming both, before writing anything', async () => {
    const target = await newInstall(root, 'wrong-key');
    installs.push(target);
    const wrong = generateMasterKey();
    writeMasterKeyFile(join(target.dataDir, 'master.key'), [wrong]);
    const before = filesWithSizes(target.dataDir);
    const needed = JSON.parse(await readManifest(backupFile)).masterKey.keyIds[0];
    const err = await restoreBackup(backupFile, { dataDir: target.dataDir, databaseUrl: target.databaseUrl, keys: keyOptions(target), clock: systemClock }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(new RegExp(`wrapped by master key ${needed}, which is not among the keys configured here \\(${wrong.id}\\).*nothing was changed`));
    // The same from PADDOCK_MASTER_KEY.
    await expect(restoreBackup(backupFile, { dataDir: target.dataDir, databaseUrl: target.databaseUrl, keys: { ...keyOptions(target), envKey: generateMasterKey().key.toString('base64') }, clock: systemClock }))
      .rejects.toThrow(/not among the keys configured here.*nothing was changed/);
    expect(filesWithSizes(target.dataDir)).toEqual(before);
    if (target.databaseUrl) expect(await publicTables(target.databaseUrl)).toBe(0);
  });

  it('opens every secret before writing anything: a manifest edited to need no key is still refused', async () => {
    const edited = join(root, 'no-keys-claimed.backup');
    await rewriteManifest(backupFile, edited, (m) => ({ ...m, masterKey: { keyIds: [], included: false } }));
    const target = await newInstall(root, 'edited-manifest');
    installs.push(target);
    writeMasterKeyFile(join(target.dataDir, 'master.key'), [generateMasterKey()]);
    const before = filesWithSizes(target.dataDir);
    await expect(restoreBackup(edited, { dataDir: target.dataDir, databaseUrl: target.databaseUrl, keys: keyOptions(target), clock: systemClock }))
      .rejects.toThrow(/the secret blueprint:[^ ]+ in the backup does not open with the configured master keys.*nothing was changed/);
    expect(filesWithSizes(target.dataDir)).toEqual(before);
    expect(await publicTables(target.databaseUrl)).toBe(0);
  });

  it('records in its manifest what made it: format, engine, schema, time, Paddock and engine versions', async () => {
    const m = JSON.parse(await readManifest(backupFile));
    expect(m).toMatchObject({
      paddockBackup: 1, engine, schemaVersion: loadMigrations().at(-1)!.version, paddockVersion: portalVersion,
      engineVersion: expect.stringMatching(/^PostgreSQL \d+/), createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    if (engine === 'postgres') expect(m.dumpToolVersion).toMatch(/^pg_dump \(PostgreSQL\) \d+/);
  });

  it('refuses a backup whose schema is newer than this Paddock, before writing anything', async () => {
    const newest = loadMigrations().at(-1)!.version;
    const future = join(root, 'future.backup');
    await rewriteManifest(backupFile, future, (m) => ({ ...m, schemaVersion: newest + 1 }));
    const target = await newInstall(root, 'future');
    installs.push(target);
    mkdirSync(target.dataDir, { recursive: true });
    copyFileSync(keptKey, join(target.dataDir, 'master.key'));
    const before = filesWithSizes(target.dataDir);
    await expect(restoreBackup(future, { dataDir: target.dataDir, databaseUrl: target.databaseUrl, keys: keyOptions(target), clock: systemClock }))
      .rejects.toThrow(new RegExp(`schema version ${newest + 1}, newer than this Paddock knows \\(${newest}\\).*nothing was changed`));
    expect(filesWithSizes(target.dataDir)).toEqual(before);
    if (target.databaseUrl) expect(await publicTables(target.databaseUrl)).toBe(0);
  });

  it('brings a backup of an older schema up to this version as it restores it', async () => {
    const old = await newInstall(root, 'old-schema');
    installs.push(old);
    const olderVersion = 16;
    const db = await openDatabase({ url: old.databaseUrl, pgliteDir: join(old.dataDir, 'pglite'), migrateUpTo: olderVersion });
    const oldFile = join(root, 'old-schema.backup');
    try {
      await db.insertInto('settings').values({ key: 'from-the-past', value: JSON.stringify('still here'), updated_at: new Date() }).execute();
      expect((await createBackup(oldFile, { db, databaseUrl: old.databaseUrl, clock: systemClock, keys: keyOptions(old) })).schemaVersion).toBe(olderVersion);
    } finally {
      await db.destroy();
    }
    const target = await newInstall(root, 'old-schema-target');
    installs.push(target);
    const result = await restoreBackup(oldFile, { dataDir: target.dataDir, databaseUrl: target.databaseUrl, keys: keyOptions(target), clock: systemClock });
    expect(result.manifest.schemaVersion).toBe(olderVersion);
    expect(result.audit.ok).toBe(true);
    const restored = await openDatabase({ url: target.databaseUrl, pgliteDir: join(target.dataDir, 'pglite') });
    try {
      const versions = (await restored.selectFrom('schema_migrations' as never).select('version' as never).execute()).map((r) => (r as { version: number }).version);
      expect(Math.max(...versions)).toBe(loadMigrations().at(-1)!.version);
      expect((await restored.selectFrom('settings').select('value').where('key', '=', 'from-the-past').executeTakeFirst())?.value).toBe('still here');
    } finally {
      await restored.destroy();
    }
  }, 120_000);

  it('round-trips into an empty install: users, blueprints, policies, secrets and an audit chain that verifies', async () => {
    const target = await newInstall(root, 'restored');
    installs.push(target);
    // The operator kept the key apart from the backup and puts it in place first.
    mkdirSync(target.dataDir, { recursive: true });
    copyFileSync(keptKey, join(target.dataDir, 'master.key'));
    const result = await restoreBackup(backupFile, { dataDir: target.dataDir, databaseUrl: target.databaseUrl, keys: keyOptions(target), clock: systemClock });
    expect(result.audit.ok).toBe(true);
    expect(result.secrets).toBeGreaterThanOrEqual(1);

    const portal = await startPortal({ config: portalConfig(target) });
    try {
      const verify = await api(portal, 'GET', '/api/v1/audit/verify');
      expect(verify.status).toBe(200);
      expect(verify.body).toMatchObject({ ok: true });
      const users = (await api(portal, 'GET', '/api/v1/users')).body.users.map((u: { email: string }) => u.email);
      expect(users).toContain('builder@example.com');
      expect(users).not.toContain('later@example.com');
      const bp = await api(portal, 'GET', `/api/v1/blueprints/${blueprintId}`);
      expect(bp.body.name).toBe('Finance dashboards');
      expect((await api(portal, 'GET', `/api/v1/blueprints/${blueprintId}/access`)).body).toMatchObject({ access: 'restricted', rules: [{ kind: 'domain', value: 'example.com' }] });
      expect((await api(portal, 'GET', '/api/v1/admin/ip-allowlist')).body.cidrs).toEqual(['127.0.0.0/8', '10.0.0.0/8']);
      expect((await api(portal, 'GET', '/api/v1/governance/policy')).body).toEqual(governancePolicy);
      expect(await portal.services.blueprintSecrets.envFor(blueprintId)).toEqual({ DB_PASSWORD: secretValue });
      const audit = await api(portal, 'GET', '/api/v1/audit?limit=200');
      const actions = audit.body.entries.map((e: { action: string }) => e.action);
      expect(actions).toContain('backup.restore');
      expect(actions).toContain('blueprint.secret.put');
    } finally {
      await portal.close();
    }

    // Now it holds data: a second restore is refused, then with force replaces it (PGlite keeps the old copy beside it).
    const before = filesWithSizes(target.dataDir);
    await expect(restoreBackup(backupFile, { dataDir: target.dataDir, databaseUrl: target.databaseUrl, keys: keyOptions(target), clock: systemClock }))
      .rejects.toThrow(/already holds .*--force.*nothing was changed/);
    expect(filesWithSizes(target.dataDir)).toEqual(before);
    const forced = await restoreBackup(backupFile, { dataDir: target.dataDir, databaseUrl: target.databaseUrl, keys: keyOptions(target), clock: systemClock, force: true });
    expect(forced.audit.ok).toBe(true);
    if (engine === 'pglite') expect(existsSync(forced.movedAside!)).toBe(true);
  }, 120_000);

  it('refuses a truncated, damaged or foreign file with a clear error and changes nothing', async () => {
    const target = await newInstall(root, 'bad-files');
    installs.push(target);
    mkdirSync(target.dataDir, { recursive: true });
    copyFileSync(keptKey, join(target.dataDir, 'master.key'));
    const size = statSync(backupFile).size;

    const truncated = join(root, 'truncated.backup');
    copyFileSync(backupFile, truncated);
    truncateSync(truncated, Math.floor(size / 2));
    const damaged = join(root, 'damaged.backup');
    const bytes = readFileSync(backupFile);
    bytes[Math.floor(size * 0.6)]! ^= 0xff;
    writeFileSync(damaged, bytes);
    const foreign = join(root, 'notes.txt');
    writeFileSync(foreign, 'these are not the bytes you are looking for\n');

    const before = filesWithSizes(target.dataDir);
    for (const file of [truncated, damaged, foreign, join(root, 'missing.backup')]) {
      const err = await restoreBackup(file, { dataDir: target.dataDir, databaseUrl: target.databaseUrl, keys: keyOptions(target), clock: systemClock }).catch((e: unknown) => e);
      expect(err, file).toBeInstanceOf(BadBackupError);
      expect((err as Error).message).toMatch(/is not a usable Paddock backup: .*nothing was changed/);
      expect(filesWithSizes(target.dataDir)).toEqual(before);
      if (target.databaseUrl) expect(await publicTables(target.databaseUrl)).toBe(0);
    }
  }, 120_000);

  it('can carry the master key when asked, and says so in the manifest', async () => {
    const withKey = join(root, 'with-key.backup');
    const target = await newInstall(root, 'carried-key');
    installs.push(target);
    // A backup of the restored source's database: open it again just for this.
    const portal = await startPortal({ config: portalConfig(installs.find((i) => i.dataDir.endsWith('restored'))!) });
    try {
      const manifest = await createBackup(withKey, {
        db: portal.services.db, databaseUrl: portal.services.config.databaseUrl, clock: systemClock,
        keys: { keyFile: join(portal.services.config.dataDir, 'master.key') }, includeMasterKey: true,
      });
      expect(manifest.masterKey.included).toBe(true);
    } finally {
      await portal.close();
    }
    // A key configured here comes first, and the restore says how to use the backup's instead.
    await expect(restoreBackup(withKey, { dataDir: target.dataDir, databaseUrl: target.databaseUrl, keys: { ...keyOptions(target), envKey: generateMasterKey().key.toString('base64') }, clock: systemClock }))
      .rejects.toThrow(/the backup carries the key it needs, but a configured key comes first: move .*master\.key aside \(or unset PADDOCK_MASTER_KEY\).*nothing was changed/);
    const result = await restoreBackup(withKey, { dataDir: target.dataDir, databaseUrl: target.databaseUrl, keys: keyOptions(target), clock: systemClock });
    expect(result.keyFileWritten).toBe(join(target.dataDir, 'master.key'));
    expect(statSync(result.keyFileWritten!).mode & 0o777).toBe(0o600);
    expect(readFileSync(result.keyFileWritten!, 'utf8')).toBe(readFileSync(keptKey, 'utf8'));
  }, 120_000);

  it('an admin backs the running portal up through the API, online, into its backup directory', async () => {
    const target = installs.find((i) => i.dataDir.endsWith('restored'))!;
    const portal = await startPortal({ config: portalConfig(target) });
    try {
      const made = await api(portal, 'POST', '/api/v1/admin/backups');
      expect(made.status).toBe(201);
      expect(made.body).toMatchObject({ kind: 'manual', name: expect.stringMatching(/^paddock-manual-\d{8}T\d{6}\.\d{3}Z\.tar$/) });
      const file = join(target.dataDir, 'backups', made.body.name);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(target.dataDir, 'backups')).mode & 0o777).toBe(0o700);
      const listed = await api(portal, 'GET', '/api/v1/admin/backups');
      expect(listed.body.backups).toEqual([{ name: made.body.name, bytes: statSync(file).size, kind: 'manual' }]);
      // The portal kept serving: the backup is complete and restorable.
      const copy = await newInstall(root, 'from-api');
      installs.push(copy);
      mkdirSync(copy.dataDir, { recursive: true });
      copyFileSync(keptKey, join(copy.dataDir, 'master.key'));
      expect((await restoreBackup(file, { dataDir: copy.dataDir, databaseUrl: copy.databaseUrl, keys: keyOptions(copy), clock: systemClock })).audit.ok).toBe(true);
      expect((await api(portal, 'GET', '/api/v1/audit?action=backup.create')).body.entries).toHaveLength(1);
      const metrics = (await portal.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toContain('paddock_backups_total{kind="manual",outcome="success"} 1');
      expect(metrics).toMatch(/\npaddock_backup_last_success_timestamp_seconds [1-9]\d{9}/);
    } finally {
      await portal.close();
    }
  }, 120_000);

  it('is refused while the embedded portal has the database open', async () => {
    if (engine !== 'pglite') {
      // With PostgreSQL the guard is the server's session list.
      const target = installs.find((i) => i.dataDir.endsWith('restored'))!;
      const portal = await startPortal({ config: portalConfig(target) });
      try {
        await expect(restoreBackup(backupFile, { dataDir: target.dataDir, databaseUrl: target.databaseUrl, keys: keyOptions(target), clock: systemClock, force: true }))
          .rejects.toThrow(/other session\(s\) are connected.*stop them first/);
      } finally {
        await portal.close();
      }
      return;
    }
    const target = installs.find((i) => i.dataDir.endsWith('restored'))!;
    const portal = await startPortal({ config: portalConfig(target) });
    try {
      await expect(restoreBackup(backupFile, { dataDir: target.dataDir, keys: keyOptions(target), clock: systemClock, force: true }))
        .rejects.toThrow(new RegExp(`open in process ${process.pid}.*stop the portal first`));
    } finally {
      await portal.close();
    }
  }, 120_000);
});

import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestStack } from './harness/testStack.js';

/** A value that shows up in a dump however it is encoded (plain, base64, hex). */
const marker = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;
const encodings = (value: string) => [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex')];

describe('secrets at rest', () => {
  let stack: TestStack;
  let blueprintId: string;
  const dbPassword = marker('db-password');
  const llmKey = `sk-ant-api03-${randomBytes(24).toString('base64url')}`;
  const oidcSecret = marker('oidc-client-secret');
  const scimToken = marker('scim-token');

  beforeAll(async () => {
    stack = await TestStack.start();
    blueprintId = await stack.starterId();
  });
  afterAll(async () => { await stack?.close(); });

  it('stores a blueprint secret write-only: reads show the name and a mask', async () => {
    const put = await stack.api('PUT', `/api/v1/blueprints/${blueprintId}/secrets/DB_PASSWORD`, { value: dbPassword });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ name: 'DB_PASSWORD', masked: '••••••••', updatedAt: expect.any(String) });
    const list = await stack.api('GET', `/api/v1/blueprints/${blueprintId}/secrets`);
    expect(list.body.secrets).toEqual([{ name: 'DB_PASSWORD', masked: '••••••••', updatedAt: expect.any(String) }]);
    expect(JSON.stringify(list.body)).not.toContain(dbPassword);
    const auditor = await stack.userToken('audrey-sec@example.com', 'auditor');
    expect((await stack.api('GET', `/api/v1/blueprints/${blueprintId}/secrets`, undefined, auditor.token)).status).toBe(403);
  });

  it('validates names, sizes and the blueprint', async () => {
    const put = (name: string, value: unknown, id = blueprintId) => stack.api('PUT', `/api/v1/blueprints/${id}/secrets/${name}`, { value });
    for (const name of ['db_password', '1ABC', 'A-B', `A${'B'.repeat(64)}`, 'PATH', 'PADDOCK_DAEMON_SOCKET']) {
      expect((await put(name, 'x')).status, name).toBe(400);
    }
    expect((await put('BIG', 'x'.repeat(64 * 1024 + 1))).status).toBe(400);
    expect((await put('BIG', 'x'.repeat(64 * 1024))).status).toBe(200);
    expect((await put('BIG', 42)).status).toBe(400);
    expect((await put('FINE', 'x', 'no-such-blueprint')).status).toBe(404);
    expect((await stack.api('DELETE', `/api/v1/blueprints/${blueprintId}/secrets/NOPE`)).status).toBe(404);
    expect((await stack.api('DELETE', `/api/v1/blueprints/${blueprintId}/secrets/BIG`)).status).toBe(204);
    const names = (await stack.api('GET', `/api/v1/blueprints/${blueprintId}/secrets`)).body.secrets.map((s: { name: string }) => s.name);
    expect(names).toEqual(['DB_PASSWORD']);
  });

  it("reaches the blueprint's workspaces as an environment variable", async () => {
    const id = await stack.runningWorkspace('secret-env');
    const terminal = await stack.terminal(id);
    terminal.type('echo "got:$DB_PASSWORD:end"\n');
    await terminal.waitFor(`got:${dbPassword}:end`);
    terminal.close();
    // Not on any command line, which every user of the host can read (ps).
    const cmdlines = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map((p) => {
      try { return readFileSync(`/proc/${p}/cmdline`, 'utf8'); } catch { return ''; }
    });
    expect(cmdlines.some((c) => c.includes('bwrap') || c.includes('workspaced'))).toBe(true);
    expect(cmdlines.filter((c) => c.includes(dbPassword))).toEqual([]);
  });

  it('keeps every secret out of the database dump, the logs and the audit trail', async () => {
    // The other recoverable secrets, stored the way their features store them.
    const { secrets } = stack.portal.services;
    await secrets.put('llm', 'ANTHROPIC_API_KEY', llmKey);
    await secrets.put('oidc', 'client_secret', oidcSecret);
    await secrets.put('scim', 'token', scimToken);
    expect(await secrets.get('oidc', 'client_secret')).toBe(oidcSecret);
    expect((await secrets.list('llm'))).toEqual([{ name: 'ANTHROPIC_API_KEY', masked: '••••••••', updatedAt: expect.any(String) }]);

    const tables = (await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(stack.db)).rows;
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['secrets', 'settings', 'audit_log', 'users']));
    let dump = '';
    for (const { table_name } of tables) {
      const rows = (await sql`select * from ${sql.table(table_name)}`.execute(stack.db)).rows;
      dump += `${table_name}\n${JSON.stringify(rows)}\n`;
    }
    expect((await stack.db.selectFrom('secrets').select('scope').execute()).length).toBeGreaterThanOrEqual(4);
    for (const value of [dbPassword, llmKey, oidcSecret, scimToken]) {
      for (const encoded of encodings(value)) {
        expect(dump.includes(encoded), `database holds ${value}`).toBe(false);
        expect(stack.logs.text.includes(encoded), `logs hold ${value}`).toBe(false);
      }
    }
    // The audit trail names the secret and who set it.
    const audit = (await stack.api('GET', '/api/v1/audit?limit=100')).body.entries as Array<{ action: string; detail: { name?: string } }>;
    expect(audit.filter((e) => e.action === 'blueprint.secret.put').map((e) => e.detail.name)).toContain('DB_PASSWORD');
    expect(stack.logs.text.length).toBeGreaterThan(1000);
  });

  it('keeps the master key file private', () => {
    expect(statSync(join(stack.portal.services.config.dataDir, 'master.key')).mode & 0o777).toBe(0o600);
  });

  it('rotates the master key through the running portal: every secret still opens, the old key is gone', async () => {
    const keyFile = join(stack.portal.services.config.dataDir, 'master.key');
    const before = readFileSync(keyFile, 'utf8').trim();
    await stack.api('PUT', `/api/v1/blueprints/${blueprintId}/secrets/ROTATE_ME`, { value: 'still-here' });
    const rotated = await stack.api('POST', '/api/v1/admin/master-key/rotate');
    expect(rotated.status).toBe(200);
    expect(rotated.body.rewrapped).toBeGreaterThan(0);
    const after = readFileSync(keyFile, 'utf8').trim();
    expect(after.split('\n')).toHaveLength(1);
    expect(after).not.toBe(before);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const keyIds = await stack.db.selectFrom('secrets').select('master_key_id').distinct().execute();
    expect(keyIds.map((k) => k.master_key_id)).toEqual([rotated.body.newKeyId]);
    // The same portal, never restarted, still decrypts what it stored before the rotation.
    expect(await stack.portal.services.secrets.get(`blueprint:${blueprintId}`, 'ROTATE_ME')).toBe('still-here');
    const audit = (await stack.api('GET', '/api/v1/audit?action=secrets.master_key.rotate')).body.entries;
    expect(audit[0]).toMatchObject({ outcome: 'success', actorEmail: 'admin@example.com' });
  });
});

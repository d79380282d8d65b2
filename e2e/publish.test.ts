import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DestinationError, runInWorkspace } from '@paddock/agent';
import { previewActivityCheck } from '@paddock/portal';
import { ADMIN_TOKEN, TestStack } from './harness/testStack.js';

/**
 * Publish requests through the real stack (issue 10): a portal, a real agent over the
 * TLS tunnel, bubblewrap sandboxes. Files are written into running workspaces through
 * the file API; the agent snapshots them as versions and checks them; the portal keeps
 * the request and the checks' summary, and relays a diff only when it is asked for.
 */
describe('publish requests', () => {
  let stack: TestStack;
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };
  let carol: { id: string; token: string };
  let aliceWs: string;
  let carolWs: string;
  let starter: string;
  /** Text only a published file holds: the portal's database and logs must never. */
  const unique = `published-page-${randomBytes(8).toString('hex')}`;
  const changed = `changed-page-${randomBytes(8).toString('hex')}`;
  const awsKey = `AKIA${Array.from(randomBytes(16), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32]).join('')}`;

  const write = async (workspaceId: string, path: string, text: string, token: string) => {
    const res = await fetch(`${stack.url}/api/v1/workspaces/${workspaceId}/files/content?path=${encodeURIComponent(path)}`, {
      method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body: text,
    });
    expect(res.status, await res.clone().text()).toBe(200);
  };
  const remove = async (workspaceId: string, path: string, token: string) => {
    expect((await stack.api('DELETE', `/api/v1/workspaces/${workspaceId}/files?path=${encodeURIComponent(path)}`, undefined, token)).status).toBe(204);
  };
  const publish = (workspaceId: string, body: unknown, token: string) => stack.api('POST', `/api/v1/workspaces/${workspaceId}/publish-requests`, body, token);
  const audit = async () => (await stack.api('GET', '/api/v1/audit?limit=500')).body.entries as Array<{ action: string; actorEmail: string; targetId: string; detail: Record<string, unknown> }>;

  beforeAll(async () => {
    // No name resolves: the preview-activity case's request is decided and recorded, and goes nowhere.
    stack = await TestStack.start({ agent: { egressDestinations: { resolve: async (domain) => { throw new DestinationError(`${domain} does not resolve`); } } } });
    alice = await stack.userToken('alice@example.com');
    bob = await stack.userToken('bob@example.com');
    carol = await stack.userToken('carol@example.com');
    starter = await stack.starterId();
    [aliceWs, carolWs] = await Promise.all([stack.runningWorkspace('alice-app', alice.token), stack.runningWorkspace('carol-app', carol.token)]);
  }, 120_000);
  afterAll(async () => { await stack?.close(); });

  let first: { id: string; version: string };

  it('takes a builder\'s request as pending, with the checks run on its version; others see none of it', async () => {
    await write(aliceWs, 'index.html', `<h1>${unique}</h1>\n`, alice.token);
    const res = await publish(aliceWs, { subdomain: 'alice-app', access: 'organization', note: 'first version' }, alice.token);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ state: 'pending', version: expect.stringMatching(/^[0-9a-f]{40}$/), baseVersion: 'empty', trusted: false, subdomain: 'alice-app' });
    expect(res.body.checks).toEqual(expect.arrayContaining([
      { name: 'secret-scan', status: 'passed', findings: [] },
      expect.objectContaining({ name: 'dependency-changes' }),
    ]));
    first = res.body;
    const mine = await stack.api('GET', '/api/v1/publish-requests?state=pending', undefined, alice.token);
    expect(mine.body.items.map((r: { id: string }) => r.id)).toEqual([first.id]);
    expect((await stack.api('GET', '/api/v1/publish-requests', undefined, bob.token)).body.items).toEqual([]);
    expect((await stack.api('GET', `/api/v1/publish-requests/${first.id}`, undefined, bob.token)).status).toBe(404);
  });

  it('shows a reviewer the diff, read from the agent', async () => {
    const detail = await stack.api('GET', `/api/v1/publish-requests/${first.id}`);
    expect(detail.status, JSON.stringify(detail.body)).toBe(200);
    expect(detail.body.diff.files).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'index.html', status: 'added', additions: 1 })]));
    expect(detail.body.diff.patch).toContain(unique);
  });

  it('refuses a builder approving anyone\'s request, their own included', async () => {
    for (const token of [bob.token, alice.token]) {
      const res = await stack.api('POST', `/api/v1/publish-requests/${first.id}/approve`, undefined, token);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
  });

  it('lets an admin approve it, audited with its version, and the builder hears of it on the event stream', async () => {
    const controller = new AbortController();
    const stream = await fetch(`${stack.url}/api/v1/events`, { headers: { authorization: `Bearer ${alice.token}` }, signal: controller.signal });
    const reader = stream.body!.getReader();
    const approved = await stack.api('POST', `/api/v1/publish-requests/${first.id}/approve`);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({ id: first.id, state: 'approved', decidedAt: expect.any(String) });
    let seen = '';
    const deadline = Date.now() + 10_000;
    while (!seen.includes(first.id) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += Buffer.from(value).toString('utf8');
    }
    controller.abort();
    expect(seen).toMatch(new RegExp(`event: publish\\ndata: \\{"type":"publish","requestId":"${first.id}"`));
    const entries = await audit();
    expect(entries.find((e) => e.action === 'publish.request' && e.targetId === first.id)).toMatchObject({ actorEmail: 'alice@example.com', detail: { version: first.version } });
    expect(entries.find((e) => e.action === 'publish.approve' && e.targetId === first.id)).toMatchObject({ detail: { version: first.version, trusted: false } });
    // Decided once.
    expect((await stack.api('POST', `/api/v1/publish-requests/${first.id}/approve`)).status).toBe(409);
  });

  it('tells the Publish button whether anything changed since the approved version, without taking a version', async () => {
    const status = (token?: string) => stack.api('GET', `/api/v1/workspaces/${aliceWs}/publish-status`, undefined, token);
    expect((await status(alice.token)).body).toEqual({ changed: false, lastPublished: { version: first.version, subdomain: 'alice-app', requestId: first.id } });
    // What a snapshot leaves out is no change.
    await write(aliceWs, 'node_modules/left-pad/index.js', 'module.exports = 1;\n', alice.token);
    expect((await status(alice.token)).body.changed).toBe(false);
    await write(aliceWs, 'about.html', '<p>about</p>\n', alice.token);
    expect((await status(alice.token)).body.changed).toBe(true);
    // Admins and auditors read it (an admin here); to another builder the workspace does not exist.
    expect((await status()).body.changed).toBe(true);
    expect((await status(bob.token)).status).toBe(404);
    await remove(aliceWs, 'about.html', alice.token);
    expect((await status(alice.token)).body.changed).toBe(false);
    const { workspaceHttp, workspaces } = stack.portal.services;
    const agentId = (await workspaces.agentOf(aliceWs))!;
    const res = await workspaceHttp.request({ agentId, workspaceId: aliceWs, target: { versions: true } }, { peer: 'the version store', method: 'GET', path: '/versions', headersTimeoutMs: 30_000, bodyTimeoutMs: 30_000 });
    let text = '';
    for await (const chunk of res) text += String(chunk);
    expect((JSON.parse(text) as { items: Array<{ version: string }> }).items.map((v) => v.version)).toEqual([first.version]);
  });

  it('shows in a second request only what changed since the approved version; an older request is stale', async () => {
    await write(aliceWs, 'index.html', `<h1>${changed}</h1>\n`, alice.token);
    const older = await publish(aliceWs, { subdomain: 'alice-app', access: 'organization' }, alice.token);
    expect(older.status).toBe(201);
    const second = await publish(aliceWs, { subdomain: 'alice-app', access: 'organization' }, alice.token);
    expect(second.body).toMatchObject({ state: 'pending', baseVersion: first.version });
    const detail = await stack.api('GET', `/api/v1/publish-requests/${second.body.id}`);
    expect(detail.body.diff.files).toEqual([expect.objectContaining({ path: 'index.html', status: 'modified', additions: 1, deletions: 1 })]);
    expect(detail.body.diff.patch).toContain(changed);
    const stale = await stack.api('POST', `/api/v1/publish-requests/${older.body.id}/approve`);
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toMatch(/newer publish request/);
    const rejected = await stack.api('POST', `/api/v1/publish-requests/${second.body.id}/reject`, { feedback: 'make the heading bigger' });
    expect(rejected.body).toMatchObject({ state: 'rejected', feedback: 'make the heading bigger' });
    expect((await audit()).find((e) => e.action === 'publish.reject' && e.targetId === second.body.id)).toBeDefined();
  });

  it('refuses public access unless the blueprint allows public apps', async () => {
    const refused = await publish(aliceWs, { subdomain: 'alice-app', access: 'public' }, alice.token);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/does not allow public apps/);
    expect((await stack.api('GET', `/api/v1/blueprints/${starter}`)).body.allowPublicApps).toBe(false);
    expect((await stack.api('PATCH', `/api/v1/blueprints/${starter}`, { allowPublicApps: true })).body.allowPublicApps).toBe(true);
    expect((await publish(aliceWs, { subdomain: 'alice-app', access: 'public' }, alice.token)).body).toMatchObject({ state: 'pending', access: 'public' });
    expect((await stack.api('PATCH', `/api/v1/blueprints/${starter}`, { allowPublicApps: false })).body.allowPublicApps).toBe(false);
    expect((await audit()).find((e) => e.action === 'blueprint.update' && e.detail.allowPublicApps === true)).toBeDefined();
  });

  it('refuses subdomains that are not DNS labels, or are reserved, in the one error shape; and one another app holds', async () => {
    for (const subdomain of ['Alice', '-alice', 'alice-', 'a'.repeat(64), 'al_ice', 'al.ice', '', 'www', 'admin']) {
      const res = await publish(aliceWs, { subdomain, access: 'organization' }, alice.token);
      expect(res.status, subdomain).toBe(400);
      expect(res.body, subdomain).toEqual({ error: { code: 'invalid_input', message: expect.any(String) } });
    }
    expect((await publish(aliceWs, { subdomain: 'a'.repeat(63), access: 'organization' }, alice.token)).status).toBe(201);
    const taken = await publish(carolWs, { subdomain: 'alice-app', access: 'organization' }, carol.token);
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toMatch(/taken/);
  });

  it('fails the secret scan on a fake AWS key: approval is refused, and a trusted builder is not approved at once', async () => {
    expect((await stack.api('PATCH', `/api/v1/users/${carol.id}`, { trusted: true })).body.trusted).toBe(true);
    await write(carolWs, 'index.html', '<h1>carol</h1>\n', carol.token);
    await write(carolWs, 'src/config.js', `export const region = 'eu-west-1';\nexport const id = '${awsKey}';\n`, carol.token);
    const res = await publish(carolWs, { subdomain: 'carol-app', access: 'organization' }, carol.token);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ state: 'pending', trusted: true });
    const scan = res.body.checks.find((c: { name: string }) => c.name === 'secret-scan');
    expect(scan).toEqual({ name: 'secret-scan', status: 'failed', findings: [{ file: 'src/config.js', line: 2, rule: 'aws', match: 'AKIA***' }] });
    const refused = await stack.api('POST', `/api/v1/publish-requests/${res.body.id}/approve`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/secret/);
  });

  it('approves a trusted builder at once when every check passes, audited as trusted', async () => {
    await remove(carolWs, 'src/config.js', carol.token);
    const res = await publish(carolWs, { subdomain: 'carol-app', access: 'organization' }, carol.token);
    expect(res.body.checks.map((c: { status: string }) => c.status)).toEqual(['passed', 'passed']);
    expect(res.body).toMatchObject({ state: 'approved', trusted: true, decidedBy: carol.id });
    expect((await audit()).find((e) => e.action === 'publish.approve' && e.targetId === res.body.id))
      .toMatchObject({ actorEmail: 'carol@example.com', detail: { version: res.body.version, trusted: true, automatic: true } });
    // Trust is per blueprint too: revoked there, the same builder waits for review.
    await stack.api('PATCH', `/api/v1/blueprints/${starter}`, { trustedPublishing: false });
    await write(carolWs, 'index.html', '<h1>carol, again</h1>\n', carol.token);
    const again = await publish(carolWs, { subdomain: 'carol-app', access: 'organization' }, carol.token);
    expect(again.body).toMatchObject({ state: 'pending', trusted: false });
    await stack.api('PATCH', `/api/v1/blueprints/${starter}`, { trustedPublishing: true });
  });

  it("refuses an admin approving their own request, with a clear error", async () => {
    const adminWs = await stack.runningWorkspace('admin-app', ADMIN_TOKEN);
    await write(adminWs, 'index.html', '<h1>admin</h1>\n', ADMIN_TOKEN);
    const res = await publish(adminWs, { subdomain: 'admin-app', access: 'organization' }, ADMIN_TOKEN);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const own = await stack.api('POST', `/api/v1/publish-requests/${res.body.id}/approve`);
    expect(own.status).toBe(403);
    expect(own.body.error.message).toMatch(/their own publish request/);
    // Nor may an admin publish a builder's workspace for them.
    expect((await publish(aliceWs, { subdomain: 'alice-app', access: 'organization' }, ADMIN_TOKEN)).status).toBe(403);
  }, 60_000);

  it('has the agent answer versions dials only for workspaces it holds, and parse what the portal sends at its edge', async () => {
    const { hub, workspaceHttp, workspaces } = stack.portal.services;
    const agentId = (await workspaces.agentOf(aliceWs))!;
    await expect(hub.dial(agentId, '00000000-0000-4000-8000-000000000000', { versions: true })).rejects.toThrow(/not on this agent/);
    const ask = async (method: string, path: string, body?: unknown) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const res = await workspaceHttp.request({ agentId, workspaceId: aliceWs, target: { versions: true } }, {
        peer: 'the version store', method, path, headersTimeoutMs: 30_000, bodyTimeoutMs: 30_000,
        ...(payload ? { body: payload, headers: { 'content-type': 'application/json', 'content-length': payload.length } } : {}),
      });
      let text = '';
      for await (const chunk of res) text += String(chunk);
      return { status: res.statusCode, body: JSON.parse(text) as { error?: { code: string } } };
    };
    const snapshot = { message: 'm', author: { name: 'a', email: 'a@example.com' } };
    expect((await ask('POST', '/snapshot', { ...snapshot, since: 'HEAD~1' })).status).toBe(400);
    expect((await ask('POST', '/snapshot', { ...snapshot, since: 'empty', workspaceId: carolWs })).status).toBe(400);
    expect((await ask('GET', '/diff?from=empty&to=--output%3D%2Ftmp%2Fx')).status).toBe(400);
    // Another workspace's version is not in this workspace's store.
    const carols = (await stack.api('GET', '/api/v1/publish-requests?state=approved')).body.items.find((r: { workspaceId: string }) => r.workspaceId === carolWs);
    expect(await ask('GET', `/diff?from=empty&to=${carols.version}`)).toMatchObject({ status: 404, body: { error: { code: 'not-found' } } });
    expect((await ask('GET', '/versions')).body).toMatchObject({ items: expect.arrayContaining([expect.objectContaining({ version: first.version })]) });
  });

  it("finds what the preview reached in the governance events the agent's egress proxy reported", async () => {
    const out = await runInWorkspace(stack.runtime, aliceWs, 'curl -s -m 10 -o /dev/null -w "%{http_code}" "http://data.example.test/rows?token=t0ps3cret"', 30_000);
    expect(out.output.trim()).toBe('403');
    let check = await previewActivityCheck(stack.portal.services, aliceWs);
    for (const deadline = Date.now() + 10_000; check.findings.length === 0 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 100));
      check = await previewActivityCheck(stack.portal.services, aliceWs);
    }
    // The default policy denies other domains; monitor mode (the default) let it through to a name that doesn't resolve.
    expect(check).toEqual({
      name: 'preview-activity', status: 'warning',
      findings: [{ kind: 'domain', domain: 'data.example.test', requests: 1, denied: 0, held: 0, monitored: 1, byRule: false }],
    });
  });

  it("keeps no published file's content in the portal's database or logs", async () => {
    const tables = (await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(stack.db)).rows;
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['publish_requests', 'audit_log']));
    let dump = '';
    for (const { table_name } of tables) dump += `${table_name}\n${JSON.stringify((await sql`select * from ${sql.table(table_name)}`.execute(stack.db)).rows)}\n`;
    expect(dump).toContain(first.version);
    // Nor the query the preview's request carried (the governance event keeps its host and path).
    for (const text of [unique, changed, awsKey, awsKey.slice(4), 't0ps3cret']) {
      expect(dump.includes(text), `the database holds ${text}`).toBe(false);
      expect(stack.logs.text.includes(text), `the logs hold ${text}`).toBe(false);
    }
  });
});

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHttpBackend } from './harness/gitHttpBackend.js';
import { TestStack } from './harness/testStack.js';

/**
 * Issue 10's optional git push through the real stack: a blueprint names a git remote
 * (its token sealed by the portal), a builder's request is approved, and the portal's
 * GitPublisher has the agent push the version over the versions dial, to Debian's
 * `git http-backend` behind a server that checks Basic credentials. The app reconciler
 * pushes each version as it goes live; the later cases call pushApproved themselves.
 */
describe('git push of an approved version', () => {
  let stack: TestStack;
  let forge: GitHttpBackend;
  let remoteUrl: string;
  let alice: { id: string; token: string };
  let auditor: { id: string; token: string };
  let starter: string;
  let aliceWs: string;
  const username = 'release-bot';
  const token = `glpat-${randomBytes(12).toString('hex')}`;
  const wrongToken = `glpat-${randomBytes(12).toString('hex')}`;
  const page = `<h1>pushed-${randomBytes(6).toString('hex')}</h1>\n`;

  const path = () => `/api/v1/blueprints/${starter}/git-remote`;
  const audit = async () => (await stack.api('GET', '/api/v1/audit?limit=500')).body.entries as Array<{ action: string; outcome: string; targetId: string; detail: Record<string, unknown> }>;
  /** The agent's version store for a workspace: where the version's tree is read from. */
  const agentGit = (workspaceId: string, args: string[]) => execFileSync('git', args, {
    env: { PATH: process.env.PATH, GIT_DIR: join(stack.dataDir, 'agent', 'versions', `${workspaceId}.git`), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  }).toString().trim();

  beforeAll(async () => {
    forge = await GitHttpBackend.start({ username, password: token });
    remoteUrl = forge.repository('team-apps');
    stack = await TestStack.start();
    alice = await stack.userToken('alice@example.com');
    auditor = await stack.userToken('audrey@example.com', 'auditor');
    starter = await stack.starterId();
    aliceWs = await stack.runningWorkspace('alice-shop', alice.token);
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    await forge?.close();
  });

  it("lets an admin save a blueprint's remote with a write-only token; auditors read it, builders don't", async () => {
    expect((await stack.api('GET', path())).body).toEqual({ remote: null });
    const saved = await stack.api('PUT', path(), { url: remoteUrl, username, token });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toEqual({ remote: { url: remoteUrl, branch: null, username, hasToken: true, updatedAt: expect.any(String) } });
    const read = await stack.api('GET', path(), undefined, auditor.token);
    expect(read.body).toEqual(saved.body);
    expect(JSON.stringify(read.body)).not.toContain(token);
    expect((await stack.api('GET', path(), undefined, alice.token)).status).toBe(403);
    expect((await stack.api('PUT', path(), { url: remoteUrl }, alice.token)).status).toBe(403);
    expect((await stack.api('PUT', path(), { url: remoteUrl }, auditor.token)).status).toBe(403);
    // Left out, the token is kept.
    expect((await stack.api('PUT', path(), { url: remoteUrl, username })).body.remote.hasToken).toBe(true);
    const update = (await audit()).find((e) => e.action === 'blueprint.git_remote.update');
    expect(update).toMatchObject({ targetId: starter, detail: { url: remoteUrl, username, token: 'kept' } });
  });

  it('refuses remotes that are not http(s), carry credentials in the URL, or name no branch git would take, at the field', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ url: 'file:///srv/git/app.git' }, /url: .*file is not allowed/],
      [{ url: 'ext::sh -c id' }, /url: .*ext is not allowed/],
      [{ url: 'ssh://git@example.com/app.git' }, /url: .*ssh is not allowed/],
      [{ url: remoteUrl.replace('http://', `http://${username}:${token}@`) }, /url: put no user or password in the URL/],
      [{ url: remoteUrl, branch: 'feature..x' }, /branch: not a git branch name/],
      [{ url: remoteUrl, branch: 'x.lock' }, /branch: not a git branch name/],
      [{ url: remoteUrl, token: 'two words' }, /token: /],
    ];
    for (const [body, message] of cases) {
      const res = await stack.api('PUT', path(), body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error, JSON.stringify(body)).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(message) });
      expect(res.body.error.message).not.toContain(token);
    }
    expect((await stack.api('GET', path())).body.remote).toMatchObject({ url: remoteUrl, hasToken: true });
  });

  let version: string;
  let requestId: string;
  let agentId: string;

  it('pushes the approved version to paddock/<subdomain> as it goes live, the same tree, audited', async () => {
    const server = "import { createServer } from 'node:http';\nimport { readFileSync } from 'node:fs';\n"
      + "createServer((req, res) => res.end(readFileSync('index.html'))).listen(Number(process.env.PORT), '127.0.0.1');\n";
    for (const [file, body] of [['index.html', page], ['server.mjs', server]]) {
      const res = await fetch(`${stack.url}/api/v1/workspaces/${aliceWs}/files/content?path=${file}`, {
        method: 'PUT', headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'text/plain' }, body,
      });
      expect(res.status).toBe(200);
    }
    const requested = await stack.api('POST', `/api/v1/workspaces/${aliceWs}/publish-requests`, { subdomain: 'alice-shop', access: 'organization', command: 'node server.mjs', port: 8000 }, alice.token);
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    ({ id: requestId, version } = requested.body);
    expect((await stack.api('POST', `/api/v1/publish-requests/${requestId}/approve`)).body.state).toBe('publishing');
    agentId = (await stack.portal.services.workspaces.agentOf(aliceWs))!;

    // Live, then pushed: the reconciler calls the git publisher once the version answers.
    let entry: Awaited<ReturnType<typeof audit>>[number] | undefined;
    const deadline = Date.now() + 60_000;
    while (!(entry = (await audit()).find((e) => e.action === 'publish.push')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect((await stack.api('GET', '/api/v1/apps/alice-shop')).body).toMatchObject({ state: 'live', liveVersion: version });
    expect(entry, 'no publish.push audited').toBeDefined();
    const commit = String(entry!.detail.commit);
    expect(forge.git('team-apps', ['rev-parse', 'refs/heads/paddock/alice-shop'])).toBe(commit);
    expect(forge.git('team-apps', ['rev-parse', `${commit}^{tree}`])).toBe(agentGit(aliceWs, ['rev-parse', `${version}^{tree}`]));
    expect(forge.git('team-apps', ['show', `${commit}:index.html`])).toBe(page.trim());
    expect(forge.git('team-apps', ['log', '-1', '--format=%ae%n%B', commit])).toContain(`alice@example.com\nPublish to alice-shop\n\nPaddock-Version: ${version}`);
    // Every request to the forge carried the credentials: none went without, none elsewhere.
    const basic = `Basic ${Buffer.from(`${username}:${token}`).toString('base64')}`;
    expect(forge.requests.length).toBeGreaterThan(0);
    expect(forge.requests.every((r) => r.authorization === basic)).toBe(true);
    expect(entry).toMatchObject({ outcome: 'success', targetId: requestId, detail: { version, branch: 'paddock/alice-shop', url: remoteUrl, commit: expect.stringMatching(/^[0-9a-f]{40}$/) } });
    // The same version again changes nothing on the remote.
    expect(await stack.portal.services.gitPublisher.pushApproved({ workspaceId: aliceWs, blueprintId: starter, version, subdomain: 'alice-shop', agentId, requestId }))
      .toEqual({ outcome: 'success', commit, branch: 'paddock/alice-shop', url: remoteUrl });
  }, 90_000);

  it('with a wrong token, records an audited failure; the token is in no answer, audit record, log or column', async () => {
    expect((await stack.api('PUT', path(), { url: remoteUrl, username, token: wrongToken })).body.remote.hasToken).toBe(true);
    const before = forge.git('team-apps', ['rev-parse', 'refs/heads/paddock/alice-shop']);
    const outcome = await stack.portal.services.gitPublisher.pushApproved({ workspaceId: aliceWs, blueprintId: starter, version, subdomain: 'alice-shop', agentId, requestId });
    expect(outcome).toMatchObject({ outcome: 'failure', code: 'push_refused', branch: 'paddock/alice-shop', url: remoteUrl, message: expect.stringMatching(/the remote refused the credentials/) });
    expect(forge.git('team-apps', ['rev-parse', 'refs/heads/paddock/alice-shop'])).toBe(before);
    const failed = (await audit()).find((e) => e.action === 'publish.push' && e.outcome === 'failure');
    expect(failed).toMatchObject({ targetId: requestId, detail: { version, branch: 'paddock/alice-shop', url: remoteUrl, code: 'push_refused' } });

    const tables = (await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(stack.db)).rows;
    let dump = '';
    for (const { table_name } of tables) dump += `${table_name}\n${JSON.stringify((await sql`select * from ${sql.table(table_name)}`.execute(stack.db)).rows)}\n`;
    expect(dump).toContain(remoteUrl);
    for (const secret of [token, wrongToken, Buffer.from(`${username}:${token}`).toString('base64'), Buffer.from(`${username}:${wrongToken}`).toString('base64')]) {
      expect(dump.includes(secret), 'the database holds a token in the clear').toBe(false);
      expect(stack.logs.text.includes(secret), 'the logs hold a token').toBe(false);
      expect(JSON.stringify(outcome).includes(secret)).toBe(false);
    }
    expect(stack.logs.text).toContain('a git push of a published version failed');
  });

  it('drops the token when the URL moves to another host, and pushes nothing once the remote is removed', async () => {
    const moved = await stack.api('PUT', path(), { url: 'https://git.example.com/team/apps.git', username });
    expect(moved.body.remote).toMatchObject({ url: 'https://git.example.com/team/apps.git', hasToken: false });
    expect((await audit()).find((e) => e.action === 'blueprint.git_remote.update')).toMatchObject({ detail: { token: 'dropped' } });
    expect((await stack.api('DELETE', path(), undefined, alice.token)).status).toBe(403);
    expect((await stack.api('DELETE', path())).status).toBe(204);
    expect((await stack.api('DELETE', path())).status).toBe(404);
    expect((await stack.api('GET', path())).body).toEqual({ remote: null });
    expect((await audit()).find((e) => e.action === 'blueprint.git_remote.remove')).toMatchObject({ targetId: starter, detail: { url: 'https://git.example.com/team/apps.git' } });
    const outcome = await stack.portal.services.gitPublisher.pushApproved({ workspaceId: aliceWs, blueprintId: starter, version, subdomain: 'alice-shop', agentId });
    expect(outcome).toEqual({ outcome: 'skipped', reason: 'no-remote' });
  });
});

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GitHttpBackend } from '../../../../e2e/harness/gitHttpBackend.js';
import { FakeClock } from '../clock.js';
import { pushCommand } from './gitPush.js';
import { runGit } from './isolatedGit.js';
import { PublishError } from './publishError.js';
import { VersionStores, type VersionStore } from './versionStore.js';
import { VersionsServer } from './versionsServer.js';

const author = { name: 'Ada Builder', email: 'ada@example.com' };
const username = 'release-bot';
const token = `tok_${'a1b2c3d4e5'.repeat(4)}`;

let forge: GitHttpBackend;
let dir: string;
let workspace: string;
let stores: VersionStores;
let store: VersionStore;
const clock = new FakeClock(new Date('2026-12-03T10:00:00Z'));

function put(path: string, content: string): void {
  const full = join(workspace, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
}

function remove(path: string): void {
  rmSync(join(workspace, path));
}

async function version(message: string): Promise<string> {
  return (await store.snapshot(workspace, { message, author })).version;
}

/** The tree of a commit of our own store. */
function treeOf(commit: string): string {
  return execFileSync('git', ['rev-parse', `${commit}^{tree}`], { env: { PATH: process.env.PATH, GIT_DIR: store.gitDir, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } }).toString().trim();
}

/** Every file under a directory, as text (to look for a token written anywhere). */
function allText(root: string): string {
  return readdirSync(root, { withFileTypes: true }).map((entry) => {
    const path = join(root, entry.name);
    if (entry.isDirectory()) return allText(path);
    return statSync(path).size < 10 * 1024 * 1024 ? readFileSync(path).toString('latin1') : '';
  }).join('\n');
}

beforeAll(async () => {
  forge = await GitHttpBackend.start({ username, password: token });
});
afterAll(async () => {
  await forge?.close();
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paddock-push-'));
  workspace = join(dir, 'workspace');
  mkdirSync(workspace, { recursive: true });
  stores = new VersionStores(join(dir, 'agent'), { clock });
  store = await stores.of('ws-1');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The error a call failed with; failing the test if it did not. */
async function failure<E extends Error = PublishError>(call: Promise<unknown>, type: new (...args: never[]) => E = PublishError as never): Promise<E> {
  const err = await call.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(type);
  return err as E;
}

let repoCount = 0;
const newRepo = () => {
  const name = `app-${++repoCount}`;
  return { name, url: forge.repository(name) };
};

describe('VersionStore.push', () => {
  it('pushes the approved tree to the branch, and none of the versions before it', async () => {
    const leaked = 'AKIAIOSFODNN7EXAMPLE-never-approved';
    put('index.html', '<h1>one</h1>\n');
    put('config.js', `export const key = '${leaked}';\n`);
    await version('with a secret the scan caught');
    remove('config.js');
    const approved = await version('Publish to shop');
    const repo = newRepo();
    const pushed = await store.push(approved, { url: repo.url, branch: 'paddock/shop', username, token });
    expect(pushed.branch).toBe('paddock/shop');
    expect(forge.git(repo.name, ['rev-parse', 'refs/heads/paddock/shop'])).toBe(pushed.commit);
    expect(forge.git(repo.name, ['rev-parse', `${pushed.commit}^{tree}`])).toBe(treeOf(approved));
    // One commit: the version's own parent (the snapshot with the secret) is not in the remote's history or objects.
    expect(forge.git(repo.name, ['rev-list', '--count', 'refs/heads/paddock/shop'])).toBe('1');
    const objects = forge.git(repo.name, ['rev-list', '--objects', '--all']);
    expect(objects).not.toContain('config.js');
    expect(forge.git(repo.name, ['log', '-1', '--format=%an <%ae>%n%B', 'refs/heads/paddock/shop'])).toBe(`Ada Builder <ada@example.com>\nPublish to shop\n\nPaddock-Version: ${approved}`);
    expect(allText(forge.root)).not.toContain(leaked);
  });

  it('adds each later push on top (a rollback too), and pushing the same version twice changes nothing', async () => {
    const repo = newRepo();
    const target = { url: repo.url, branch: 'main', username, token };
    put('index.html', 'v1\n');
    const v1 = await version('v1');
    const first = await store.push(v1, target);
    put('index.html', 'v2\n');
    const v2 = await version('v2');
    const second = await store.push(v2, target);
    expect(forge.git(repo.name, ['rev-parse', 'main^'])).toBe(first.commit);
    expect(await store.push(v2, target)).toEqual(second);
    expect(forge.git(repo.name, ['rev-list', '--count', 'main'])).toBe('2');
    const rollback = await store.push(v1, target);
    expect(forge.git(repo.name, ['rev-parse', 'main^'])).toBe(second.commit);
    expect(forge.git(repo.name, ['rev-parse', 'main^{tree}'])).toBe(treeOf(v1));
    expect(rollback.commit).not.toBe(first.commit);
  });

  it('refuses, without forcing, when someone else moved the branch', async () => {
    const repo = newRepo();
    const target = { url: repo.url, branch: 'main', username, token };
    put('index.html', 'v1\n');
    await store.push(await version('v1'), target);
    // Someone pushes their own commit to the branch.
    const empty = forge.git(repo.name, ['hash-object', '-t', 'tree', '-w', '/dev/null']);
    const theirs = execFileSync('git', ['commit-tree', empty, '-p', 'main', '-m', 'hand edit'], {
      env: { PATH: process.env.PATH, GIT_DIR: join(forge.root, `${repo.name}.git`), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'x', GIT_AUTHOR_EMAIL: 'x@x', GIT_COMMITTER_NAME: 'x', GIT_COMMITTER_EMAIL: 'x@x' },
    }).toString().trim();
    forge.git(repo.name, ['update-ref', 'refs/heads/main', theirs]);
    put('index.html', 'v2\n');
    const refused = await failure(store.push(await version('v2'), target));
    expect((refused as PublishError).code).toBe('refused');
    expect((refused as PublishError).message).toMatch(/the branch main at the remote has commits that are not this app's publishes.*never force-pushes/);
    expect(forge.git(repo.name, ['rev-parse', 'refs/heads/main'])).toBe(theirs);
  });

  it("refuses a second workspace's push to a branch another one's publishes hold: a named branch is one app's", async () => {
    const repo = newRepo();
    const target = { url: repo.url, branch: 'main', username, token };
    put('index.html', 'first app\n');
    const first = await store.push(await version('first'), target);
    const other = await stores.of('ws-2');
    const otherFiles = join(dir, 'workspace-2');
    mkdirSync(otherFiles);
    writeFileSync(join(otherFiles, 'index.html'), 'second app\n');
    const second = await other.snapshot(otherFiles, { message: 'second', author });
    const refused = await failure(other.push(second.version, target));
    expect(refused.message).toMatch(/another app pushes to the same branch/);
    expect(forge.git(repo.name, ['rev-parse', 'main'])).toBe(first.commit);
  });

  it('sends the credentials as a Basic header, and keeps the token out of errors, git config and every file of the store', async () => {
    const repo = newRepo();
    put('index.html', 'v1\n');
    const v1 = await version('v1');
    forge.requests.length = 0;
    await store.push(v1, { url: repo.url, branch: 'main', username, token });
    const expected = `Basic ${Buffer.from(`${username}:${token}`).toString('base64')}`;
    expect(forge.requests.length).toBeGreaterThan(0);
    expect(forge.requests.every((r) => r.authorization === expected)).toBe(true);

    const wrong = `${token}-wrong`;
    const refused = await failure(store.push(v1, { url: repo.url, branch: 'other', username, token: wrong }));
    expect(refused.code).toBe('refused');
    expect(refused.message).toMatch(/the remote refused the credentials/);
    const anonymous = await failure(store.push(v1, { url: repo.url, branch: 'other' }));
    expect(anonymous.message).toMatch(/the remote refused the credentials/);
    for (const text of [refused.message, refused.stack ?? '', anonymous.message]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(token);
      expect(text).not.toContain(Buffer.from(`${username}:${wrong}`).toString('base64'));
    }
    const everything = allText(dir);
    for (const secret of [token, wrong, Buffer.from(`${username}:${token}`).toString('base64')]) expect(everything).not.toContain(secret);
    expect(execFileSync('git', ['config', '--list', '--local'], { env: { PATH: process.env.PATH, GIT_DIR: store.gitDir, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } }).toString()).not.toMatch(/remote\.|http\.|credential/);
    expect(forge.git(repo.name, ['for-each-ref', '--format=%(refname)'])).toBe('refs/heads/main');
  });

  it('takes a token without a username as the password of a default user', async () => {
    const other = await GitHttpBackend.start({ username: 'paddock', password: token });
    try {
      const url = other.repository('solo');
      put('index.html', 'solo\n');
      const pushed = await store.push(await version('solo'), { url, branch: 'main', token });
      expect(other.git('solo', ['rev-parse', 'main'])).toBe(pushed.commit);
    } finally {
      await other.close();
    }
  });

  it('refuses a URL that is not http(s), carries credentials, or a branch that is no ref name, before git runs', async () => {
    put('index.html', 'v1\n');
    const v1 = await version('v1');
    const local = join(dir, 'local.git');
    execFileSync('git', ['init', '--quiet', '--bare', local]);
    const repo = newRepo();
    forge.requests.length = 0;
    const cases: Array<[string, string, RegExp]> = [
      [`file://${local}`, 'main', /url: only http\(s\) remotes are pushed to: file is not allowed/],
      [local, 'main', /url: not a URL/],
      ['ext::sh -c touch% /tmp/paddock-pwned', 'main', /url: not a URL|not allowed/],
      [`ssh://git@127.0.0.1/${repo.name}.git`, 'main', /url: .*ssh is not allowed/],
      [repo.url.replace('http://', `http://${username}:${token}@`), 'main', /url: put no user or password in the URL/],
      [repo.url.replace('http://', 'http://@'), 'main', /url: put no user or password in the URL/],
      [repo.url, '../main', /branch: not a git branch name/],
      [repo.url, 'main.lock', /branch: not a git branch name/],
      [repo.url, '-f', /branch: not a git branch name/],
      [repo.url, 'a b', /branch: not a git branch name/],
      [repo.url, 'x@{1}', /branch: not a git branch name/],
      [repo.url, 'HEAD:refs/heads/main', /branch: not a git branch name/],
    ];
    for (const [url, branch, message] of cases) {
      const err = await failure(store.push(v1, { url, branch, username, token }));
      expect(err.code, url).toBe('invalid');
      expect(err.message, url).toMatch(message);
      expect(err.message, url).not.toContain(token);
    }
    expect(forge.requests).toEqual([]);
    expect(execFileSync('git', ['for-each-ref'], { env: { PATH: process.env.PATH, GIT_DIR: local } }).toString()).toBe('');
  });

  it("keeps git to http(s) by its environment too, whatever URL reaches it", async () => {
    put('index.html', 'v1\n');
    const v1 = await version('v1');
    const local = join(dir, 'local.git');
    execFileSync('git', ['init', '--quiet', '--bare', local]);
    for (const url of [`file://${local}`, `ext::git-receive-pack ${local}`]) {
      const { args, env } = pushCommand({ url, branch: 'main' }, v1);
      const err = await failure(runGit(args, { gitDir: store.gitDir, home: join(dir, 'agent', 'versions', '.home'), env }), Error);
      expect(err.message, url).toMatch(/transport '(file|ext)' not allowed/);
    }
    expect(execFileSync('git', ['for-each-ref'], { env: { PATH: process.env.PATH, GIT_DIR: local } }).toString()).toBe('');
  });

  it('says so when no repository answers at the URL', async () => {
    put('index.html', 'v1\n');
    const v1 = await version('v1');
    const missing = await failure(store.push(v1, { url: `http://127.0.0.1:${forge.port}/nothing-here.git`, branch: 'main', username, token }));
    expect(missing.code).toBe('refused');
    expect(missing.message).toMatch(/no git repository at that URL/);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = await failure(store.push(v1, { url: `http://127.0.0.1:${port}/app.git`, branch: 'main', username, token }));
    expect(unreachable.code).toBe('remote');
    expect(unreachable.message).toMatch(/the push to the remote failed .*(Failed to connect|Connection refused|Couldn't connect)/);
  });
});

describe('POST /push on the versions server', () => {
  let server: NetServer;
  const sockets = new Set<Socket>();
  let logged = '';

  beforeEach(async () => {
    logged = '';
    const log = pino({ level: 'debug' }, new Writable({ write(chunk: Buffer, _enc, done) { logged += chunk.toString('utf8'); done(); } }));
    const versions = new VersionsServer(stores, async () => workspace, log);
    // Stands in for the tunnel: each connection is a stream the portal dialed for ws-1.
    server = createNetServer((socket) => {
      sockets.add(socket);
      versions.accept('ws-1', socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const post = (body: unknown) => new Promise<{ status: number; body: { pushed?: boolean; commit?: string; branch?: string; error?: { code: string; message: string } } }>((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, method: 'POST', path: '/push', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => { text += chunk.toString('utf8'); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as never }));
    });
    req.on('error', reject);
    req.end(payload);
  });

  it('answers the pushed commit, and refusals in the one error shape, with the token in neither answers nor logs', async () => {
    put('index.html', 'served\n');
    const v1 = await version('v1');
    const repo = newRepo();
    const ok = await post({ version: v1, url: repo.url, branch: 'paddock/shop', username, token });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toEqual({ pushed: true, commit: forge.git(repo.name, ['rev-parse', 'refs/heads/paddock/shop']), branch: 'paddock/shop' });

    const wrong = await post({ version: v1, url: repo.url, branch: 'other', username, token: 'not-the-token-xyz' });
    expect(wrong).toMatchObject({ status: 422, body: { error: { code: 'refused', message: expect.stringMatching(/refused the credentials/) } } });
    const badUrl = await post({ version: v1, url: `http://${username}:${token}@127.0.0.1/x.git`, branch: 'main' });
    expect(badUrl).toMatchObject({ status: 400, body: { error: { code: 'invalid', message: expect.stringMatching(/^url: put no user or password/) } } });
    const fileUrl = await post({ version: v1, url: 'file:///etc', branch: 'main', token });
    expect(fileUrl).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
    const badToken = await post({ version: v1, url: repo.url, branch: 'main', token: `${token}\nX-Injected: 1` });
    expect(badToken).toMatchObject({ status: 400, body: { error: { code: 'invalid', message: expect.stringMatching(/^token:/) } } });
    const unknown = await post({ version: 'f'.repeat(40), url: repo.url, branch: 'main', token });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'not-found' } } });
    const extra = await post({ version: v1, url: repo.url, branch: 'main', token, workspaceId: 'ws-2' });
    expect(extra.status).toBe(400);

    const said = JSON.stringify([wrong, badUrl, fileUrl, badToken, unknown, extra]);
    expect(logged).toContain('pushed a version to a git remote');
    for (const text of [said, logged]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain('not-the-token-xyz');
      expect(text).not.toContain(Buffer.from(`${username}:${token}`).toString('base64'));
    }
  });
});

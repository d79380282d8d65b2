import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VersionStores } from './versionStore.js';
import { VersionsServer } from './versionsServer.js';

/**
 * The version store's HTTP API as the portal reaches it, over real sockets: each
 * connection is handed to the server as a dialed stream for one workspace would be.
 */
describe('VersionsServer', () => {
  let dir: string;
  let workspace: string;
  let stores: VersionStores;
  let listener: Server;
  let port: number;

  const put = (path: string, content: string) => {
    mkdirSync(dirname(join(workspace, path)), { recursive: true });
    writeFileSync(join(workspace, path), content);
  };
  const ask = (method: string, path: string, body?: unknown) => new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    // One connection per question, closed after it: as a dial is (and the listener closes at once).
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {} }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => { text += chunk.toString('utf8'); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(payload);
  });
  const changed = async (since: string) => {
    const res = await ask('GET', `/changed?since=${since}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.changed;
  };
  const snapshot = async () => {
    const res = await ask('POST', '/snapshot', { message: 'publish', author: { name: 'Ada', email: 'ada@example.com' }, since: 'empty' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.version as string;
  };
  /** The store's refs and versions: what a question must leave as it was. */
  const storeState = async () => {
    const refs = execFileSync('git', ['for-each-ref'], { env: { ...process.env, GIT_DIR: (await stores.of('ws-1')).gitDir } }).toString();
    return { refs, versions: (await (await stores.of('ws-1')).list()).map((v) => v.version) };
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paddock-versions-server-'));
    workspace = join(dir, 'workspace');
    mkdirSync(workspace);
    stores = new VersionStores(join(dir, 'agent'));
    const server = new VersionsServer(stores, async (id) => {
      if (id !== 'ws-1') throw new Error('not this agent\'s workspace');
      return workspace;
    }, pino({ level: 'silent' }));
    listener = createServer((socket) => server.accept('ws-1', socket));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as AddressInfo).port;
  });
  afterEach(async () => {
    await new Promise((resolve) => listener.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers whether the files changed since a version, writing no version', async () => {
    // Nothing yet: no files is nothing to publish.
    expect(await changed('empty')).toBe(false);
    put('index.html', '<h1>one</h1>\n');
    put('.gitignore', 'dist/\n');
    expect(await changed('empty')).toBe(true);
    const before = await storeState();
    expect(await changed('empty')).toBe(true);
    expect(await storeState()).toEqual(before);

    const first = await snapshot();
    expect(await changed(first)).toBe(false);
    const after = await storeState();
    expect(await changed(first)).toBe(false);
    expect(await storeState()).toEqual(after);

    put('index.html', '<h1>two</h1>\n');
    expect(await changed(first)).toBe(true);
    // The same bytes again are the same tree: a file saved back is no change.
    put('index.html', '<h1>one</h1>\n');
    expect(await changed(first)).toBe(false);
    put('src/new.js', 'export {};\n');
    expect(await changed(first)).toBe(true);
    expect(await storeState()).toEqual(after);
  });

  it("counts nothing a snapshot leaves out: node_modules, what .gitignore and .paddockignore list, .git", async () => {
    put('index.html', '<h1>app</h1>\n');
    put('.gitignore', 'dist/\n*.log\n');
    put('.paddockignore', 'notes/\n');
    execFileSync('git', ['init', '-q', workspace]);
    const version = await snapshot();
    put('node_modules/left-pad/index.js', 'module.exports = 1;\n');
    put('dist/bundle.js', 'x');
    put('debug.log', 'x');
    put('notes/todo.md', 'x');
    execFileSync('git', ['-C', workspace, '-c', 'user.email=a@b', '-c', 'user.name=a', 'commit', '-q', '--allow-empty', '-m', 'x']);
    expect(await changed(version)).toBe(false);
    put('.gitignore', 'dist/\n');
    expect(await changed(version)).toBe(true);
  });

  it('refuses a since that is not a version id, and one not in this store', async () => {
    for (const since of ['HEAD', '--output=/tmp/x', '']) {
      expect((await ask('GET', `/changed?since=${encodeURIComponent(since)}`)).status, since).toBe(400);
    }
    expect(await ask('GET', '/changed')).toMatchObject({ status: 400 });
    expect(await ask('GET', `/changed?since=${'a'.repeat(40)}`)).toMatchObject({ status: 404, body: { error: { code: 'not-found' } } });
  });
});

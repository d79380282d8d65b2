import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FILE_CONTENT_MAX_BYTES, fileContentSchema, fileListingSchema } from '@paddock/protocol';
import { createDaemon, type Daemon } from '../createDaemon.js';

let dir: string;
let workspace: string;
let outside: string;
let socketPath: string;
let daemon: Daemon;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'workspaced-files-'));
  workspace = join(dir, 'workspace');
  outside = join(dir, 'outside');
  mkdirSync(workspace);
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'top secret');
  socketPath = join(dir, 'daemon.sock');
  daemon = await createDaemon({ socketPath, workspaceDir: workspace, shell: { file: '/bin/sh', args: [] }, env: { PATH: '/usr/bin:/bin' } });
});

afterEach(async () => {
  await daemon.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: any }

function call(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const q = (p: string) => encodeURIComponent(p);
const put = (p: string, content: string | Buffer, headers: Record<string, string> = {}) =>
  call('PUT', `/v1/files/content?path=${q(p)}`, content, { 'content-type': 'text/plain; charset=utf-8', ...headers });

describe('files API', () => {
  it('writes a file (creating parents), reads it back with an etag, and lists it', async () => {
    const written = await put('src/app/main.ts', 'export const x = 1;\n');
    expect(written.status).toBe(200);
    expect(readFileSync(join(workspace, 'src/app/main.ts'), 'utf8')).toBe('export const x = 1;\n');

    const read = await call('GET', '/v1/files/content?path=src/app/main.ts');
    expect(read.status).toBe(200);
    const body = fileContentSchema.parse(read.json);
    expect(body).toMatchObject({ path: 'src/app/main.ts', content: 'export const x = 1;\n', size: 20, etag: written.json.etag });
    expect(read.headers.etag).toBe(body.etag);

    // Absolute paths under the workspace are the same file.
    expect((await call('GET', `/v1/files/content?path=${q(join(workspace, 'src/app/main.ts'))}`)).json.content).toBe('export const x = 1;\n');

    const root = fileListingSchema.parse((await call('GET', '/v1/files')).json);
    expect(root).toMatchObject({ path: '', truncated: false, entries: [{ name: 'src', type: 'directory' }] });
    const inner = fileListingSchema.parse((await call('GET', '/v1/files?path=src/app')).json);
    expect(inner.entries).toEqual([{ name: 'main.ts', type: 'file', size: 20, mtime: expect.any(String) }]);
  });

  it('writes atomically: no temp files remain and the mode of an existing file is kept', async () => {
    writeFileSync(join(workspace, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    expect((await put('run.sh', '#!/bin/sh\necho hi\n')).status).toBe(200);
    expect(statSync(join(workspace, 'run.sh')).mode & 0o777).toBe(0o755);
    expect(readdirSync(workspace)).toEqual(['run.sh']);
  });

  it('lists folders first and caps a listing at 2,000 entries', async () => {
    mkdirSync(join(workspace, 'big'));
    for (let i = 0; i < 2005; i++) writeFileSync(join(workspace, 'big', `f${i}`), '');
    mkdirSync(join(workspace, 'big', 'zdir'));
    const big = fileListingSchema.parse((await call('GET', '/v1/files?path=big')).json);
    expect(big.entries).toHaveLength(2000);
    expect(big.truncated).toBe(true);
    writeFileSync(join(workspace, 'a.txt'), '');
    mkdirSync(join(workspace, 'z'));
    writeFileSync(join(workspace, '.hidden'), '');
    const root = fileListingSchema.parse((await call('GET', '/v1/files')).json);
    expect(root.entries.map((e) => e.name)).toEqual(['big', 'z', '.hidden', 'a.txt']);
  });

  it('refuses binary files with 415 and files over 2 MiB with 413, in the error shape', async () => {
    writeFileSync(join(workspace, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
    const binary = await call('GET', '/v1/files/content?path=logo.png');
    expect(binary.status).toBe(415);
    expect(binary.json).toEqual({ error: { code: 'binary_file', message: expect.any(String) } });
    writeFileSync(join(workspace, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9])); // "café" in Latin-1: not UTF-8
    expect((await call('GET', '/v1/files/content?path=latin1.txt')).status).toBe(415);

    writeFileSync(join(workspace, 'huge.txt'), 'x'.repeat(FILE_CONTENT_MAX_BYTES + 1));
    const huge = await call('GET', '/v1/files/content?path=huge.txt');
    expect(huge.status).toBe(413);
    expect(huge.json.error.code).toBe('file_too_large');
    expect((await put('huge2.txt', 'x'.repeat(FILE_CONTENT_MAX_BYTES + 1))).status).toBe(413);
    expect(existsSync(join(workspace, 'huge2.txt'))).toBe(false);
    expect((await put('bin.dat', Buffer.from([1, 0, 2]))).status).toBe(415);

    expect((await call('GET', '/v1/files/content?path=nope.txt')).status).toBe(404);
    mkdirSync(join(workspace, 'd'));
    expect((await call('GET', '/v1/files/content?path=d')).status).toBe(400);
  });

  describe('confinement to the workspace', () => {
    const escapes = ['../outside/secret.txt', 'src/../../outside/secret.txt', '..', '../../etc/passwd', 'a/..', '..%2Foutside'];

    it('rejects .. in any position with 400, for every operation', async () => {
      for (const p of escapes.slice(0, 5)) {
        for (const [method, url] of [['GET', '/v1/files'], ['GET', '/v1/files/content'], ['DELETE', '/v1/files']] as const) {
          const r = await call(method, `${url}?path=${q(p)}`);
          expect(r.status, `${method} ${url} ${p}`).toBe(400);
          expect(r.json.error.code).toBe('invalid_path');
        }
        expect((await put(p, 'pwned')).status).toBe(400);
        expect((await call('POST', '/v1/files/rename', JSON.stringify({ from: p, to: 'x' }))).status).toBe(400);
        expect((await call('POST', '/v1/files/rename', JSON.stringify({ from: 'x', to: p }))).status).toBe(400);
      }
      // Percent-encoded once more is just an odd file name, not a traversal.
      expect((await call('GET', `/v1/files/content?path=${q('..%2Foutside%2Fsecret.txt')}`)).status).toBe(404);
      expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
    });

    it('rejects absolute paths elsewhere with 403', async () => {
      for (const p of [join(outside, 'secret.txt'), '/etc/passwd', `${workspace}-other/x`, '/']) {
        const r = await call('GET', `/v1/files/content?path=${q(p)}`);
        expect(r.status, p).toBe(403);
        expect(r.json.error.code).toBe('outside_workspace');
        expect((await put(p, 'pwned')).status).toBe(403);
      }
      expect(existsSync(`${workspace}-other`)).toBe(false);
    });

    it('refuses to follow symlinks that lead outside, for reads, listings and writes', async () => {
      symlinkSync(join(outside, 'secret.txt'), join(workspace, 'link.txt'));
      symlinkSync(outside, join(workspace, 'linkdir'));
      symlinkSync(join(outside, 'not-yet.txt'), join(workspace, 'dangling.txt'));

      expect((await call('GET', '/v1/files/content?path=link.txt')).status).toBe(403);
      expect((await call('GET', '/v1/files/content?path=linkdir/secret.txt')).status).toBe(403);
      expect((await call('GET', '/v1/files?path=linkdir')).status).toBe(403);
      expect((await put('link.txt', 'pwned')).status).toBe(403);
      expect((await put('linkdir/secret.txt', 'pwned')).status).toBe(403);
      expect((await put('linkdir/new/file.txt', 'pwned')).status).toBe(403);
      expect((await put('dangling.txt', 'pwned')).status).toBe(403);
      expect((await call('POST', '/v1/files/rename', JSON.stringify({ from: 'linkdir/secret.txt', to: 'stolen.txt' }))).status).toBe(403);
      expect((await call('DELETE', '/v1/files?path=linkdir/secret.txt')).status).toBe(403);

      expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
      expect(readdirSync(outside)).toEqual(['secret.txt']);

      // The listing shows the links as links; deleting a link removes the link, not its target.
      const listing = fileListingSchema.parse((await call('GET', '/v1/files')).json);
      expect(listing.entries.find((e) => e.name === 'linkdir')?.type).toBe('symlink');
      expect((await call('DELETE', '/v1/files?path=linkdir')).status).toBe(204);
      expect(existsSync(join(outside, 'secret.txt'))).toBe(true);
    });

    it('follows symlinks that stay inside, writing through to the real file', async () => {
      writeFileSync(join(workspace, 'real.txt'), 'one');
      symlinkSync('real.txt', join(workspace, 'alias.txt'));
      expect((await call('GET', '/v1/files/content?path=alias.txt')).json.content).toBe('one');
      expect((await put('alias.txt', 'two')).status).toBe(200);
      expect(readFileSync(join(workspace, 'real.txt'), 'utf8')).toBe('two');
      expect(fileListingSchema.parse((await call('GET', '/v1/files')).json).entries.find((e) => e.name === 'alias.txt')?.type).toBe('symlink');
    });
  });

  describe('optimistic concurrency', () => {
    it('writes with a matching If-Match, and answers 409 when the file changed underneath', async () => {
      const first = await put('index.html', '<h1>v1</h1>');
      const etag = first.json.etag as string;
      expect((await put('index.html', '<h1>v2 from the editor</h1>', { 'if-match': etag })).status).toBe(200);

      const read = await call('GET', '/v1/files/content?path=index.html');
      // The AI rewrites the file after the browser read it.
      writeFileSync(join(workspace, 'index.html'), '<h1>v3 from the AI</h1>');
      const stale = await put('index.html', '<h1>v4 from the editor</h1>', { 'if-match': read.json.etag });
      expect(stale.status).toBe(409);
      expect(stale.json.error.code).toBe('conflict');
      expect(readFileSync(join(workspace, 'index.html'), 'utf8')).toBe('<h1>v3 from the AI</h1>');

      // Without If-Match the editor may overwrite on purpose.
      expect((await put('index.html', '<h1>v4 from the editor</h1>')).status).toBe(200);
      expect(readFileSync(join(workspace, 'index.html'), 'utf8')).toBe('<h1>v4 from the editor</h1>');

      rmSync(join(workspace, 'index.html'));
      expect((await put('index.html', 'x', { 'if-match': read.json.etag })).status).toBe(409);
    });

    it('creates only when If-None-Match: * and nothing is there', async () => {
      expect((await put('new.txt', 'a', { 'if-none-match': '*' })).status).toBe(200);
      expect((await put('new.txt', 'b', { 'if-none-match': '*' })).status).toBe(409);
      expect(readFileSync(join(workspace, 'new.txt'), 'utf8')).toBe('a');
    });
  });

  it('renames without overwriting, and deletes files and folders but never the root', async () => {
    await put('a/one.txt', '1');
    await put('b.txt', '2');
    expect((await call('POST', '/v1/files/rename', JSON.stringify({ from: 'a/one.txt', to: 'b.txt' }))).status).toBe(409);
    expect((await call('POST', '/v1/files/rename', JSON.stringify({ from: 'a/one.txt', to: 'c/uno.txt' }))).status).toBe(204);
    expect(readFileSync(join(workspace, 'c/uno.txt'), 'utf8')).toBe('1');
    expect((await call('POST', '/v1/files/rename', JSON.stringify({ from: 'missing', to: 'x' }))).status).toBe(404);
    expect((await call('POST', '/v1/files/rename', 'not json')).status).toBe(400);

    expect((await call('DELETE', '/v1/files?path=c')).status).toBe(204);
    expect(existsSync(join(workspace, 'c'))).toBe(false);
    expect((await call('DELETE', '/v1/files?path=b.txt')).status).toBe(204);
    expect((await call('DELETE', '/v1/files?path=b.txt')).status).toBe(404);
    expect((await call('DELETE', '/v1/files?path=')).status).toBe(400);
    expect((await call('DELETE', `/v1/files?path=${q(workspace)}`)).status).toBe(400);
    expect((await call('PATCH', '/v1/files')).status).toBe(405);
    expect(existsSync(workspace)).toBe(true);
  });
});

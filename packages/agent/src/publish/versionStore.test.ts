import { execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { PublishError } from './publishError.js';
import { VersionStores, type VersionStore } from './versionStore.js';

const author = { name: 'Ada Builder', email: 'ada@example.com' };

let dir: string;
let workspace: string;
let stores: VersionStores;
let store: VersionStore;
const clock = new FakeClock(new Date('2026-12-02T10:00:00Z'));

function put(path: string, content: string | Buffer): void {
  const full = join(workspace, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
}

/** Every file under a directory, relative, as the tree a version should hold. */
function walk(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? walk(root, path) : [path];
  });
}

async function paths(version: string): Promise<string[]> {
  return (await store.files(version)).map((f) => f.path).sort();
}

/** A version made with git's plumbing, as a tampered or older store could hold: what snapshot would refuse. */
function plantVersion(entries: Array<{ path: string; mode: string; content: string }>): string {
  const env = { ...process.env, GIT_DIR: store.gitDir, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  const lines = entries.map((e) => {
    const object = execFileSync('git', ['hash-object', '-w', '--stdin'], { env, input: e.content }).toString().trim();
    return `${e.mode} blob ${object}\t${e.path}`;
  });
  const tree = execFileSync('git', ['mktree'], { env, input: `${lines.join('\n')}\n` }).toString().trim();
  return execFileSync('git', ['commit-tree', tree, '-m', 'planted'], { env: { ...env, GIT_AUTHOR_NAME: 'x', GIT_AUTHOR_EMAIL: 'x@x', GIT_COMMITTER_NAME: 'x', GIT_COMMITTER_EMAIL: 'x@x' } }).toString().trim();
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paddock-versions-'));
  workspace = join(dir, 'workspaces', 'ws-1', 'workspace');
  mkdirSync(workspace, { recursive: true });
  stores = new VersionStores(join(dir, 'agent'), { clock, limits: { maxFileBytes: 1024 * 1024, maxFiles: 200 } });
  store = await stores.of('ws-1');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('VersionStore', () => {
  it('keeps its repository in the data dir, 0700, away from the workspace', () => {
    expect(store.gitDir).toBe(join(dir, 'agent', 'versions', 'ws-1.git'));
    expect(statSync(store.gitDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'agent', 'versions')).mode & 0o777).toBe(0o700);
  });

  it('leaves out .git, node_modules, what .gitignore and .paddockignore list', async () => {
    execFileSync('git', ['init', '-q', workspace]);
    put('src/app.js', 'console.log(1)\n');
    put('.gitignore', 'dist/\n*.log\n');
    put('src/.gitignore', 'local.json\n');
    put('src/local.json', '{}');
    put('dist/bundle.js', 'x');
    put('debug.log', 'x');
    put('node_modules/left-pad/index.js', 'x');
    put('packages/a/node_modules/b/index.js', 'x');
    put('.paddockignore', 'secrets/\nnotes.md\n');
    put('secrets/key.txt', 'x');
    put('notes.md', 'x');
    const snapshot = await store.snapshot(workspace, { message: 'first', author });
    expect(await paths(snapshot.version)).toEqual(['.gitignore', '.paddockignore', 'src/.gitignore', 'src/app.js']);
    expect(snapshot.files).toBe(4);
    expect(snapshot).not.toHaveProperty('parent');
    expect(snapshot.bytes).toBe(['console.log(1)\n', 'dist/\n*.log\n', 'local.json\n', 'secrets/\nnotes.md\n'].join('').length);
  });

  it('takes node_modules when the app needs them, in spite of .gitignore', async () => {
    put('.gitignore', 'node_modules/\n');
    put('index.js', 'x');
    put('node_modules/left-pad/index.js', 'module.exports = 1');
    put('.paddockignore', 'node_modules/.cache/\n');
    put('node_modules/.cache/big', 'x');
    const snapshot = await store.snapshot(workspace, { message: 'with modules', author, includeNodeModules: true });
    expect(await paths(snapshot.version)).toEqual(['.gitignore', '.paddockignore', 'index.js', 'node_modules/left-pad/index.js']);
  });

  it('a second snapshot: the diff shows only the change; lists newest first with who and when', async () => {
    put('a.txt', 'one\ntwo\n');
    put('b.txt', 'same\n');
    put('gone.txt', 'bye\n');
    put('logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]));
    const first = await store.snapshot(workspace, { message: 'first', author });
    put('a.txt', 'one\nTWO\nthree\n');
    rmSync(join(workspace, 'gone.txt'));
    put('c.txt', 'new\n');
    put('logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 9, 9, 9]));
    clock.advance(60_000);
    const second = await store.snapshot(workspace, { message: 'second\n\nwith a body', author });
    expect(second.parent).toBe(first.version);

    const diff = await store.diff(first.version, second.version);
    expect(diff.truncated).toBe(false);
    expect([...diff.files].sort((x, y) => x.path.localeCompare(y.path))).toEqual([
      { path: 'a.txt', status: 'modified', additions: 2, deletions: 1, binary: false },
      { path: 'c.txt', status: 'added', additions: 1, deletions: 0, binary: false },
      { path: 'gone.txt', status: 'deleted', additions: 0, deletions: 1, binary: false },
      { path: 'logo.png', status: 'modified', additions: 0, deletions: 0, binary: true },
    ]);
    expect(diff.patch).toContain('+TWO');
    expect(diff.patch).not.toContain('b.txt');
    expect(diff.patch).toMatch(/Binary files .*logo.png differ/);

    const fromEmpty = await store.diff('empty', first.version);
    expect(fromEmpty.files.map((f) => f.status)).toEqual(['added', 'added', 'added', 'added']);

    const capped = await store.diff('empty', second.version, { maxFiles: 2, maxPatchBytes: 40 });
    expect(capped.truncated).toBe(true);
    expect(capped.files).toHaveLength(2);
    expect(capped.patch.length).toBeLessThanOrEqual(40);

    const versions = await store.list();
    expect(versions.map((v) => v.version)).toEqual([second.version, first.version]);
    expect(versions[0]).toMatchObject({ parent: first.version, author, message: 'second\n\nwith a body', createdAt: new Date('2026-12-02T10:01:00Z') });
    expect(versions[1]).toMatchObject({ message: 'first', createdAt: new Date('2026-12-02T10:00:00Z') });
  });

  it('detects a rename', async () => {
    put('old-name.txt', 'a line long enough to be recognised\n'.repeat(5));
    const first = await store.snapshot(workspace, { message: 'first', author });
    rmSync(join(workspace, 'old-name.txt'));
    put('new-name.txt', 'a line long enough to be recognised\n'.repeat(5));
    const second = await store.snapshot(workspace, { message: 'second', author });
    expect((await store.diff(first.version, second.version)).files).toEqual([{ path: 'new-name.txt', from: 'old-name.txt', status: 'renamed', additions: 0, deletions: 0, binary: false }]);
  });

  it('compares a first publish with the blueprint template given as a directory', async () => {
    const template = join(dir, 'template');
    mkdirSync(template);
    writeFileSync(join(template, 'index.html'), '<h1>Hello</h1>\n');
    writeFileSync(join(template, 'README.md'), 'template\n');
    const base = await store.baseTree(template);
    put('index.html', '<h1>Sales</h1>\n');
    put('README.md', 'template\n');
    const first = await store.snapshot(workspace, { message: 'first', author });
    expect((await store.diff(base, first.version)).files).toEqual([{ path: 'index.html', status: 'modified', additions: 1, deletions: 1, binary: false }]);
    expect(await store.list()).toHaveLength(1); // a base is not a version
  });

  it('a version does not change when the workspace does', async () => {
    put('app.js', 'v1\n');
    const first = await store.snapshot(workspace, { message: 'first', author });
    put('app.js', 'v2\n');
    put('more.js', 'x');
    await store.snapshot(workspace, { message: 'second', author });
    expect((await store.read(first.version, 'app.js')).toString()).toBe('v1\n');
    expect(await paths(first.version)).toEqual(['app.js']);
  });

  it('materialises a version into an empty directory, modes and links as they were', async () => {
    put('src/index.js', 'console.log("hi")\n');
    put('run.sh', '#!/bin/sh\necho hi\n');
    execFileSync('chmod', ['755', join(workspace, 'run.sh')]);
    symlinkSync('src/index.js', join(workspace, 'main.js'));
    put('.gitattributes', '* text eol=crlf\n*.js export-ignore\n');
    const { version } = await store.snapshot(workspace, { message: 'first', author });
    const target = join(dir, 'app');
    mkdirSync(target);
    await store.materialise(version, target);
    expect(walk(target).sort()).toEqual(['.gitattributes', 'main.js', 'run.sh', 'src/index.js']);
    // The workspace's attributes change nothing: bytes as they were, nothing left out.
    expect(readFileSync(join(target, 'src/index.js'), 'utf8')).toBe('console.log("hi")\n');
    expect(statSync(join(target, 'run.sh')).mode & 0o111).not.toBe(0);
    expect(readlinkSync(join(target, 'main.js'))).toBe('src/index.js');

    await expect(store.materialise(version, target)).rejects.toMatchObject({ code: 'invalid' }); // not empty
    await expect(store.materialise('f'.repeat(40), join(dir, 'other'))).rejects.toMatchObject({ code: 'not-found' });
    await expect(store.materialise('HEAD', join(dir, 'other'))).rejects.toMatchObject({ code: 'invalid' });
  });

  it('handles file names with newlines, leading dashes and other bytes', async () => {
    const names = ['line\nbreak.txt', '-rf', '--force', '-- x', 'tab\there', ' spaced ', 'ünï.txt', '*'];
    for (const name of names) put(name, name);
    const { version } = await store.snapshot(workspace, { message: 'odd names', author });
    expect(await paths(version)).toEqual([...names].sort());
    for (const name of names) expect((await store.read(version, name)).toString()).toBe(name);
    await expect(store.read(version, '?')).rejects.toMatchObject({ code: 'not-found' }); // pathspecs are literal
    const target = join(dir, 'app');
    mkdirSync(target);
    await store.materialise(version, target);
    expect(walk(target).sort()).toEqual([...names].sort());
  });

  it('refuses a file over the cap, and too many files, with a clear error', async () => {
    put('big.bin', Buffer.alloc(1024 * 1024 + 1));
    await expect(store.snapshot(workspace, { message: 'big', author })).rejects.toThrow(/big\.bin is 1048577 bytes, more than 1048576/);
    rmSync(join(workspace, 'big.bin'));
    for (let i = 0; i < 201; i++) put(`f/${i}.txt`, 'x');
    await expect(store.snapshot(workspace, { message: 'many', author })).rejects.toThrow(/201 files, more than 200/);
    expect(await store.list()).toEqual([]);
  });

  it('leaves out what is neither a file nor a link (a FIFO does not hang it)', async () => {
    put('app.js', 'x');
    execFileSync('mkfifo', [join(workspace, 'pipe')]);
    const { version } = await store.snapshot(workspace, { message: 'fifo', author });
    expect(await paths(version)).toEqual(['app.js']);
  });

  it('refuses a nested repository rather than storing an empty gitlink', async () => {
    put('vendor/lib/a.js', 'x');
    execFileSync('git', ['init', '-q', join(workspace, 'vendor/lib')]);
    await expect(store.snapshot(workspace, { message: 'nested', author })).rejects.toThrow(/repository of its own.*vendor\/lib/);
  });
});

describe('VersionStore against a hostile workspace', () => {
  it('refuses symlinks that lead outside the workspace, directly or through another link', async () => {
    put('ok.txt', 'x');
    for (const [name, target] of [
      ['passwd', '/etc/passwd'],
      ['up', '../..'],
      ['data', '../../../agent/versions'],
    ] as const) {
      symlinkSync(target, join(workspace, name));
      await expect(store.snapshot(workspace, { message: 'x', author })).rejects.toThrow(new RegExp(`symlink leads outside.*"${name}"`));
      rmSync(join(workspace, name));
    }
    mkdirSync(join(workspace, 'sub'));
    symlinkSync('../..', join(workspace, 'sub/deep'));
    symlinkSync('sub/deep/..', join(workspace, 'sneaky'));
    await expect(store.snapshot(workspace, { message: 'x', author })).rejects.toThrow(/symlink leads outside/);
    rmSync(join(workspace, 'sub/deep'));
    rmSync(join(workspace, 'sneaky'));
    symlinkSync('sub/../ok.txt', join(workspace, 'fine'));
    const { version } = await store.snapshot(workspace, { message: 'inside', author });
    expect(await paths(version)).toEqual(['fine', 'ok.txt']);
  });

  it('a stored version with an outside link: materialise writes nothing, read refuses', async () => {
    const version = plantVersion([
      { path: 'passwd', mode: '120000', content: '/etc/passwd' },
      { path: 'up', mode: '120000', content: '../..' },
      { path: 'index.js', mode: '100644', content: 'x' },
    ]);
    const parent = join(dir, 'apps');
    const target = join(parent, 'app');
    mkdirSync(target, { recursive: true });
    await expect(store.materialise(version, target)).rejects.toMatchObject({ code: 'refused' });
    expect(readdirSync(target)).toEqual([]);
    expect(readdirSync(parent)).toEqual(['app']);
    await expect(store.read(version, 'passwd')).rejects.toMatchObject({ code: 'refused' });
    await expect(store.read(version, 'up')).rejects.toMatchObject({ code: 'refused' });
    await expect(store.read(version, 'up/etc/passwd')).rejects.toMatchObject({ code: 'not-found' });
    await expect(store.read(version, '../../etc/passwd')).rejects.toMatchObject({ code: 'invalid' });
    await expect(store.read(version, '/etc/passwd')).rejects.toMatchObject({ code: 'invalid' });
    expect((await store.read(version, 'index.js')).toString()).toBe('x');
  });

  it('never runs what the workspace planted in its .git (hooks, fsmonitor) nor uses its config', async () => {
    const pwned = join(dir, 'pwned');
    execFileSync('git', ['init', '-q', workspace]);
    const hook = `#!/bin/sh\ntouch ${pwned}-hook\n`;
    for (const name of ['post-commit', 'pre-commit', 'post-index-change', 'reference-transaction', 'post-checkout']) {
      writeFileSync(join(workspace, '.git/hooks', name), hook, { mode: 0o755 });
    }
    writeFileSync(join(workspace, 'fsmonitor.sh'), `#!/bin/sh\ntouch ${pwned}-fsmonitor\n`, { mode: 0o755 });
    writeFileSync(
      join(workspace, '.git/config'),
      `[core]\n\tfsmonitor = touch ${pwned}-config\n\thooksPath = .git/hooks\n\tattributesFile = /etc/passwd\n[filter "evil"]\n\tclean = touch ${pwned}-filter\n\tsmudge = touch ${pwned}-smudge\n[diff "evil"]\n\ttextconv = touch ${pwned}-textconv\n`,
    );
    put('.gitattributes', '* filter=evil diff=evil\n');
    put('app.js', 'v1\n');
    const first = await store.snapshot(workspace, { message: 'one', author });
    put('app.js', 'v2\n');
    const second = await store.snapshot(workspace, { message: 'two', author });
    await store.diff(first.version, second.version);
    const target = join(dir, 'app');
    mkdirSync(target);
    await store.materialise(second.version, target);
    expect(readdirSync(dir).filter((name) => name.startsWith('pwned'))).toEqual([]);
    // Nothing was written into the builder's repository either.
    expect(existsSync(join(workspace, '.git/index'))).toBe(false);
    expect(execFileSync('git', ['-C', workspace, 'rev-list', '--all']).toString()).toBe('');
    expect(await paths(second.version)).not.toContain('.git/config');
    // The control: the same traps do go off for git run the ordinary way in the workspace.
    execFileSync('git', ['-C', workspace, 'add', 'app.js'], { env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } });
    expect(readdirSync(dir).filter((name) => name.startsWith('pwned')).sort()).toEqual(['pwned-config', 'pwned-filter', 'pwned-hook']);
  });

  it('refuses a .paddockignore that is a symlink', async () => {
    symlinkSync('/etc/passwd', join(workspace, '.paddockignore'));
    await expect(store.snapshot(workspace, { message: 'x', author })).rejects.toBeInstanceOf(PublishError);
    expect(lstatSync(join(workspace, '.paddockignore')).isSymbolicLink()).toBe(true);
  });
});

describe('VersionStore while the workspace races it', () => {
  it('never stores a file outside the workspace, however fast a name flips between a file and a link', async () => {
    const agentDir = join(dir, 'agent');
    const secret = join(agentDir, 'credentials.json');
    writeFileSync(secret, `{"token":"TOP-SECRET-${'s'.repeat(200)}"}`);
    put('app.js', 'x');
    mkdirSync(join(workspace, 'd'));
    // Flip a file into a link to the agent's credentials, and a directory into a link to the agent's dir.
    const flipper = spawn(process.execPath, ['-e', `
      const fs = require('node:fs');
      process.chdir(${JSON.stringify(workspace)});
      const filler = 'a'.repeat(200);
      fs.writeFileSync('d/credentials.json', filler);
      for (;;) {
        try {
          fs.writeFileSync('x.tmp', filler); fs.renameSync('x.tmp', 'x');
          fs.symlinkSync(${JSON.stringify(secret)}, 'x.lnk'); fs.renameSync('x.lnk', 'x');
          fs.renameSync('d', 'd.real'); fs.symlinkSync(${JSON.stringify(agentDir)}, 'd');
          fs.unlinkSync('d'); fs.renameSync('d.real', 'd');
        } catch {}
      }
    `], { stdio: 'ignore' });
    try {
      let stored = 0;
      for (let i = 0; i < 40; i++) {
        const snapshot = await store.snapshot(workspace, { message: `try ${i}`, author }).catch((err: unknown) => {
          if (!(err instanceof PublishError)) throw err;
          return undefined;
        });
        if (!snapshot) continue;
        stored += 1;
        const files = await store.files(snapshot.version);
        for await (const content of store.blobs(files.map((f) => f.object))) expect(content.toString('latin1')).not.toContain('TOP-SECRET');
      }
      expect(stored).toBeGreaterThan(0);
    } finally {
      flipper.kill('SIGKILL');
      await new Promise((resolve) => flipper.once('exit', resolve));
    }
  }, 120_000);
});

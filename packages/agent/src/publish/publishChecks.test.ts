import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dependencyChanges } from './dependencyChanges.js';
import { lockfilePackages } from './lockfilePackages.js';
import { runPublishChecks } from './publishChecks.js';
import { secretScan } from './secretScanCheck.js';
import { VersionStores, type VersionStore } from './versionStore.js';

const author = { name: 'Ada', email: 'ada@example.com' };
const upper = (n: number) => Array.from(randomBytes(n), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32]).join('');

let dir: string;
let workspace: string;
let store: VersionStore;

function put(path: string, content: string | Buffer): void {
  const full = join(workspace, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
}

const snapshot = async () => (await store.snapshot(workspace, { message: 'v', author })).version;

/** A package-lock.json, lockfileVersion 3, installing these packages (path → version). */
function lock(packages: Record<string, string>, extra: Record<string, object> = {}): string {
  const entries = Object.fromEntries(Object.entries(packages).map(([path, version]) => [path, { version, resolved: `https://registry.example/${path}.tgz` }]));
  return JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages: { '': { name: 'app', version: '1.0.0' }, ...entries, ...extra } }, null, 2);
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paddock-checks-'));
  workspace = join(dir, 'workspace');
  mkdirSync(workspace);
  store = await new VersionStores(join(dir, 'agent')).of('ws-1');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('secretScan', () => {
  it('finds a fake AWS key with its file and line, masked, and fails', async () => {
    const key = `AKIA${upper(16)}`;
    put('src/config.js', `// settings\nexport const region = 'eu-west-1';\nexport const awsAccessKeyId = '${key}';\n`);
    put('README.md', 'nothing here\n');
    const result = await secretScan(store, await snapshot());
    expect(result).toEqual({ name: 'secret-scan', status: 'failed', findings: [{ file: 'src/config.js', line: 3, rule: 'aws', match: 'AKIA***' }] });
    expect(JSON.stringify(result)).not.toContain(key);
  });

  it('reports every secret of a file, each on its line', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'user-1234567890', name: 'Ada' })}.${randomBytes(32).toString('base64url')}`;
    put('.env', `A=1\nAWS_ID=AKIA${upper(16)}\n\nTOKEN=${jwt}\n`);
    const result = await secretScan(store, await snapshot());
    expect(result.status).toBe('failed');
    expect(result.findings).toEqual([
      { file: '.env', line: 2, rule: 'aws', match: 'AKIA***' },
      { file: '.env', line: 4, rule: 'jwt', match: 'eyJh***' },
    ]);
  });

  it('passes a clean version, skips binaries, and says which files were too large to scan', async () => {
    put('index.html', '<h1>Sales per region</h1>\n');
    put('image.bin', Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(`AKIA${upper(16)}`)]));
    expect(await secretScan(store, await snapshot())).toEqual({ name: 'secret-scan', status: 'passed', findings: [] });
    put('bundle.js', `x = 1;\n`.repeat(200));
    const result = await secretScan(store, await snapshot(), { maxFileBytes: 1000 });
    expect(result.status).toBe('warning');
    expect(result.findings).toEqual([{ file: 'bundle.js', rule: 'not-scanned', reason: '1400 bytes, more than the 1000 scanned' }]);
  });
});

describe('dependencyChanges', () => {
  it('lists packages added, removed, upgraded and downgraded between two lockfiles', async () => {
    put('package-lock.json', lock({ 'node_modules/react': '18.2.0', 'node_modules/left-pad': '1.3.0', 'node_modules/lodash': '4.17.21', 'node_modules/chalk': '5.3.0', 'node_modules/same': '1.0.0' }));
    const first = await snapshot();
    put('package-lock.json', lock({ 'node_modules/react': '19.0.0', 'node_modules/lodash': '4.17.20', 'node_modules/@scope/new': '0.1.0', 'node_modules/chalk': '5.3.0', 'node_modules/same': '1.0.0', 'node_modules/chalk/node_modules/ansi': '6.0.0' }, { 'packages/ui': { version: '0.0.1' }, 'node_modules/ui': { link: true, resolved: 'packages/ui' } }));
    const second = await snapshot();
    expect(await dependencyChanges(store, first, second)).toEqual({
      name: 'dependency-changes',
      status: 'warning',
      findings: [
        { lockfile: 'package-lock.json', package: '@scope/new', change: 'added', to: '0.1.0' },
        { lockfile: 'package-lock.json', package: 'ansi', change: 'added', to: '6.0.0' },
        { lockfile: 'package-lock.json', package: 'left-pad', change: 'removed', from: '1.3.0' },
        { lockfile: 'package-lock.json', package: 'lodash', change: 'downgraded', from: '4.17.21', to: '4.17.20' },
        { lockfile: 'package-lock.json', package: 'react', change: 'upgraded', from: '18.2.0', to: '19.0.0' },
      ],
    });
  });

  it('passes when no lockfile changed, and on a first publish lists every package as added', async () => {
    put('package-lock.json', lock({ 'node_modules/react': '18.2.0' }));
    put('app.js', 'v1');
    const first = await snapshot();
    put('app.js', 'v2');
    const second = await snapshot();
    expect(await dependencyChanges(store, first, second)).toEqual({ name: 'dependency-changes', status: 'passed', findings: [] });
    expect((await dependencyChanges(store, 'empty', first)).findings).toEqual([{ lockfile: 'package-lock.json', package: 'react', change: 'added', to: '18.2.0' }]);
  });

  it('says which lockfiles it could not read, and ignores those inside node_modules', async () => {
    put('bun.lockb', Buffer.from([0, 1, 2]));
    put('web/package-lock.json', '{ not json');
    put('node_modules/dep/package-lock.json', '{ not json either');
    const first = (await store.snapshot(workspace, { message: 'v', author, includeNodeModules: true })).version;
    expect((await store.files(first)).map((f) => f.path)).toContain('node_modules/dep/package-lock.json');
    const result = await dependencyChanges(store, 'empty', first);
    expect(result.status).toBe('warning');
    expect(result.findings).toEqual([
      { lockfile: 'bun.lockb', change: 'unread', reason: 'bun.lockb is not read yet: its changes are not listed' },
      { lockfile: 'web/package-lock.json', change: 'unread', reason: expect.stringMatching(/JSON/) },
    ]);
  });

  it('reads pnpm and yarn lockfiles too', async () => {
    const pnpm = (packages: string[]) => `lockfileVersion: '9.0'\n\nimporters:\n  .:\n    dependencies: {}\n\npackages:\n${packages.map((p) => `\n  '${p}':\n    resolution: {integrity: sha512-x}\n`).join('')}`;
    const yarn = (entries: Array<[string, string]>) => `# yarn lockfile v1\n\n${entries.map(([key, version]) => `"${key}":\n  version "${version}"\n`).join('\n')}`;
    const berry = (entries: Array<[string, string, string]>) => `__metadata:\n  version: 8\n\n${entries.map(([key, version, link]) => `"${key}":\n  version: ${version}\n  resolution: "${key}"\n  linkType: ${link}\n`).join('\n')}`;
    put('pnpm-lock.yaml', pnpm(['react@18.2.0', '@babel/core@7.24.0']));
    put('classic/yarn.lock', yarn([['lodash@^4.17.0', '4.17.20'], ['@types/node@^20', '20.1.0']]));
    put('berry/yarn.lock', berry([['app@workspace:.', '0.0.0-use.local', 'soft'], ['chalk@npm:^5.0.0', '5.0.0', 'hard']]));
    const first = await snapshot();
    put('pnpm-lock.yaml', pnpm(['react@19.0.0', 'zod@4.0.0']));
    put('classic/yarn.lock', yarn([['lodash@^4.17.0', '4.17.21'], ['@types/node@^20', '20.1.0']]));
    put('berry/yarn.lock', berry([['app@workspace:.', '0.0.0-use.local', 'soft'], ['chalk@npm:^5.0.0', '5.3.0', 'hard']]));
    const second = await snapshot();
    expect((await dependencyChanges(store, first, second)).findings).toEqual([
      { lockfile: 'berry/yarn.lock', package: 'chalk', change: 'upgraded', from: '5.0.0', to: '5.3.0' },
      { lockfile: 'classic/yarn.lock', package: 'lodash', change: 'upgraded', from: '4.17.20', to: '4.17.21' },
      { lockfile: 'pnpm-lock.yaml', package: '@babel/core', change: 'removed', from: '7.24.0' },
      { lockfile: 'pnpm-lock.yaml', package: 'react', change: 'upgraded', from: '18.2.0', to: '19.0.0' },
      { lockfile: 'pnpm-lock.yaml', package: 'zod', change: 'added', to: '4.0.0' },
    ]);
  });

  it('reads a package-lock v1 tree and older pnpm keys', () => {
    const v1 = JSON.stringify({ lockfileVersion: 1, dependencies: { a: { version: '1.0.0', dependencies: { b: { version: '2.0.0' } } }, b: { version: '3.0.0' }, local: { version: 'file:../local' } } });
    expect(lockfilePackages('package-lock.json', v1)).toEqual(new Map([['a', new Set(['1.0.0'])], ['b', new Set(['2.0.0', '3.0.0'])]]));
    const pnpm6 = "lockfileVersion: '6.0'\npackages:\n  /react-dom@18.2.0(react@18.2.0):\n    dev: false\n  /@scope/x@1.0.0:\n    dev: true\n";
    expect(lockfilePackages('pnpm-lock.yaml', pnpm6)).toEqual(new Map([['react-dom', new Set(['18.2.0'])], ['@scope/x', new Set(['1.0.0'])]]));
    const pnpm5 = 'lockfileVersion: 5.4\npackages:\n  /react-dom/18.2.0_react@18.2.0:\n    dev: false\n  /@scope/x/1.0.0:\n    dev: true\n';
    expect(lockfilePackages('pnpm-lock.yaml', pnpm5)).toEqual(new Map([['react-dom', new Set(['18.2.0'])], ['@scope/x', new Set(['1.0.0'])]]));
  });
});

describe('runPublishChecks', () => {
  it('runs both checks on one version, in the API shape', async () => {
    put('package-lock.json', lock({ 'node_modules/react': '18.2.0' }));
    put('key.txt', `id=AKIA${upper(16)}`);
    const checks = await runPublishChecks(store, await snapshot(), 'empty');
    expect(checks.map((c) => [c.name, c.status, c.findings.length])).toEqual([
      ['secret-scan', 'failed', 1],
      ['dependency-changes', 'warning', 1],
    ]);
  });
});

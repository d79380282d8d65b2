import { describe, expect, it } from 'vitest';
import { commandPatternMatches } from './commandMatch.js';
import { normalizeRemote, refPatternMatches, remotePatternMatches } from './gitMatch.js';
import { domainPatternMatches, httpPathMatches, methodMatches, normalizeDomain, normalizeHttpPath } from './httpMatch.js';
import { normalizeWorkspacePath, pathPatternMatches } from './pathMatch.js';

const w = (s: string) => s.split(' ');

describe('commandPatternMatches', () => {
  it('matches an exact command only without a wildcard', () => {
    expect(commandPatternMatches('npm test', w('npm test'))).toBe(true);
    expect(commandPatternMatches('npm test', w('npm test --watch'))).toBe(false);
  });

  it('reads a trailing " *" as optional, at a word boundary', () => {
    expect(commandPatternMatches('npm *', w('npm'))).toBe(true);
    expect(commandPatternMatches('npm *', w('npm install x'))).toBe(true);
    expect(commandPatternMatches('npm *', w('npmx install'))).toBe(false);
    expect(commandPatternMatches('npm:*', w('npm run build'))).toBe(true);
    expect(commandPatternMatches('npm:*', w('npmx'))).toBe(false);
  });

  it('lets * match any run, spaces included, anywhere', () => {
    expect(commandPatternMatches('rm -rf *', w('rm -rf /'))).toBe(true);
    expect(commandPatternMatches('git * main', w('git push origin main'))).toBe(true);
    expect(commandPatternMatches('* install', w('pip install'))).toBe(true);
    expect(commandPatternMatches('psql * DROP *', ['psql', '-c', 'DROP TABLE x'])).toBe(true);
  });

  it('treats regex characters in a pattern literally', () => {
    expect(commandPatternMatches('a.b', w('axb'))).toBe(false);
    expect(commandPatternMatches('(x)', w('(x)'))).toBe(true);
  });

  it('matches an argument holding a newline', () => {
    expect(commandPatternMatches('echo *', ['echo', 'a\nb'])).toBe(true);
  });
});

describe('paths', () => {
  it('resolves relative paths and .. against /workspace', () => {
    expect(normalizeWorkspacePath('src/a.ts')).toBe('/workspace/src/a.ts');
    expect(normalizeWorkspacePath('/workspace/../etc/passwd')).toBe('/etc/passwd');
    expect(normalizeWorkspacePath('../../etc//passwd')).toBe('/etc/passwd');
    expect(normalizeWorkspacePath('/workspace/./a/../b')).toBe('/workspace/b');
  });

  it('matches globs after normalising, dot files included', () => {
    expect(pathPatternMatches('/workspace/**', '/workspace/src/.env')).toBe(true);
    expect(pathPatternMatches('/workspace/**', '/workspace/../etc/passwd')).toBe(false);
    expect(pathPatternMatches('/workspace/**', 'src/x')).toBe(true);
    expect(pathPatternMatches('src/*.ts', '/workspace/src/a.ts')).toBe(true);
    expect(pathPatternMatches('src/*.ts', '/workspace/src/deep/a.ts')).toBe(false);
    expect(pathPatternMatches('/etc/**', 'a/../../etc/shadow')).toBe(true);
  });
});

describe('domains', () => {
  it('normalises case, trailing dot and IDNA', () => {
    expect(normalizeDomain('Example.COM.')).toBe('example.com');
    expect(normalizeDomain('bücher.example')).toBe('xn--bcher-kva.example');
    expect(normalizeDomain('')).toBeUndefined();
    expect(normalizeDomain('a b.com')).toBeUndefined();
    expect(normalizeDomain('evil.com/@good.com')).toBeUndefined();
  });

  it('matches exact names and *. wildcards without widening them', () => {
    expect(domainPatternMatches('registry.npmjs.org', 'REGISTRY.npmjs.org.')).toBe(true);
    expect(domainPatternMatches('*.example.com', 'a.b.example.com')).toBe(true);
    expect(domainPatternMatches('*.example.com', 'example.com')).toBe(false);
    expect(domainPatternMatches('*.example.com', 'evilexample.com')).toBe(false);
    expect(domainPatternMatches('example.com', 'example.com.evil.net')).toBe(false);
    expect(domainPatternMatches('*.bücher.example', 'shop.xn--bcher-kva.example')).toBe(true);
    expect(domainPatternMatches('*', 'anything.example')).toBe(true);
  });

  it('matches methods case-insensitively', () => {
    expect(methodMatches('post', 'POST')).toBe(true);
    expect(methodMatches('GET', 'POST')).toBe(false);
    expect(methodMatches('*', 'DELETE')).toBe(true);
  });

  it('normalises request paths before the glob', () => {
    expect(normalizeHttpPath('/a/../admin?x=1')).toBe('/admin');
    expect(normalizeHttpPath('/%61dmin')).toBe('/admin');
    expect(normalizeHttpPath('/a/%2e%2e/admin')).toBe('/admin');
    expect(normalizeHttpPath('/%E0%A4%A')).toBeUndefined();
    expect(httpPathMatches('/admin/**', '/public/../admin/users')).toBe(true);
    expect(httpPathMatches('/api/*', '/api/v1/x')).toBe(false);
    expect(httpPathMatches('/api/**', '/api/v1/x')).toBe(true);
    expect(httpPathMatches('/admin', '/%E0%A4%A')).toBe(false);
  });
});

describe('git', () => {
  it('drops credentials from remotes', () => {
    expect(normalizeRemote('https://user:ghp_secret@GitHub.com/acme/app.git')).toBe('https://github.com/acme/app.git');
    expect(normalizeRemote('git@GitHub.com:acme/app.git')).toBe('git@github.com:acme/app.git');
  });

  it('matches remote globs across slashes', () => {
    expect(remotePatternMatches('https://github.com/acme/*', 'https://tok@github.com/acme/app.git')).toBe(true);
    expect(remotePatternMatches('https://github.com/acme/*', 'https://github.com/evil/app.git')).toBe(false);
    expect(remotePatternMatches('*', 'origin')).toBe(true);
  });

  it('matches refs by short or full name', () => {
    expect(refPatternMatches('main', 'refs/heads/main')).toBe(true);
    expect(refPatternMatches('main', 'main')).toBe(true);
    expect(refPatternMatches('release/*', 'refs/heads/release/1.0')).toBe(true);
    expect(refPatternMatches('release/*', 'refs/heads/release/1/x')).toBe(false);
    expect(refPatternMatches('refs/tags/**', 'refs/tags/v1')).toBe(true);
    expect(refPatternMatches('refs/tags/**', 'refs/heads/v1')).toBe(false);
    expect(refPatternMatches('v1', 'refs/tags/v1')).toBe(true);
  });
});

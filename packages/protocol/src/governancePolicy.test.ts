import { describe, expect, it } from 'vitest';
import { effectivePolicySchema, governancePolicySchema, type GovernancePolicy } from './governanceApi.js';
import { DEFAULT_HOLD_TIMEOUT_SECONDS, defaultGovernancePolicy, effectivePolicy, exactMatchOf, killSwitchFor, literalGlob } from './governancePolicy.js';

const off = { engaged: false } as const;

describe('defaultGovernancePolicy', () => {
  const policy = defaultGovernancePolicy(['registry.npmjs.org', 'Deb.Debian.org ', 'registry.npmjs.org', '']);

  it('is a valid policy in monitor mode, with every rule named once', () => {
    expect(governancePolicySchema.parse(policy)).toEqual(policy);
    expect(policy.mode).toBe('monitor');
    const ids = policy.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id !== undefined && id.length <= 64)).toBe(true);
  });

  it('allows the configured registries (each once, lower case) and denies every other domain', () => {
    const http = policy.rules.filter((r) => r.class === 'http_request');
    expect(http.map((r) => [r.match.domain, r.verdict])).toEqual([['deb.debian.org', 'allow'], ['registry.npmjs.org', 'allow']]);
    expect(policy.defaults.http_request).toBe('deny');
  });

  it('allows writes inside /workspace and asks for the others', () => {
    expect(policy.rules.filter((r) => r.class === 'file_write' && r.verdict === 'allow').map((r) => r.match.path)).toEqual(['/workspace/**', '/workspace']);
    expect(policy.defaults.file_write).toBe('ask');
  });

  it('asks for force pushes, branch deletions, recursive rm outside /workspace and database drops', () => {
    const asked = (cls: string) => policy.rules.filter((r) => r.class === cls && r.verdict === 'ask').map((r) => r.match);
    expect(asked('git_push')).toEqual([{ force: true }, { delete: true }]);
    const commands = asked('bash_command').map((m) => m.command);
    expect(commands).toEqual(expect.arrayContaining(['rm -*r* /**', 'rm -*R* ~**', 'rm -*r* **..**', 'dropdb **', 'psql **drop database**', 'psql **DROP TABLE**']));
    expect(policy.defaults.bash_command).toBe('allow');
  });

  it('turns every content filter on', () => {
    expect(policy.contentFilters).toEqual({ secrets: true, privateKeys: true, exfiltration: true });
  });
});

describe('effectivePolicy', () => {
  const org: GovernancePolicy = {
    mode: 'monitor',
    defaults: { llm_call: 'allow', bash_command: 'allow', file_write: 'ask', git_push: 'allow', http_request: 'deny' },
    rules: [{ id: 'org-1', class: 'http_request', match: { domain: 'registry.npmjs.org' }, verdict: 'allow' }],
    contentFilters: { secrets: true, privateKeys: true, exfiltration: false },
  };

  it('is the org policy when there is no override, with the default hold timeout', () => {
    const p = effectivePolicy(org, undefined, off);
    expect(effectivePolicySchema.parse(p)).toEqual(p);
    expect(p).toEqual({ ...org, killSwitch: off, holdTimeoutSeconds: DEFAULT_HOLD_TIMEOUT_SECONDS });
  });

  it('takes what the override sets and inherits the rest, key by key', () => {
    const p = effectivePolicy(org, { mode: 'enforce', defaults: { bash_command: 'deny' }, contentFilters: { exfiltration: true } }, off);
    expect(p.mode).toBe('enforce');
    expect(p.defaults).toEqual({ ...org.defaults, bash_command: 'deny' });
    expect(p.contentFilters).toEqual({ secrets: true, privateKeys: true, exfiltration: true });
    expect(p.rules).toEqual(org.rules);
  });

  it('tries grants first, then the override rules, then the org rules', () => {
    const bp = { id: 'bp-1', class: 'http_request' as const, match: { domain: 'registry.npmjs.org' }, verdict: 'deny' as const };
    const grant = { id: 'grant-1', class: 'bash_command' as const, match: { command: 'git push --force' }, verdict: 'allow' as const };
    const p = effectivePolicy(org, { rules: [bp] }, off, { grants: [grant], holdTimeoutSeconds: 60 });
    expect(p.rules.map((r) => r.id)).toEqual(['grant-1', 'bp-1', 'org-1']);
    expect(p.holdTimeoutSeconds).toBe(60);
  });

  it('keeps an empty rule list in the override as no rules of its own', () => {
    expect(effectivePolicy(org, { rules: [] }, off).rules).toEqual(org.rules);
  });

  it("passes through the org's domains and the blueprint's together, and says nothing when neither lists one", () => {
    expect(effectivePolicy(org, undefined, off)).not.toHaveProperty('passthrough');
    const p = effectivePolicy({ ...org, passthrough: ['pinned.example.com'] }, { passthrough: ['*.bank.example', 'pinned.example.com'] }, off);
    expect(p.passthrough).toEqual(['*.bank.example', 'pinned.example.com']);
    expect(effectivePolicySchema.parse(p)).toEqual(p);
  });

  it('carries the kill switch', () => {
    expect(effectivePolicy(org, undefined, { engaged: true, scope: 'org', reason: 'incident' }).killSwitch).toEqual({ engaged: true, scope: 'org', reason: 'incident' });
  });
});

describe('killSwitchFor', () => {
  it("applies the org's first, then the blueprint's", () => {
    expect(killSwitchFor({ engaged: true, reason: 'all' }, { engaged: true, reason: 'one' })).toEqual({ engaged: true, scope: 'org', reason: 'all' });
    expect(killSwitchFor(off, { engaged: true, reason: 'one' })).toEqual({ engaged: true, scope: 'blueprint', reason: 'one' });
    expect(killSwitchFor(off, { engaged: false })).toEqual(off);
    expect(killSwitchFor(off, undefined)).toEqual(off);
  });
});

describe('exactMatchOf', () => {
  it("makes picomatch's glob characters literal: wildcards, classes, braces, extglobs, the escape itself", () => {
    expect(literalGlob('/tmp/*.log?')).toBe('/tmp/\\*.log\\?');
    expect(literalGlob('/x/a[1]{b,c}!(d)+(e)@(f)\\g')).toBe('/x/a\\[1\\]\\{b,c\\}\\!\\(d\\)\\+\\(e\\)\\@\\(f\\)\\\\g');
  });

  it('matches exactly the action asked, for each class', () => {
    expect(exactMatchOf({ class: 'bash_command', command: '  dropdb   shop ' })).toEqual({ command: 'dropdb shop' });
    expect(exactMatchOf({ class: 'file_write', path: '/etc/hosts' })).toEqual({ path: '/etc/hosts' });
    expect(exactMatchOf({ class: 'git_push', remote: 'https://git.example/org/app.git', ref: 'refs/heads/feat/*', force: true, delete: false }))
      .toEqual({ remote: 'https://git.example/org/app.git', ref: 'refs/heads/feat/\\*', force: true, delete: false });
    expect(exactMatchOf({ class: 'http_request', domain: 'Example.COM', method: 'post', path: '/v1/*?token=x' }))
      .toEqual({ domain: 'example.com', method: 'POST', path: '/v1/\\*' });
  });

  it('names no single model call, no command that is not plain, no remote with a wildcard', () => {
    expect(exactMatchOf({ class: 'llm_call', model: 'claude' })).toBeUndefined();
    for (const command of ['rm -rf /srv/*', 'git push && rm -rf /', 'echo "a b"', 'cat $(whoami)', 'ls | sh', 'a;b', 'echo `id`', 'ls\nrm -rf /']) {
      expect(exactMatchOf({ class: 'bash_command', command }), command).toBeUndefined();
    }
    expect(exactMatchOf({ class: 'git_push', remote: 'https://*.example/x', ref: 'main', force: false, delete: false })).toBeUndefined();
  });
});

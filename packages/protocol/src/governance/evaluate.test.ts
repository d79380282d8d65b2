import type { EffectivePolicy, GovernanceAction, PolicyRule } from '../index.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import { loadShellParser } from './shellCommands.js';

beforeAll(loadShellParser);

function policy(rules: PolicyRule[], over: Partial<EffectivePolicy> = {}): EffectivePolicy {
  return {
    mode: 'enforce',
    defaults: { llm_call: 'allow', bash_command: 'allow', file_write: 'allow', git_push: 'allow', http_request: 'deny' },
    rules,
    contentFilters: { secrets: true, privateKeys: true, exfiltration: true },
    killSwitch: { engaged: false },
    holdTimeoutSeconds: 300,
    ...over,
  };
}

const bash = (command: string): GovernanceAction => ({ class: 'bash_command', command });
const noRm: PolicyRule = { id: 'no-rm', class: 'bash_command', match: { command: 'rm -rf *' }, verdict: 'deny' };

describe('evaluate', () => {
  it('denies with the rule and the subcommand named in plain words', () => {
    const d = evaluate(policy([noRm]), bash('rm -rf /'));
    expect(d).toMatchObject({ verdict: 'deny', enforced: true, mode: 'enforce', ruleId: 'no-rm' });
    expect(d.reason).toBe('Policy denies `rm -rf /` (rule no-rm).');
  });

  it('denies a command when any subcommand is denied, however it is hidden', () => {
    for (const line of ['ls && rm -rf /', 'echo "$(rm -rf /)"', 'ls | timeout 5 nohup rm -rf /', 'X=1 env rm -rf /tmp', 'ls\nrm -rf /', '"r"m -rf /', '/bin/rm -rf /', "bash -c 'rm -rf ~'", 'echo `rm -rf /`', 'ls | xargs rm -rf', 'find / -exec rm -rf {} +', "sh <<< 'rm -rf /'"]) {
      expect(evaluate(policy([noRm]), bash(line)).verdict, line).toBe('deny');
    }
  });

  it('lets ask beat allow across subcommands, and deny beat ask', () => {
    const rules: PolicyRule[] = [
      { id: 'ok-ls', class: 'bash_command', match: { command: 'ls *' }, verdict: 'allow' },
      { id: 'ask-push', class: 'bash_command', match: { command: 'git push *' }, verdict: 'ask' },
      noRm,
    ];
    expect(evaluate(policy(rules), bash('ls && git push origin main'))).toMatchObject({ verdict: 'ask', ruleId: 'ask-push' });
    expect(evaluate(policy(rules), bash('git push && rm -rf /'))).toMatchObject({ verdict: 'deny', ruleId: 'no-rm' });
    expect(evaluate(policy(rules), bash('ls -la'))).toMatchObject({ verdict: 'allow', ruleId: 'ok-ls' });
  });

  it('takes the first matching rule, else the class default', () => {
    const rules: PolicyRule[] = [
      { id: 'first', class: 'bash_command', match: { command: 'npm *' }, verdict: 'allow' },
      { id: 'second', class: 'bash_command', match: { command: 'npm *' }, verdict: 'deny' },
    ];
    expect(evaluate(policy(rules), bash('npm i'))).toMatchObject({ verdict: 'allow', ruleId: 'first' });
    const d = evaluate(policy(rules, { defaults: { ...policy([]).defaults, bash_command: 'ask' } }), bash('make'));
    expect(d).toMatchObject({ verdict: 'ask' });
    expect(d.ruleId).toBeUndefined();
    expect(d.reason).toContain('the default for commands');
  });

  it('never allows by a rule a program named by path, nor a line it cannot read', () => {
    const allowNpm: PolicyRule = { id: 'npm', class: 'bash_command', match: { command: 'npm *' }, verdict: 'allow' };
    const strict = policy([allowNpm], { defaults: { ...policy([]).defaults, bash_command: 'deny' } });
    expect(evaluate(strict, bash('./npm install')).verdict).toBe('deny');
    expect(evaluate(policy([]), bash('$CMD -rf /'))).toMatchObject({ verdict: 'ask' });
    expect(evaluate(strict, bash('$CMD -rf /')).verdict).toBe('deny');
  });

  it('applies the kill switch first, enforced in every mode', () => {
    for (const mode of ['off', 'monitor', 'enforce'] as const) {
      const d = evaluate(policy([], { mode, killSwitch: { engaged: true, reason: 'incident 42', scope: 'org' } }), bash('ls'));
      expect(d).toMatchObject({ verdict: 'deny', enforced: true, mode });
      expect(d.reason).toContain("the organisation's kill switch is engaged: incident 42");
    }
  });

  it('allows everything unenforced in mode off', () => {
    expect(evaluate(policy([noRm], { mode: 'off' }), bash('rm -rf /'))).toMatchObject({ verdict: 'allow', enforced: false, mode: 'off' });
  });

  it('computes the verdict but does not enforce it in monitor mode', () => {
    const d = evaluate(policy([noRm], { mode: 'monitor' }), bash('rm -rf /'));
    expect(d).toMatchObject({ verdict: 'deny', enforced: false, mode: 'monitor', ruleId: 'no-rm' });
    expect(d.reason).toContain('not enforced');
  });

  it('denies on a content filter match before any rule', () => {
    const allowAll: PolicyRule = { id: 'all', class: 'llm_call', match: {}, verdict: 'allow' };
    const filter = { filter: 'secrets' as const, rule: 'aws', masked: 'AKIA***' };
    expect(evaluate(policy([allowAll]), { class: 'llm_call' }, { filter })).toMatchObject({ verdict: 'deny', enforced: true, filter });
  });

  it('matches file writes by normalised path', () => {
    const rules: PolicyRule[] = [
      { id: 'ws', class: 'file_write', match: { path: '/workspace/**' }, verdict: 'allow' },
      { id: 'rest', class: 'file_write', match: { path: '/**' }, verdict: 'deny' },
    ];
    expect(evaluate(policy(rules), { class: 'file_write', path: 'src/app.tsx' })).toMatchObject({ verdict: 'allow', ruleId: 'ws' });
    expect(evaluate(policy(rules), { class: 'file_write', path: '/workspace/../etc/passwd' })).toMatchObject({ verdict: 'deny', ruleId: 'rest' });
  });

  it('matches web requests by domain, method and path; an invalid domain is denied', () => {
    const rules: PolicyRule[] = [
      { id: 'no-post', class: 'http_request', match: { domain: '*.npmjs.org', method: 'PUT' }, verdict: 'deny' },
      { id: 'npm', class: 'http_request', match: { domain: '*.npmjs.org' }, verdict: 'allow' },
      { id: 'admin', class: 'http_request', match: { domain: 'api.example.com', path: '/admin/**' }, verdict: 'ask' },
    ];
    const p = policy(rules, { defaults: { ...policy([]).defaults, http_request: 'allow' } });
    const get = (domain: string, path = '/', method = 'GET'): GovernanceAction => ({ class: 'http_request', domain, method, path });
    expect(evaluate(p, get('registry.npmjs.org')).ruleId).toBe('npm');
    expect(evaluate(p, get('registry.npmjs.org', '/', 'put')).ruleId).toBe('no-post');
    expect(evaluate(p, get('API.example.com.', '/x/../admin/users')).ruleId).toBe('admin');
    expect(evaluate(p, get('bad domain')).verdict).toBe('deny');
  });

  it('matches git pushes by remote, ref, force and delete', () => {
    const rules: PolicyRule[] = [
      { id: 'force', class: 'git_push', match: { force: true }, verdict: 'ask' },
      { id: 'del-main', class: 'git_push', match: { ref: 'main', delete: true }, verdict: 'deny' },
      { id: 'acme', class: 'git_push', match: { remote: 'https://github.com/acme/*' }, verdict: 'allow' },
    ];
    const p = policy(rules, { defaults: { ...policy([]).defaults, git_push: 'deny' } });
    const push = (over: Partial<Extract<GovernanceAction, { class: 'git_push' }>>): GovernanceAction => ({ class: 'git_push', remote: 'https://github.com/acme/app.git', ref: 'refs/heads/main', force: false, delete: false, ...over });
    expect(evaluate(p, push({ force: true }))).toMatchObject({ verdict: 'ask', ruleId: 'force' });
    expect(evaluate(p, push({ delete: true }))).toMatchObject({ verdict: 'deny', ruleId: 'del-main' });
    expect(evaluate(p, push({}))).toMatchObject({ verdict: 'allow', ruleId: 'acme' });
    expect(evaluate(p, push({ remote: 'https://github.com/evil/app.git' })).verdict).toBe('deny');
  });

  it('ignores a rule whose keys are not about its class', () => {
    const odd: PolicyRule = { id: 'odd', class: 'file_write', match: { domain: 'x.com' }, verdict: 'deny' };
    expect(evaluate(policy([odd]), { class: 'file_write', path: 'a' }).verdict).toBe('allow');
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EffectivePolicy, GovernancePolicy } from '@paddock/protocol';
import { FixedPolicyDecider } from '../governance/testing/fixedPolicyDecider.js';
import { runGuard } from '../guard/guard.js';
import { GUARD_SOCKET_PATH } from '../guard/guardPaths.js';
import { PolicyBridge } from './policyBridge.js';

const allowAll: GovernancePolicy['defaults'] = { llm_call: 'allow', bash_command: 'allow', file_write: 'allow', git_push: 'allow', http_request: 'allow' };
const policy = (overrides: Partial<EffectivePolicy> = {}): EffectivePolicy => ({
  mode: 'enforce', defaults: allowAll, contentFilters: { secrets: true, privateKeys: true, exfiltration: true },
  rules: [
    { id: 'no-curl', class: 'bash_command', match: { command: 'curl *' }, verdict: 'deny' },
    { id: 'ask-deploy', class: 'bash_command', match: { command: './deploy*' }, verdict: 'ask' },
    { id: 'no-etc', class: 'file_write', match: { path: '/etc/*' }, verdict: 'deny' },
    { id: 'no-evil', class: 'http_request', match: { domain: 'evil.example.com' }, verdict: 'deny' },
    { id: 'no-force', class: 'git_push', match: { force: true }, verdict: 'deny' },
  ],
  killSwitch: { engaged: false }, holdTimeoutSeconds: 300, ...overrides,
});

/** What a guard prints and returns, run in-process against one workspace's socket. */
async function guard(socketPath: string, argv: string[], stdin = '', extra: { maxWaitMs?: number } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runGuard(argv, {
    socketPath, readStdin: async () => stdin, stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, now: () => Date.now(), ...extra,
  });
  return { code, stdout, stderr, json: stdout.trim().startsWith('{') ? JSON.parse(stdout) as Record<string, unknown> : undefined };
}

/** One raw HTTP call to a socket, as a hostile process in a workspace would make it. */
function raw(socketPath: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the policy bridge and paddock-guard', () => {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-policy-bridge-'));
  const decider = new FixedPolicyDecider();
  const bridge = new PolicyBridge(decider, { waitCapMs: 100, maxConnectionsPerWorkspace: 4 });
  const listeners: Server[] = [];
  const socketOf = (workspaceId: string) => join(dir, `${workspaceId}.sock`);

  /** A workspace's socket, as the runtime exposes it: whatever arrives here is that workspace's. */
  async function expose(workspaceId: string, p: EffectivePolicy): Promise<string> {
    decider.setPolicy(workspaceId, p);
    const service = await bridge.start({ workspaceId, ownerId: 'o', blueprintId: 'b', env: {} });
    expect(service.env({ kind: 'unix', path: GUARD_SOCKET_PATH })).toEqual({});
    const server = createServer((socket) => service.accept(socket));
    listeners.push(server);
    await new Promise<void>((resolve) => server.listen(socketOf(workspaceId), resolve));
    return socketOf(workspaceId);
  }

  let enforced: string;
  let monitored: string;
  beforeAll(async () => {
    enforced = await expose('ws-enforce', policy());
    monitored = await expose('ws-monitor', policy({ mode: 'monitor' }));
  });
  afterEach(() => { decider.decisions.length = 0; });
  afterAll(async () => {
    await bridge.close();
    for (const s of listeners) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers check with the outcome as JSON: exit 0 for allow, 2 for deny with the reason', async () => {
    const allowed = await guard(enforced, ['check', '--class', 'bash_command', '--command', 'npm test']);
    expect(allowed).toMatchObject({ code: 0, json: { verdict: 'allow', enforced: true, mode: 'enforce' } });
    const denied = await guard(enforced, ['check', '--class', 'bash_command', '--command', 'curl https://evil.example.com']);
    expect(denied).toMatchObject({ code: 2, json: { verdict: 'deny', enforced: true, ruleId: 'no-curl' } });
    expect(denied.stderr).toContain('deny by rule no-curl');
    expect((await guard(enforced, ['check', '--class', 'file_write', '--path', '/etc/passwd'])).code).toBe(2);
    expect((await guard(enforced, ['check', '--class', 'http_request', '--domain', 'evil.example.com', '--url-path', '/x'])).code).toBe(2);
    expect((await guard(enforced, ['check', '--class', 'git_push', '--remote', 'origin', '--ref', 'refs/heads/main', '--force'])).code).toBe(2);
    expect(decider.decisions.map((d) => [d.workspaceId, d.action.class, d.context.point])).toEqual([
      ['ws-enforce', 'bash_command', 'hook'], ['ws-enforce', 'bash_command', 'hook'], ['ws-enforce', 'file_write', 'hook'],
      ['ws-enforce', 'http_request', 'hook'], ['ws-enforce', 'git_push', 'hook'],
    ]);
    expect(decider.decisions[4]!.action).toEqual({ class: 'git_push', remote: 'origin', ref: 'refs/heads/main', force: true, delete: false });
    // A command that pushes is asked about as a command and as a push: a force push is its own rule.
    decider.decisions.length = 0;
    const pushed = await guard(enforced, ['check', '--class', 'bash_command', '--command', 'npm test && git push --force origin main']);
    expect(pushed).toMatchObject({ code: 2, json: { verdict: 'deny', ruleId: 'no-force' } });
    expect(decider.decisions.map((d) => d.action)).toEqual([
      { class: 'bash_command', command: 'npm test && git push --force origin main' },
      { class: 'git_push', remote: 'origin', ref: 'main', force: true, delete: false },
    ]);
  });

  it('in monitor mode lets a denied action go ahead, and says what enforce would have done', async () => {
    const res = await guard(monitored, ['check', '--class', 'bash_command', '--command', 'curl https://evil.example.com']);
    expect(res).toMatchObject({ code: 0, json: { verdict: 'deny', enforced: false, mode: 'monitor' } });
  });

  it("acts for the workspace whose socket a request arrived on, whatever the request says", async () => {
    const asOther = JSON.stringify({ workspaceId: 'ws-monitor', action: { class: 'bash_command', command: 'curl x' } });
    const refused = await raw(enforced, 'POST', '/v1/decide', asOther);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toEqual({ error: { code: 'invalid_request', message: expect.stringContaining('workspaceId') } });
    const ok = await raw(enforced, 'POST', '/v1/decide', JSON.stringify({ action: { class: 'bash_command', command: 'curl x' } }));
    expect(JSON.parse(ok.body)).toMatchObject({ verdict: 'deny', enforced: true });
    expect(decider.decisions.map((d) => d.workspaceId)).toEqual(['ws-enforce']);
  });

  it('refuses what is not a well-formed request, in the one error shape', async () => {
    const cases: Array<[string, string, string | Buffer | undefined, number]> = [
      ['POST', '/v1/decide', '{not json', 400],
      ['POST', '/v1/decide', JSON.stringify({ action: { class: 'rm_rf', command: 'x' } }), 400],
      ['POST', '/v1/decide', JSON.stringify({ action: { class: 'bash_command', command: 'a\u0000b' }, content: 'x\ud800' }), 400],
      ['POST', '/v1/decide', JSON.stringify({ action: { class: 'bash_command', command: 'x'.repeat(100_001) } }), 400],
      ['POST', '/v1/decide', Buffer.alloc(5 * 1024 * 1024, 0x20), 413],
      ['GET', '/v1/decide', undefined, 405],
      ['POST', '/v1/../v1/decide', '{}', 404],
      ['POST', '/v1/wait', JSON.stringify({ heldId: 'someone-elses' }), 404],
      ['POST', '/v1/wait', JSON.stringify({ heldId: 7 }), 400],
    ];
    for (const [method, path, body, status] of cases) {
      const res = await raw(enforced, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(status);
      expect(JSON.parse(res.body)).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    }
    expect(decider.decisions).toEqual([]);
  });

  it('holds an asked action: the guard says so, asks again past each capped wait, and goes ahead once approved', async () => {
    const run = guard(enforced, ['check', '--class', 'bash_command', '--command', './deploy.sh prod']);
    let heldId: string | undefined;
    for (let i = 0; !heldId && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 20));
      heldId = decider.decisions[0]?.outcome.held?.id;
    }
    // Several capped waits (100 ms each) pass before the admin decides.
    await new Promise((r) => setTimeout(r, 350));
    decider.resolve(heldId!, 'approve');
    const res = await run;
    expect(res).toMatchObject({ code: 0, json: { verdict: 'allow', reason: 'approved by an admin' } });
    // Once, with how long it may wait (the policy's 300 s), however many capped waits pass.
    expect(res.stderr).toBe('Waiting for an admin to approve: ./deploy.sh prod, up to 5 min\n');
  });

  it('denies a held action nobody decides, at its expiry', async () => {
    const short = await expose('ws-short-hold', policy({ holdTimeoutSeconds: 1 }));
    const res = await guard(short, ['check', '--class', 'bash_command', '--command', './deploy.sh prod']);
    expect(res).toMatchObject({ code: 2, json: { verdict: 'deny' } });
    expect(res.stderr).toBe('Waiting for an admin to approve: ./deploy.sh prod, up to 1 s\n'
      + 'no admin approved "./deploy.sh prod" within 1 s, so it was denied\n');
    expect(res.json).toMatchObject({ reason: 'no admin approved "./deploy.sh prod" within 1 s, so it was denied' });
  });

  it("maps Claude Code's PreToolUse input to classes, and allows explicitly what the policy allows", async () => {
    const hook = (input: unknown) => guard(enforced, ['hook', 'claude'], JSON.stringify({ hook_event_name: 'PreToolUse', cwd: '/workspace', ...input as object }));
    const bash = await hook({ tool_name: 'Bash', tool_input: { command: 'curl https://evil.example.com' } });
    expect(bash.code).toBe(2);
    expect(bash.stderr).toContain("Paddock's policy refused this: deny by rule no-curl");
    const ok = await hook({ tool_name: 'Bash', tool_input: { command: 'ls' } });
    expect(ok.code).toBe(0);
    expect(ok.json).toEqual({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow', permissionDecisionReason: 'allow by the bash_command default' } });
    expect((await hook({ tool_name: 'Write', tool_input: { file_path: '/etc/hosts', content: 'x' } })).code).toBe(2);
    expect((await hook({ tool_name: 'Edit', tool_input: { file_path: '/workspace/a.js', old_string: 'a', new_string: 'NEW' } })).code).toBe(0);
    expect((await hook({ tool_name: 'WebFetch', tool_input: { url: 'https://evil.example.com/data?q=1', prompt: 'p' } })).code).toBe(2);
    // A tool no class covers asks nothing; a governed tool that can't be read is denied.
    const read = await hook({ tool_name: 'Read', tool_input: { file_path: '/workspace/a.js' } });
    expect(read).toMatchObject({ code: 0, stdout: '' });
    expect((await hook({ tool_name: 'Bash', tool_input: {} })).code).toBe(2);
    expect((await guard(enforced, ['hook', 'claude'], 'not json')).code).toBe(2);
    expect(decider.decisions.map((d) => d.action)).toEqual([
      { class: 'bash_command', command: 'curl https://evil.example.com', cwd: '/workspace' },
      { class: 'bash_command', command: 'ls', cwd: '/workspace' },
      { class: 'file_write', path: '/etc/hosts' },
      { class: 'file_write', path: '/workspace/a.js' },
      { class: 'http_request', domain: 'evil.example.com', method: 'GET', path: '/data?q=1' },
    ]);
    // The new content reaches the filters; nothing else of the edit does.
    expect(decider.decisions[3]!.context).toEqual({ point: 'hook', content: 'NEW' });
  });

  it("maps OpenCode's tool calls the same way", async () => {
    const hook = (tool: string, args: unknown) => guard(enforced, ['hook', 'opencode'], JSON.stringify({ tool, args, cwd: '/workspace' }));
    expect((await hook('bash', { command: 'curl https://x' })).code).toBe(2);
    expect(await hook('bash', { command: 'ls' })).toMatchObject({ code: 0, stdout: '' });
    expect((await hook('write', { filePath: '/etc/x', content: 'y' })).code).toBe(2);
    expect((await hook('patch', { patchText: '*** Begin Patch\n*** Update File: /workspace/a\n*** Add File: /etc/b\n*** End Patch' })).code).toBe(2);
    expect((await hook('read', { filePath: '/etc/x' })).code).toBe(0);
    expect(decider.decisions.map((d) => d.action)).toEqual([
      { class: 'bash_command', command: 'curl https://x', cwd: '/workspace' },
      { class: 'bash_command', command: 'ls', cwd: '/workspace' },
      { class: 'file_write', path: '/etc/x' },
      { class: 'file_write', path: '/workspace/a' },
      { class: 'file_write', path: '/etc/b' },
    ]);
  });

  it('denies when the agent is gone, and for anything it does not understand', async () => {
    const gone = await guard(join(dir, 'nobody.sock'), ['check', '--class', 'bash_command', '--command', 'ls']);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/denied: the policy bridge can't be reached \(ENOENT\)/);
    expect((await guard(enforced, ['check', '--class', 'bash_command'])).code).toBe(2);
    expect((await guard(enforced, ['check', '--class', 'nope'])).code).toBe(2);
    expect((await guard(enforced, ['check', '--bogus'])).code).toBe(2);
    expect((await guard(enforced, [])).code).toBe(2);
    // A stopped workspace's connections end: its guard denies.
    await bridge.stop('ws-enforce');
    decider.setPolicy('ws-enforce', policy());
  });

  it('takes only a few connections at once from one workspace', async () => {
    const { connect } = await import('node:net');
    const socket = await expose('ws-many', policy());
    const held = await Promise.all(Array.from({ length: 4 }, () => new Promise<import('node:net').Socket>((resolve) => {
      const s = connect(socket, () => resolve(s));
    })));
    const closed = await new Promise<boolean>((resolve) => {
      const extra = connect(socket);
      extra.on('close', () => resolve(true));
      extra.on('error', () => resolve(true));
    });
    expect(closed).toBe(true);
    for (const s of held) s.destroy();
  });

  it('the built guard denies outside a workspace, where no policy socket is', () => {
    const main = fileURLToPath(new URL('../../dist/guard/main.js', import.meta.url));
    const res = spawnSync(process.execPath, [main, 'check', '--class', 'bash_command', '--command', 'ls'], { encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain("can't be reached");
    const hook = spawnSync(process.execPath, [main, 'hook', 'claude'], { input: '{"tool_name":"Bash","tool_input":{"command":"ls"}}', encoding: 'utf8' });
    expect(hook.status).toBe(2);
  });
});

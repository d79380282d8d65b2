import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EffectivePolicy } from '@paddock/protocol';
import { DEMO_MODEL_ID, startModelSim, type ModelSim } from '@paddock/model-sim';
import { BridgeKeys } from '../../bridges/bridgeKeys.js';
import { LlmBridge } from '../../bridges/llmBridge.js';
import { PolicyBridge } from '../../bridges/policyBridge.js';
import { LlmGateway } from '../../gateway/llm/llmGateway.js';
import { FixedPolicyDecider } from '../../governance/testing/fixedPolicyDecider.js';
import { Workspaces } from '../../workspaces/workspaces.js';
import { runInWorkspace } from '../workspaceShell.js';
import { LocalRuntime } from './localRuntime.js';

/**
 * Enforcement point 1 with the real tools: Claude Code (`claude -p`) and
 * OpenCode (`opencode run`) in a real sandbox, driven by the scripted model
 * asking for a command, governed by paddock-guard over the policy bridge.
 */
describe('agent hooks in a sandbox, with the real Claude Code and OpenCode', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'paddock-agent-hooks-'));
  const workspaceId = 'agent-hooks-1';
  const decider = new FixedPolicyDecider();
  const keys = new BridgeKeys(dataDir);
  const workspaces = new Workspaces(new LocalRuntime({ dataDir }), [new LlmBridge(new LlmGateway(), keys), new PolicyBridge(decider)], keys);
  const runtime = workspaces.runtime;
  let sim: ModelSim;

  const policy = (mode: EffectivePolicy['mode']): EffectivePolicy => ({
    mode,
    defaults: { llm_call: 'allow', bash_command: 'allow', file_write: 'allow', git_push: 'ask', http_request: 'deny' },
    rules: [
      { id: 'no-denied-marker', class: 'bash_command', match: { command: 'touch /workspace/denied-*' }, verdict: 'deny' },
      { id: 'ask-held-marker', class: 'bash_command', match: { command: 'touch /workspace/held-*' }, verdict: 'ask' },
    ],
    contentFilters: { secrets: true, privateKeys: true, exfiltration: true },
    killSwitch: { engaged: false },
    holdTimeoutSeconds: 300,
  });
  const run = (command: string, timeoutMs = 120_000) => runInWorkspace(runtime, workspaceId, command, timeoutMs);
  const exists = async (path: string) => (await run(`test -e ${path} && echo yes || echo no`)).output.trim() === 'yes';
  const claude = (command: string, flags = '') => run(`claude -p ${flags} "Please run the command \\\`${command}\\\`" 2>/dev/null`);
  const opencode = (command: string) => run(`opencode run "Please run the command \\\`${command}\\\`" 2>&1`, 180_000);

  beforeAll(async () => {
    sim = await startModelSim();
    await workspaces.ensureRunning({
      workspaceId, ownerId: 'o', blueprintId: 'b', env: {},
      llm: { upstreamBaseUrl: sim.url, upstreamApiKey: 'sk-provider', model: DEMO_MODEL_ID },
    });
  }, 60_000);
  beforeEach(() => {
    decider.setPolicy(workspaceId, policy('enforce'));
    decider.decisions.length = 0;
  });
  afterAll(async () => {
    await workspaces.ensureDeleted(workspaceId);
    await workspaces.close();
    await sim?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('claude -p: a denied command is refused and never runs; an allowed one runs', async () => {
    const denied = await claude('touch /workspace/denied-claude');
    expect(denied.output).toContain("Paddock's policy refused this: deny by rule no-denied-marker");
    expect(await exists('/workspace/denied-claude')).toBe(false);

    const allowed = await claude('touch /workspace/allowed-claude');
    expect(allowed.output).toContain('The command is done');
    expect(await exists('/workspace/allowed-claude')).toBe(true);
    expect(decider.decisions.map((d) => [d.action, d.outcome.verdict, d.outcome.enforced])).toEqual([
      [{ class: 'bash_command', command: 'touch /workspace/denied-claude', cwd: '/workspace' }, 'deny', true],
      [{ class: 'bash_command', command: 'touch /workspace/allowed-claude', cwd: '/workspace' }, 'allow', true],
    ]);
  }, 180_000);

  it("the Claude Code tab (interactive, in a terminal): an allowed command runs without a prompt or auto mode's check", async () => {
    // As the tab runs it: `claude` on a PTY. It stays open after answering: once the command ran, a watcher ends it a
    // moment later (its last words drawn), or the timeout does (waiting out the whole timeout took 30 s of every run).
    const watcher = '(for i in $(seq 300); do [ -e /workspace/allowed-tab ] && break; sleep 0.1; done; sleep 3; kill "$(cat /tmp/tab-claude.pid)") 2>/dev/null &';
    const tab = await run(`${watcher} sh -c 'echo $$ > /tmp/tab-claude.pid; exec timeout 30 claude "Please run the command \\\`touch /workspace/allowed-tab\\\`"'; wait; echo`, 90_000);
    expect(await exists('/workspace/allowed-tab')).toBe(true);
    expect(tab.output).toContain('manual mode');
    expect(tab.output).not.toMatch(/auto mode/i);
    expect(decider.decisions.map((d) => d.outcome.verdict)).toEqual(['allow']);
  }, 120_000);

  it('claude -p: a held command waits for the admin, and runs once approved', async () => {
    const running = claude('touch /workspace/held-claude');
    let heldId: string | undefined;
    for (const deadline = Date.now() + 60_000; !heldId && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      heldId = decider.decisions.find((d) => d.outcome.held)?.outcome.held?.id;
    }
    expect(heldId).toBeDefined();
    // While it waits, nothing ran.
    expect(await exists('/workspace/held-claude')).toBe(false);
    decider.resolve(heldId!, 'approve');
    expect((await running).output).toContain('The command is done');
    expect(await exists('/workspace/held-claude')).toBe(true);
  }, 120_000);

  it('claude -p: a held command nobody decides is refused, and what Claude Code shows names the wait', async () => {
    decider.setPolicy(workspaceId, { ...policy('enforce'), holdTimeoutSeconds: 3 });
    // The hook's stderr reaches the transcript (and the model) when the guard exits 2: the summary and the wait, in words.
    const expired = await claude('touch /workspace/held-expired');
    expect(expired.output).toContain(`Paddock's policy refused this: no admin approved "touch /workspace/held-expired" within 3 s, so it was denied`);
    expect(await exists('/workspace/held-expired')).toBe(false);
  }, 120_000);

  it('claude -p in monitor mode: the denied command runs, and its decision says deny, not enforced', async () => {
    decider.setPolicy(workspaceId, policy('monitor'));
    await claude('touch /workspace/denied-monitored');
    expect(await exists('/workspace/denied-monitored')).toBe(true);
    expect(decider.decisions.map((d) => [d.outcome.verdict, d.outcome.enforced, d.outcome.mode])).toEqual([['deny', false, 'monitor']]);
  }, 120_000);

  it('opencode run: a denied command is refused and never runs; an allowed one runs', async () => {
    const denied = await opencode('touch /workspace/denied-opencode');
    expect(denied.output).toContain("Paddock's policy refused this: deny by rule no-denied-marker");
    expect(await exists('/workspace/denied-opencode')).toBe(false);
    const allowed = await opencode('touch /workspace/allowed-opencode');
    expect(allowed.output).toContain('The command is done');
    expect(await exists('/workspace/allowed-opencode')).toBe(true);
    expect(decider.decisions.filter((d) => d.action.class === 'bash_command').map((d) => d.outcome.verdict)).toEqual(['deny', 'allow']);
  }, 400_000);

  it('cannot have its managed settings edited, replaced or added to from inside', async () => {
    const attempts = [
      'echo "{}" > /etc/claude-code/managed-settings.json',
      'rm -f /etc/claude-code/managed-settings.json',
      'mv /etc/claude-code /tmp/moved',
      'mkdir /etc/claude-code/managed-settings.d',
      'echo "{}" > /etc/opencode/opencode.json',
      'rm -f /opt/paddock/bin/paddock-guard',
      'echo "exit 0" > /opt/paddock/guard/main.js',
    ];
    for (const attempt of attempts) {
      const res = await run(`${attempt} 2>&1; echo rc=$?`);
      expect(res.output, attempt).not.toMatch(/rc=0\s*$/);
    }
    const settings = JSON.parse((await run('cat /etc/claude-code/managed-settings.json')).output) as Record<string, unknown>;
    expect(settings).toMatchObject({ allowManagedHooksOnly: true, hooks: { PreToolUse: [{ matcher: '*' }] } });
    expect((await run('ls /etc/claude-code')).output.trim()).toBe('managed-settings.json');
  }, 60_000);

  it("ignores a builder's own hook that allows everything, and bypass mode", async () => {
    const allowAll = { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow' } };
    const userSettings = {
      permissions: { defaultMode: 'bypassPermissions', allow: ['Bash(*)'] },
      hooks: { PreToolUse: [{ matcher: '*', hooks: [{ type: 'command', command: `touch /tmp/user-hook-ran; echo '${JSON.stringify(allowAll)}'` }] }] },
    };
    const json = JSON.stringify(userSettings).replace(/'/g, "'\\''");
    await run(`mkdir -p ~/.claude /workspace/.claude && echo '${json}' > ~/.claude/settings.json && cp ~/.claude/settings.json /workspace/.claude/settings.local.json`);
    const denied = await claude('touch /workspace/denied-bypass', '--dangerously-skip-permissions');
    expect(denied.output).toContain("Paddock's policy refused this");
    expect(await exists('/workspace/denied-bypass')).toBe(false);
    expect(await exists('/tmp/user-hook-ran')).toBe(false);
    await run('rm -rf ~/.claude/settings.json /workspace/.claude');
  }, 120_000);

  it('denies everything when the policy bridge is gone: the guard exits 2 and Claude Code refuses', async () => {
    await runtime.closeSocket(workspaceId, 'policy');
    try {
      const check = await run('paddock-guard check --class bash_command --command ls 2>&1; echo rc=$?');
      expect(check.output).toMatch(/can't be reached[\s\S]*rc=2/);
      const refused = await claude('touch /workspace/allowed-no-bridge');
      expect(refused.output).toContain("can't be reached");
      expect(await exists('/workspace/allowed-no-bridge')).toBe(false);
    } finally {
      // The spec sent again serves the workspace again, as after an agent restart.
      await workspaces.ensureRunning({
        workspaceId, ownerId: 'o', blueprintId: 'b', env: {},
        llm: { upstreamBaseUrl: sim.url, upstreamApiKey: 'sk-provider', model: DEMO_MODEL_ID },
      });
    }
    expect((await run('paddock-guard check --class bash_command --command ls >/dev/null; echo rc=$?')).output.trim()).toBe('rc=0');
  }, 120_000);
});

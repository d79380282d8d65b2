import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInWorkspace } from '@paddock/agent';
import { DEMO_MODEL_ID, startModelSim, type ModelSim, type SeenRequest } from '@paddock/model-sim';
import { TestStack } from './harness/testStack.js';
import { filesUnder } from './harness/filesUnder.js';
import { LoopbackTrap } from './harness/loopbackTrap.js';

// Never typed into a workspace: the test looks for it in what the workspace holds.
const PROVIDER_KEY = `sk-ant-provider-${Math.random().toString(36).slice(2)}-secret`;

describe('AI tools in a workspace, through the LLM gateway', () => {
  let sim: ModelSim;
  let stack: TestStack;
  const seen: SeenRequest[] = [];

  beforeAll(async () => {
    sim = await startModelSim({ onRequest: (r) => seen.push(r) });
    stack = await TestStack.start({ llm: { baseUrl: sim.url, apiKey: PROVIDER_KEY, model: DEMO_MODEL_ID } });
  });
  afterAll(async () => {
    await stack?.close();
    await sim?.close();
  });

  it('runs the real `claude -p` against the scripted model, records usage, and never shows the provider key', async () => {
    const id = await stack.runningWorkspace('ai-tools');
    const run = (command: string, timeoutMs = 60_000) => runInWorkspace(stack.runtime, id, command, timeoutMs);

    const claude = await run('claude -p "say hello" 2>/dev/null');
    expect(claude.code).toBe(0);
    expect(claude.output).toContain('Hello from the Paddock demo model');
    expect(claude.output).toContain('You said: "say hello"');

    // The model saw the provider key, swapped in by the gateway, and never the workspace's own key.
    const messageCalls = seen.filter((r) => r.path === '/v1/messages');
    expect(messageCalls.length).toBeGreaterThan(0);
    for (const r of messageCalls) expect(r.headers['x-api-key']).toBe(PROVIDER_KEY);

    // A usage row lands in the portal's ledger, tagged from the workspace's own record.
    const ws = await stack.db.selectFrom('workspaces').select(['owner_id', 'blueprint_id']).where('id', '=', id).executeTakeFirstOrThrow();
    let rows: Array<{ user_id: string; blueprint_id: string; model: string; input_tokens: number; output_tokens: number }> = [];
    for (const deadline = Date.now() + 5_000; rows.length === 0 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      rows = await stack.db.selectFrom('llm_usage').select(['user_id', 'blueprint_id', 'model', 'input_tokens', 'output_tokens']).where('workspace_id', '=', id).execute();
    }
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]).toMatchObject({ user_id: ws.owner_id, blueprint_id: ws.blueprint_id, model: DEMO_MODEL_ID });
    expect(Number(rows[0]!.input_tokens)).toBeGreaterThan(0);
    expect(Number(rows[0]!.output_tokens)).toBeGreaterThan(0);

    const usage = await stack.api('GET', '/api/v1/usage');
    expect(usage.status).toBe(200);
    const mine = usage.body.byWorkspace.find((w: { workspaceId: string }) => w.workspaceId === id);
    expect(mine.requests).toBe(rows.length);
    expect(usage.body.byUser.find((u: { userId: string }) => u.userId === ws.owner_id).inputTokens).toBeGreaterThan(0);
    const builder = await stack.userToken('builder@example.com');
    expect((await stack.api('GET', '/api/v1/usage', undefined, builder.token)).status).toBe(403);

    // Its shell's environment holds the virtual key, never the provider's.
    const env = await run('env | grep -E "^(ANTHROPIC|OPENCODE)_"');
    expect(env.output).toMatch(/ANTHROPIC_API_KEY=pdk-vk-[0-9a-f]{48}/);
    expect(env.output).toContain('ANTHROPIC_BASE_URL=http://127.0.0.1:');
    expect(env.output).not.toContain(PROVIDER_KEY);

    // Its files, from inside (including its private /tmp): grep for the key's random middle, so the
    // workspace is never handed the key itself; a canary proves the same grep finds what is there.
    const fragment = PROVIDER_KEY.split('-')[3]!;
    const canary = await run('grep -rlsF "pdk-vk-" /proc/self/environ');
    expect(canary.output).toContain('/proc/self/environ');
    const search = await run(`grep -rlsF "${fragment}" /workspace /home/builder /run/paddock /run/paddock-bridges /tmp /proc/[0-9]*/environ /proc/[0-9]*/cmdline; echo found=$?`);
    // Nothing listed: 1 is no match, 2 no match plus unreadable entries (sockets, exited pids).
    expect(search.output.trim()).toMatch(/^found=[12]$/);
    const root = join(stack.dataDir, 'agent', 'workspaces', id);
    // The workspace's own dirs, and what the agent keeps for its bridges (the virtual key).
    const keys = join(stack.dataDir, 'agent', 'bridge-keys', id);
    const files = [...['workspace', 'home', 'run', 'bridges'].map((d) => join(root, d)), keys].flatMap((d) => filesUnder(d));
    expect(files.some((f) => f.path.includes('.claude'))).toBe(true);
    expect(files.some((f) => f.path.startsWith(keys) && f.content.toString().startsWith('pdk-vk-'))).toBe(true);
    expect(files.filter((f) => f.content.includes(PROVIDER_KEY)).map((f) => f.path)).toEqual([]);
    // The gateway's socket sits in a directory the sandbox can't write to.
    expect(statSync(join(root, 'bridges')).mode & 0o022).toBe(0);
    const write = await run('touch /run/paddock-bridges/planted 2>&1; echo rc=$?');
    expect(write.output).toMatch(/Read-only file system/);
  }, 180_000);

  it('refuses a model call without the workspace key, from inside the workspace', async () => {
    const id = await stack.runningWorkspace('ai-nokey');
    const before = seen.length;
    const res = await runInWorkspace(stack.runtime, id,
      'curl -s -o /dev/null -w "%{http_code}\\n" -H "x-api-key: pdk-vk-wrong" -H "content-type: application/json" -d "{\\"messages\\":[]}" $ANTHROPIC_BASE_URL/v1/messages',
      20_000);
    expect(res.output.trim()).toBe('401');
    expect(seen.length).toBe(before);
  }, 60_000);

  it('cannot be aimed at host loopback or anything but the model API, from inside the workspace (issue 7)', async () => {
    const id = await stack.runningWorkspace('ai-escape');
    const trap = await LoopbackTrap.start();
    try {
      const before = seen.length;
      const to = `127.0.0.1:${trap.port}`;
      // As the security probe did: the workspace's own key, curl sending each target exactly as written.
      const curl = (args: string) => `curl -s --max-time 15 --path-as-is -o /dev/null -w "%{http_code}\\n" -H "x-api-key: $ANTHROPIC_API_KEY" -H "content-type: application/json" ${args}`;
      const post = `-d '{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}'`;
      const attempts = [
        curl(`"$ANTHROPIC_BASE_URL//${to}/x"`),
        curl(`${post} "$ANTHROPIC_BASE_URL//${to}/v1/messages"`),
        curl(`${post} --request-target "http://${to}/v1/messages" "$ANTHROPIC_BASE_URL/"`),
        curl(`"$ANTHROPIC_BASE_URL//127.0.0.1:${stack.portal.port}/healthz"`),
        curl(`${post} "$ANTHROPIC_BASE_URL/%2F%2F${to}/v1/messages"`),
        curl(`${post} "$ANTHROPIC_BASE_URL/v1/../..//${to}/v1/messages"`),
        curl(`${post} "$ANTHROPIC_BASE_URL/v1/%2e%2e/%2e%2e//${to}/v1/messages"`),
        curl(`${post} "$ANTHROPIC_BASE_URL/\\\\${to}/v1/messages"`),
        curl(`${post} "$ANTHROPIC_BASE_URL//user@${to}/v1/messages"`),
        curl(`${post} --request-target "http://user:pass@${to}/v1/messages" "$ANTHROPIC_BASE_URL/"`),
        curl(`${post} "$ANTHROPIC_BASE_URL/v1/complete"`),
      ];
      const res = await runInWorkspace(stack.runtime, id, attempts.join('; '), 30_000);
      expect(res.output.trim().split(/\s+/)).toEqual(attempts.map(() => '404'));
      expect(trap.connections).toBe(0);
      expect(trap.received).toBe('');
      // Nothing went to the model either, and nothing was metered.
      expect(seen.length).toBe(before);
      const rows = await stack.db.selectFrom('llm_usage').select('id').where('workspace_id', '=', id).execute();
      expect(rows).toEqual([]);
      // The allowed paths still work from the same shell.
      const ok = await runInWorkspace(stack.runtime, id, [
        curl(`${post} "$ANTHROPIC_BASE_URL/v1/messages/count_tokens?beta=true"`),
        curl(`"$ANTHROPIC_BASE_URL/v1/models"`),
        curl(`"$ANTHROPIC_BASE_URL/v1/models/${DEMO_MODEL_ID}"`),
        curl(`${post} "$ANTHROPIC_BASE_URL/v1/messages?beta=true"`),
      ].join('; '), 30_000);
      expect(ok.output.trim().split(/\s+/)).toEqual(['200', '200', '200', '200']);
      expect(seen.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
        'POST /v1/messages/count_tokens', 'GET /v1/models', `GET /v1/models/${DEMO_MODEL_ID}`, 'POST /v1/messages',
      ]);
      // Only the model call is metered (its record is the last one sent).
      let metered: unknown[] = [];
      for (const deadline = Date.now() + 10_000; metered.length === 0 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
        metered = await stack.db.selectFrom('llm_usage').select('id').where('workspace_id', '=', id).execute();
      }
      expect(metered).toHaveLength(1);
      expect(trap.connections).toBe(0);
    } finally {
      await trap.close();
    }
  }, 90_000);

  it('runs the real `opencode run` against the scripted model', async () => {
    const id = await stack.runningWorkspace('ai-opencode');
    // As a builder would: after the workspace's own OpenCode has come up (its first start sets up the database).
    await stack.waitForAi(id);
    const before = seen.length;
    const res = await runInWorkspace(stack.runtime, id, 'opencode run "say hello" 2>&1', 90_000);
    expect(res.code, res.output).toBe(0);
    expect(res.output).toContain('Hello from the Paddock demo model');
    const calls = seen.slice(before).filter((r) => r.path === '/v1/messages');
    expect(calls.length).toBeGreaterThan(0);
    for (const r of calls) expect(r.headers['x-api-key']).toBe(PROVIDER_KEY);
  }, 120_000);
});

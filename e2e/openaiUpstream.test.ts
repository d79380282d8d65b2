import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInWorkspace } from '@paddock/agent';
import { DEMO_MODEL_ID, startModelSim, type ModelSim, type SeenRequest } from '@paddock/model-sim';
import { TestStack } from './harness/testStack.js';

// Set on the blueprint only; the portal's default provider has another key.
const BLUEPRINT_KEY = `sk-openai-blueprint-${Math.random().toString(36).slice(2)}-secret`;
const PORTAL_KEY = 'portal-default-key-not-this-one';

describe('a blueprint with an OpenAI-compatible endpoint', () => {
  let sim: ModelSim;
  let stack: TestStack;
  const seen: SeenRequest[] = [];
  let workspaceId: string;

  beforeAll(async () => {
    sim = await startModelSim({ onRequest: (r) => seen.push(r) });
    stack = await TestStack.start({ llm: { baseUrl: sim.url, apiKey: PORTAL_KEY, model: DEMO_MODEL_ID } });
    const created = await stack.api('POST', '/api/v1/blueprints', {
      name: 'OpenAI-compatible',
      model: DEMO_MODEL_ID,
      llm: { kind: 'openai-compatible', baseUrl: `${sim.url}/v1` },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await stack.api('PUT', `/api/v1/blueprints/${created.body.id}/llm-key`, { value: BLUEPRINT_KEY })).status).toBe(200);
    const ws = await stack.api('POST', '/api/v1/workspaces', { blueprintId: created.body.id, name: 'openai' });
    expect(ws.status).toBe(201);
    workspaceId = ws.body.id;
    await stack.waitForState(workspaceId, 'running');
  });
  afterAll(async () => {
    await stack?.close();
    await sim?.close();
  });

  it('runs the real `claude -p` through the translation, with the blueprint key upstream and a usage row', async () => {
    const claude = await runInWorkspace(stack.runtime, workspaceId, 'claude -p "say hello" 2>/dev/null', 90_000);
    expect(claude.code).toBe(0);
    expect(claude.output).toContain('Hello from the Paddock demo model');
    expect(claude.output).toContain('You said: "say hello"');

    // Claude Code spoke the Messages API to the gateway; only Chat Completions reached the upstream.
    expect(seen.filter((r) => r.path.startsWith('/v1/messages'))).toEqual([]);
    const calls = seen.filter((r) => r.path === '/v1/chat/completions');
    expect(calls.length).toBeGreaterThan(0);
    for (const r of calls) {
      expect(r.headers.authorization).toBe(`Bearer ${BLUEPRINT_KEY}`);
      expect(r.headers['x-api-key']).toBeUndefined();
      const body = r.body as { model: string; messages: Array<{ role: string; content: unknown }>; stream?: boolean; stream_options?: unknown };
      expect(body.model).toBe(DEMO_MODEL_ID);
      expect(body.messages.some((m) => m.role === 'user')).toBe(true);
      if (body.stream) expect(body.stream_options).toEqual({ include_usage: true });
    }
    // The conversation itself: Claude Code's system prompt as a system message, the prompt as the user's words.
    const answered = calls.find((r) => JSON.stringify(r.body).includes('say hello'))!.body as { messages: Array<{ role: string; content: unknown }> };
    expect(answered.messages[0]!.role).toBe('system');
    expect(JSON.stringify(answered.messages.filter((m) => m.role === 'user'))).toContain('say hello');

    const ws = await stack.db.selectFrom('workspaces').select(['owner_id', 'blueprint_id']).where('id', '=', workspaceId).executeTakeFirstOrThrow();
    let rows: Array<{ user_id: string; blueprint_id: string; model: string; input_tokens: number; output_tokens: number; cache_read_tokens: number }> = [];
    for (const deadline = Date.now() + 5_000; rows.length < calls.length && Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      rows = await stack.db.selectFrom('llm_usage').select(['user_id', 'blueprint_id', 'model', 'input_tokens', 'output_tokens', 'cache_read_tokens'])
        .where('workspace_id', '=', workspaceId).execute();
    }
    expect(rows).toHaveLength(calls.length);
    expect(rows[0]).toMatchObject({ user_id: ws.owner_id, blueprint_id: ws.blueprint_id, model: DEMO_MODEL_ID });
    for (const row of rows) {
      expect(Number(row.input_tokens)).toBeGreaterThan(0);
      expect(Number(row.output_tokens)).toBeGreaterThan(0);
    }
    // Claude Code's system prompt is long enough for the scripted model to report it as cached.
    expect(rows.some((row) => Number(row.cache_read_tokens) > 0)).toBe(true);

    // The workspace holds its virtual key only.
    const env = await runInWorkspace(stack.runtime, workspaceId, 'env | grep -E "^ANTHROPIC_"');
    expect(env.output).toMatch(/ANTHROPIC_API_KEY=pdk-vk-/);
    expect(env.output).not.toContain(BLUEPRINT_KEY);
    expect(stack.logs.text).not.toContain(BLUEPRINT_KEY);
    expect(stack.logs.text).not.toContain('OpenAI-compatible endpoint is not used');
  }, 150_000);

  it('lets the real Claude Code run parallel calls whose arguments the upstream interleaves in its stream', async () => {
    const before = seen.length;
    const claude = await runInWorkspace(stack.runtime, workspaceId,
      'cd /workspace && claude -p "run three commands at once" --allowedTools Bash 2>&1; echo "exit=$?"; cat parallel-1.txt parallel-2.txt parallel-3.txt', 120_000);
    expect(claude.output).toContain('exit=0');
    expect(claude.output).toContain('Ran three commands at once');
    // Each command reached Bash whole: its own file, with its own words.
    expect(claude.output).toContain('call 1 of 3\ncall 2 of 3\ncall 3 of 3\n');
    // The calls were streamed from the upstream, and the tool results came back to it.
    const calls = seen.slice(before).filter((r) => r.path === '/v1/chat/completions').map((r) => r.body as { stream?: boolean; messages: Array<{ role: string }> });
    expect(calls.some((body) => body.stream && body.messages.every((m) => m.role !== 'tool'))).toBe(true);
    expect(calls.some((body) => body.messages.filter((m) => m.role === 'tool').length === 3)).toBe(true);
  }, 150_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInWorkspace } from '@paddock/agent';
import { DEMO_MODEL_ID, startModelSim, type ModelSim, type SeenRequest } from '@paddock/model-sim';
import { TestStack } from './harness/testStack.js';

const PORTAL_KEY = `sk-ant-portal-${Math.random().toString(36).slice(2)}`;

/**
 * One model call from inside the workspace, as its tools make it (the
 * workspace's own key, ANTHROPIC_BASE_URL), retried for up to a minute until it
 * answers 200: right after a restart the portal may not have re-adopted the
 * workspace yet. Prints the last status and the answer.
 */
const modelCall = [
  'rm -f /tmp/answer.json; for i in $(seq 1 120); do',
  `code=$(curl -s --max-time 15 -o /tmp/answer.json -w "%{http_code}" -H "x-api-key: $ANTHROPIC_API_KEY" -H "content-type: application/json" -d '{"model":"${DEMO_MODEL_ID}","max_tokens":50,"messages":[{"role":"user","content":"say hello"}]}' "$ANTHROPIC_BASE_URL/v1/messages?beta=true");`,
  '[ "$code" = 200 ] && break; sleep 0.5; done; echo "status=$code"; cat /tmp/answer.json',
].join(' ');

describe('model calls from a running workspace across restarts (issue 7)', () => {
  let sim: ModelSim;
  let otherSim: ModelSim;
  let stack: TestStack;
  const seen: SeenRequest[] = [];
  const seenByOther: SeenRequest[] = [];

  beforeAll(async () => {
    sim = await startModelSim({ onRequest: (r) => seen.push(r) });
    otherSim = await startModelSim({ onRequest: (r) => seenByOther.push(r) });
    // A changed route reaches a running workspace at the reconciler's next check of it: every second here, not every 5 s.
    stack = await TestStack.start({ llm: { baseUrl: sim.url, apiKey: PORTAL_KEY, model: DEMO_MODEL_ID }, portal: { reconciler: { resyncEveryMs: 1_000, refreshTimeoutMs: 15_000 } } });
  });
  afterAll(async () => {
    await stack?.close();
    await sim?.close();
    await otherSim?.close();
  });

  const run = (id: string, command: string, timeoutMs = 90_000) => runInWorkspace(stack.runtime, id, command, timeoutMs);

  /** A model call works from inside, reached the provider with the real key, and the sandbox is still the one that was started. */
  async function expectModelCallWorks(id: string, key: string) {
    const before = seen.length;
    const call = await run(id, modelCall);
    expect(call.output).toContain('status=200');
    expect(call.output).toContain('You said: \\"say hello\\"');
    const calls = seen.slice(before).filter((r) => r.path === '/v1/messages');
    expect(calls.length).toBeGreaterThan(0);
    for (const r of calls) expect(r.headers['x-api-key']).toBe(PORTAL_KEY);
    // Same sandbox (its private /tmp still holds the marker), same virtual key.
    const inside = await run(id, 'cat /tmp/started-marker; echo "$ANTHROPIC_API_KEY"');
    expect(inside.output).toBe(`before-restarts\n${key}\n`);
  }

  it('works after the agent restarts, then the portal, then both, with the key the workspace already holds', async () => {
    const id = await stack.runningWorkspace('restarts');
    const key = (await run(id, 'echo before-restarts > /tmp/started-marker; echo "$ANTHROPIC_API_KEY"')).output.trim();
    expect(key).toMatch(/^pdk-vk-[0-9a-f]{48}$/);
    await expectModelCallWorks(id, key);

    await stack.restartAgent();
    await expectModelCallWorks(id, key);

    await stack.restartPortal();
    await stack.agent.waitConnected(30_000);
    await expectModelCallWorks(id, key);

    await stack.restartAgent({ portalDown: true });
    await expectModelCallWorks(id, key);

    expect((await stack.api('GET', `/api/v1/workspaces/${id}`)).body.state).toBe('running');
    // Usage recorded after each restart reached the ledger too.
    let rows: unknown[] = [];
    for (const deadline = Date.now() + 10_000; rows.length < 4 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      rows = await stack.db.selectFrom('llm_usage').select('id').where('workspace_id', '=', id).execute();
    }
    expect(rows.length).toBeGreaterThanOrEqual(4);
  }, 300_000);

  it("follows its blueprint's changed provider key and endpoint while it runs, without a restart and with the same virtual key", async () => {
    const blueprint = await stack.api('POST', '/api/v1/blueprints', {
      name: 'Own provider', model: DEMO_MODEL_ID, llm: { kind: 'anthropic-compatible', baseUrl: sim.url },
    });
    expect(blueprint.status, JSON.stringify(blueprint.body)).toBe(201);
    const putKey = async (value: string) => expect((await stack.api('PUT', `/api/v1/blueprints/${blueprint.body.id}/llm-key`, { value })).status).toBe(200);
    await putKey('sk-ant-blueprint-first');
    const created = await stack.api('POST', '/api/v1/workspaces', { blueprintId: blueprint.body.id, name: 'follows' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await stack.waitForState(id, 'running');
    const key = (await run(id, 'echo before-restarts > /tmp/started-marker; echo "$ANTHROPIC_API_KEY"')).output.trim();

    /** Calls until the answer came from `where` with `providerKey` (the reconciler re-checks a route every second here). */
    async function callsReach(where: SeenRequest[], providerKey: string) {
      let last = '';
      for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
        const before = where.length;
        expect((await run(id, modelCall)).output).toContain('status=200');
        last = String(where.slice(before).find((r) => r.path === '/v1/messages')?.headers['x-api-key'] ?? 'elsewhere');
        if (last === providerKey) return;
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new Error(`model calls never reached the provider with ${providerKey} (last: ${last})`);
    }

    await callsReach(seen, 'sk-ant-blueprint-first');
    await putKey('sk-ant-blueprint-rotated');
    await callsReach(seen, 'sk-ant-blueprint-rotated');
    const moved = await stack.api('PATCH', `/api/v1/blueprints/${blueprint.body.id}`, { llm: { kind: 'anthropic-compatible', baseUrl: otherSim.url } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    await callsReach(seenByOther, 'sk-ant-blueprint-rotated');
    // Without its own key the blueprint falls back to the portal's provider; so does the running workspace.
    expect((await stack.api('DELETE', `/api/v1/blueprints/${blueprint.body.id}/llm-key`)).status).toBe(204);
    await callsReach(seen, PORTAL_KEY);

    const inside = await run(id, 'cat /tmp/started-marker; echo "$ANTHROPIC_API_KEY"');
    expect(inside.output).toBe(`before-restarts\n${key}\n`);
  }, 300_000);
});

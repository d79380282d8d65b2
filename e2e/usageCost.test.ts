import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInWorkspace } from '@paddock/agent';
import { DEMO_MODEL_ID, startModelSim, type ModelSim } from '@paddock/model-sim';
import { TestStack } from './harness/testStack.js';

type Row = { key: string; label: string | null; requests: number; inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; costUsd: number | null; savedUsd: number | null; savedShare: number | null; unpricedRequests: number };
type Ledger = { at: Date; user_id: string; blueprint_id: string; workspace_id: string; model: string; input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_write_tokens: number };

// Per million tokens: input, output, cache read, cache write.
const PRICE = { model: DEMO_MODEL_ID, inputUsdPerMTok: 3, outputUsdPerMTok: 15, cacheReadUsdPerMTok: 0.3, cacheWriteUsdPerMTok: 3.75 };

describe('usage and cost, from scripted-model calls through the gateway', () => {
  let sim: ModelSim;
  let stack: TestStack;
  let builder: { id: string; token: string };
  let ledger: Ledger[] = [];
  let adminWs = '';
  let builderWs = '';

  /** A model call from inside the workspace, with a cache breakpoint so it reads and writes the cache. */
  const call = (workspaceId: string, turns: number) => {
    const messages = Array.from({ length: turns }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: [{ type: 'text', text: `turn ${i} of a conversation about retention dashboards`, cache_control: { type: 'ephemeral' } }] }));
    const body = JSON.stringify({ model: DEMO_MODEL_ID, max_tokens: 50, system: [{ type: 'text', text: 'You are a careful analyst. '.repeat(20), cache_control: { type: 'ephemeral' } }], messages });
    return runInWorkspace(stack.runtime, workspaceId, `curl -s -o /dev/null -w "%{http_code}" -H "x-api-key: $ANTHROPIC_API_KEY" -H "anthropic-version: 2023-06-01" -H "content-type: application/json" -d '${body}' "$ANTHROPIC_BASE_URL/v1/messages"`, 30_000);
  };

  beforeAll(async () => {
    sim = await startModelSim();
    stack = await TestStack.start({ llm: { baseUrl: sim.url, apiKey: 'sk-ant-provider-usage', model: DEMO_MODEL_ID } });
    builder = await stack.userToken('cost-builder@example.com');
    adminWs = await stack.runningWorkspace('cost-admin');
    builderWs = await stack.runningWorkspace('cost-builder', builder.token);
    for (const [ws, turns] of [[adminWs, 3], [adminWs, 1], [builderWs, 5]] as const) {
      expect((await call(ws, turns)).output).toBe('200');
    }
    for (const deadline = Date.now() + 10_000; ledger.length < 3 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      ledger = await stack.db.selectFrom('llm_usage').select(['at', 'user_id', 'blueprint_id', 'workspace_id', 'model', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens']).execute();
    }
    expect(ledger).toHaveLength(3);
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    await sim?.close();
  });

  /** What a group of ledger rows should sum to, computed here from the ledger and the price, apart from the portal's code. */
  const expected = (rows: Ledger[]) => {
    const sum = (f: (r: Ledger) => number) => rows.reduce((n, r) => n + Number(f(r)), 0);
    const t = { requests: rows.length, inputTokens: sum((r) => r.input_tokens), outputTokens: sum((r) => r.output_tokens), cacheReadTokens: sum((r) => r.cache_read_tokens), cacheWriteTokens: sum((r) => r.cache_write_tokens) };
    const cost = (t.inputTokens * 3 + t.outputTokens * 15 + t.cacheReadTokens * 0.3 + t.cacheWriteTokens * 3.75) / 1e6;
    const saved = (t.cacheReadTokens * (3 - 0.3)) / 1e6;
    return { ...t, cost, saved, share: saved / (cost + saved) };
  };
  const summary = async (query: string, token?: string) => {
    const res = await stack.api('GET', `/api/v1/usage/summary?${query}`, undefined, token);
    expect(res.status).toBe(200);
    return res.body.rows as Row[];
  };

  it('records cache reads and writes, and shows a model with no price as "no price", never $0', async () => {
    for (const r of ledger) {
      expect(Number(r.cache_read_tokens)).toBeGreaterThan(0);
      expect(Number(r.input_tokens)).toBeGreaterThan(0);
    }
    // The seeded table prices Claude models, not the scripted one.
    const seeded = await stack.api('GET', '/api/v1/admin/model-prices');
    expect(seeded.status).toBe(200);
    expect(seeded.body.items.map((p: { model: string }) => p.model)).toContain('claude-sonnet-4');
    const [row] = await summary('groupBy=model');
    expect(row).toMatchObject({ key: DEMO_MODEL_ID, requests: 3, costUsd: null, savedUsd: null, savedShare: null, unpricedRequests: 3 });
  });

  it('gives the exact sums, cost and savings per user, blueprint, workspace and model once the model is priced', async () => {
    const put = await stack.api('PUT', '/api/v1/admin/model-prices', { items: [...(await stack.api('GET', '/api/v1/admin/model-prices')).body.items.map(({ updatedAt: _, ...p }: { updatedAt: string }) => p), PRICE] });
    expect(put.status).toBe(200);
    expect(put.body.items).toContainEqual(expect.objectContaining(PRICE));

    const groups: Array<[string, (r: Ledger) => string]> = [['user', (r) => r.user_id], ['blueprint', (r) => r.blueprint_id], ['workspace', (r) => r.workspace_id], ['model', (r) => r.model]];
    for (const [groupBy, keyOf] of groups) {
      const rows = await summary(`groupBy=${groupBy}`);
      const keys = [...new Set(ledger.map(keyOf))];
      expect(rows.map((r) => r.key).sort()).toEqual(keys.sort());
      for (const row of rows) {
        const want = expected(ledger.filter((r) => keyOf(r) === row.key));
        expect(row).toMatchObject({ requests: want.requests, inputTokens: want.inputTokens, outputTokens: want.outputTokens, cacheReadTokens: want.cacheReadTokens, cacheWriteTokens: want.cacheWriteTokens, unpricedRequests: 0 });
        expect(row.costUsd).toBeCloseTo(want.cost, 6);
        expect(row.savedUsd).toBeCloseTo(want.saved, 6);
        expect(row.savedShare).toBeCloseTo(want.share, 4);
      }
      // Most expensive first.
      expect(rows.map((r) => r.costUsd)).toEqual([...rows.map((r) => r.costUsd)].sort((a, b) => b! - a!));
    }
    // Per UTC day, in order: the cost page's chart over time.
    const dayOf = (r: Ledger) => r.at.toISOString().slice(0, 10);
    const days = await summary('groupBy=day');
    expect(days.map((r) => r.key)).toEqual([...new Set(ledger.map(dayOf))].sort());
    for (const row of days) {
      const want = expected(ledger.filter((r) => dayOf(r) === row.key));
      expect(row).toMatchObject({ label: row.key, requests: want.requests, inputTokens: want.inputTokens, cacheReadTokens: want.cacheReadTokens });
      expect(row.costUsd).toBeCloseTo(want.cost, 6);
    }
    const labels = await summary('groupBy=workspace');
    expect(labels.find((r) => r.key === adminWs)?.label).toBe('cost-admin');
    expect((await summary('groupBy=user')).find((r) => r.key === builder.id)?.label).toBe('cost-builder@example.com');

    const entries = (await stack.api('GET', '/api/v1/audit?limit=200')).body.entries as Array<{ action: string; detail: { models: string[] } }>;
    expect(entries.find((e) => e.action === 'model_prices.update')?.detail.models).toContain(DEMO_MODEL_ID);
  });

  it("shows a builder their own calls only, and counts a period's calls only", async () => {
    const mine = await summary('groupBy=workspace', builder.token);
    expect(mine.map((r) => r.key)).toEqual([builderWs]);
    expect(mine[0]!.requests).toBe(1);
    expect(await summary(`groupBy=user&to=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`)).toEqual([]);
    expect((await summary(`groupBy=user&from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`)).reduce((n, r) => n + r.requests, 0)).toBe(3);
    const backwards = await stack.api('GET', `/api/v1/usage/summary?groupBy=user&from=${encodeURIComponent(new Date().toISOString())}&to=${encodeURIComponent(new Date(Date.now() - 1000).toISOString())}`);
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.message).toMatch(/before/);
  });

  it('refuses a bad price table whole, and keeps the one it had', async () => {
    const before = (await stack.api('GET', '/api/v1/admin/model-prices')).body.items;
    for (const items of [[PRICE, PRICE], [{ ...PRICE, inputUsdPerMTok: -1 }], [{ ...PRICE, inputUsdPerMTok: 0.00001 }], [{ ...PRICE, model: '' }], [{ ...PRICE, extra: 1 }]]) {
      const res = await stack.api('PUT', '/api/v1/admin/model-prices', { items });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
    expect((await stack.api('PUT', '/api/v1/admin/model-prices', { items: [PRICE] }, builder.token)).status).toBe(403);
    expect((await stack.api('GET', '/api/v1/admin/model-prices')).body.items).toEqual(before);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInWorkspace } from '@paddock/agent';
import { DEMO_MODEL_ID, startModelSim, type ModelSim, type SeenRequest } from '@paddock/model-sim';
import { launchChromium, signIn } from './harness/browser.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TestStack } from './harness/testStack.js';

type Row = { key: string; label: string | null; requests: number; inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; costUsd: number | null; savedUsd: number | null; savedShare: number | null; unpricedRequests: number };
type Budget = { id: string; scope: string; targetId: string; targetLabel: string | null; limitUsd?: number; limitTokens?: number; action: string; month: string; spentUsd: number; spentTokens: number; remaining: number; usedShare: number; blocking: boolean; alertedAt: { at80: string | null; at100: string | null }; refusals: number };
type FeedItem = { id: string; workspaceId: string; userId: string; summary: string; verdict: string; enforced: boolean; ruleId?: string };
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
  const seen: SeenRequest[] = [];

  /**
   * A model call from inside the workspace, with a cache breakpoint so it reads and writes the cache.
   * Its output is the status, or with `answer` the body and then the status.
   */
  const call = (workspaceId: string, turns: number, answer = false) => {
    const messages = Array.from({ length: turns }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: [{ type: 'text', text: `turn ${i} of a conversation about retention dashboards`, cache_control: { type: 'ephemeral' } }] }));
    const body = JSON.stringify({ model: DEMO_MODEL_ID, max_tokens: 50, system: [{ type: 'text', text: 'You are a careful analyst. '.repeat(20), cache_control: { type: 'ephemeral' } }], messages });
    const output = answer ? '-w " %{http_code}"' : '-o /dev/null -w "%{http_code}"';
    return runInWorkspace(stack.runtime, workspaceId, `curl -s ${output} -H "x-api-key: $ANTHROPIC_API_KEY" -H "anthropic-version: 2023-06-01" -H "content-type: application/json" -d '${body}' "$ANTHROPIC_BASE_URL/v1/messages"`, 30_000);
  };

  beforeAll(async () => {
    sim = await startModelSim({ onRequest: (r) => seen.push(r) });
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

  // Budgets: monthly limits on the same ledger, the portal deciding, the agent's gateway refusing.
  const month = new Date().toISOString().slice(0, 7);
  const tokensOf = (rows: Ledger[]) => rows.reduce((n, r) => n + Number(r.input_tokens) + Number(r.output_tokens) + Number(r.cache_read_tokens) + Number(r.cache_write_tokens), 0);
  const readLedger = async () => (await stack.db.selectFrom('llm_usage').select(['user_id', 'blueprint_id', 'workspace_id', 'model', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens']).execute()) as Ledger[];
  const budgets = async (token?: string) => {
    const res = await stack.api('GET', '/api/v1/admin/budgets', undefined, token);
    expect(res.status).toBe(200);
    return res.body as Budget[];
  };
  const budget = async (id: string) => (await budgets()).find((b) => b.id === id)!;
  /** The admin feed's entries about one budget (the governance events, oldest first). */
  const feed = async (budgetId: string) => ((await stack.api('GET', '/api/v1/governance/events?limit=1000')).body.items as FeedItem[])
    .filter((e) => e.ruleId === `budget:${budgetId}`).reverse();
  const refusalsMetric = async () => (await stack.portal.services.metrics.registry.getSingleMetric('paddock_budget_refusals_total')!.get()).values[0]?.value ?? 0;
  let alertBudget: Budget;
  let blockBudget: Budget;
  let adminId = '';
  const REFUSAL = 'Your monthly AI budget of $20 is used up; ask your admin';

  it('warns at 80 % and at 100 % of an alert budget, once each, in the admin feed and to the builder, and lets the calls through', async () => {
    const spent = tokensOf((await readLedger()).filter((r) => r.user_id === builder.id));
    const limit = Math.ceil(spent / 0.9);
    const put = await stack.api('PUT', '/api/v1/admin/budgets', [{ scope: 'user', targetId: builder.id, period: 'month', limitTokens: limit, action: 'alert' }]);
    expect(put.status).toBe(200);
    alertBudget = put.body[0];
    expect(alertBudget).toMatchObject({ scope: 'user', targetLabel: 'cost-builder@example.com', month, spentTokens: spent, remaining: limit - spent, blocking: false, refusals: 0 });
    expect(alertBudget.usedShare).toBeCloseTo(spent / limit, 6);
    await expect.poll(async () => (await feed(alertBudget.id)).map((e) => e.summary), { timeout: 10_000 }).toEqual([expect.stringContaining('80 % used')]);
    const [at80] = await feed(alertBudget.id);
    expect(at80).toMatchObject({ workspaceId: builderWs, userId: builder.id, verdict: 'allow', enforced: false });
    expect(at80!.summary).toContain('cost-builder@example.com');

    // The builder sees the budget their calls count against, from their workspace's page.
    const mine = await stack.api('GET', '/api/v1/usage/budget', undefined, builder.token);
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual({ month, budgets: [expect.objectContaining({ id: alertBudget.id, spentTokens: spent, remaining: limit - spent, alertedAt: { at80: expect.any(String), at100: null } })] });
    expect(mine.body.budgets[0]).not.toHaveProperty('refusals');

    // Past the limit: warned, never refused.
    const callsBefore = (await readLedger()).filter((r) => r.user_id === builder.id).length;
    expect((await call(builderWs, 5)).output).toBe('200');
    await expect.poll(async () => (await feed(alertBudget.id)).map((e) => e.summary), { timeout: 10_000 }).toEqual([expect.stringContaining('80 % used'), expect.stringContaining('100 % used')]);
    expect((await call(builderWs, 1)).output).toBe('200');
    // A call's usage record reaches the portal a moment after its answer: wait for both in the ledger.
    await expect.poll(async () => (await readLedger()).filter((r) => r.user_id === builder.id).length, { timeout: 10_000 }).toBe(callsBefore + 2);
    const after = tokensOf((await readLedger()).filter((r) => r.user_id === builder.id));
    await expect.poll(async () => (await budget(alertBudget.id)).spentTokens, { timeout: 10_000 }).toBe(after);
    await stack.portal.services.budgetWatch.settled();
    // Each threshold once a month, however many calls cross it.
    expect((await feed(alertBudget.id)).map((e) => [e.verdict, e.enforced])).toEqual([['allow', false], ['allow', false]]);
    expect(await budget(alertBudget.id)).toMatchObject({ blocking: false, remaining: 0, refusals: 0 });
    expect((await stack.api('GET', '/api/v1/usage/budget', undefined, builder.token)).body.budgets[0].alertedAt.at100).toEqual(expect.any(String));
  }, 120_000);

  it('refuses model calls once a block budget is used up: claude -p and the chat say so in plain words, nothing reaches the model, refusals are counted', async () => {
    const ledgerNow = await readLedger();
    adminId = ledgerNow.find((r) => r.workspace_id === adminWs)!.user_id;
    // Priced so that the admin's calls so far cost over $20: the budget is used up as it is saved.
    const perMTok = Math.min(100_000, Math.ceil(25e6 / tokensOf(ledgerNow.filter((r) => r.user_id === adminId))));
    const prices = await stack.api('PUT', '/api/v1/admin/model-prices', { items: [{ model: DEMO_MODEL_ID, inputUsdPerMTok: perMTok, outputUsdPerMTok: perMTok, cacheReadUsdPerMTok: perMTok, cacheWriteUsdPerMTok: perMTok }] });
    expect(prices.status).toBe(200);
    const { id: _, ...kept } = alertBudget;
    const put = await stack.api('PUT', '/api/v1/admin/budgets', [
      { id: alertBudget.id, scope: kept.scope, targetId: kept.targetId, period: 'month', limitTokens: kept.limitTokens, action: 'alert' },
      { scope: 'user', targetId: adminId, period: 'month', limitUsd: 20, action: 'block' },
    ]);
    expect(put.status).toBe(200);
    blockBudget = put.body[1];
    expect(blockBudget.spentUsd).toBeGreaterThan(20);
    expect(blockBudget).toMatchObject({ blocking: true, remaining: 0 });
    // The alert budget kept its id and its alerts.
    expect(put.body[0]).toMatchObject({ id: alertBudget.id, alertedAt: { at80: expect.any(String), at100: expect.any(String) } });

    // The portal sends the refusal in the model route; the agent's gateway holds it within a moment.
    const started = Date.now();
    await expect.poll(async () => (await call(adminWs, 1, true)).output, { timeout: 15_000, interval: 200 }).toMatch(/ 400$/);
    const refusedAfterMs = Date.now() - started;
    const before = seen.filter((r) => r.path.startsWith('/v1/messages')).length;
    const refused = await call(adminWs, 1, true);
    expect(refused.output).toBe(`${JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: REFUSAL } })} 400`);

    // The real Claude Code CLI prints the message and stops (a 400: no retries).
    const claudeStarted = Date.now();
    const claude = await runInWorkspace(stack.runtime, adminWs, 'claude -p "say hello" 2>&1; echo "exit=$?"', 90_000);
    const claudeMs = Date.now() - claudeStarted;
    expect(claude.output).toContain(`API Error: 400 ${REFUSAL}`);
    expect(claude.output).not.toContain('Hello from the Paddock demo model');
    expect(claude.output).toMatch(/exit=[1-9]/);

    // The chat (OpenCode in the workspace) shows it as the reply's error.
    const ai = (path: string) => `/api/v1/workspaces/${adminWs}/ai${path}`;
    await stack.waitForAi(adminWs);
    const session = (await stack.api('POST', ai('/sessions'), {})).body.id as string;
    expect((await stack.api('POST', ai(`/sessions/${session}/prompt`), { text: 'say hello' })).status).toBe(202);
    type Message = { info: { role: string; error?: unknown }; parts: Array<{ type: string; text?: string }> };
    const replyError = async () => ((await stack.api('GET', ai(`/sessions/${session}/messages`))).body.messages as Message[])
      .find((m) => m.info.role === 'assistant' && m.info.error)?.info.error;
    await expect.poll(async () => JSON.stringify(await replyError() ?? null), { timeout: 60_000, interval: 250 }).toContain(REFUSAL);
    expect(seen.filter((r) => r.path.startsWith('/v1/messages')).length).toBe(before);

    // And the owner's workspace page says so, before anyone asks the AI.
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 900 } });
      await signIn(page, stack.url, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.goto(`${stack.url}/workspaces/${adminWs}`);
      const notice = page.getByRole('alert').filter({ hasText: 'Your monthly AI budget of $20 is used up' });
      await notice.waitFor({ timeout: 15_000 });
      expect(await notice.textContent()).toContain('Ask your admin');
      if (process.env.PADDOCK_SCREENSHOTS) await page.screenshot({ path: join(process.env.PADDOCK_SCREENSHOTS, 'budget-used-up.png') });

      // The Usage & cost page: the chart, the top tables, the budgets as they stand, and a CSV of what a table shows.
      await page.goto(`${stack.url}/usage`);
      await page.getByTestId('spend-chart').waitFor({ timeout: 15_000 });
      await expect.poll(() => page.getByTestId('usage-row-user').count(), { timeout: 10_000 }).toBe(2);
      const blockRow = page.getByTestId('budget-row').filter({ hasText: 'Used up: AI calls refused' });
      await blockRow.waitFor({ timeout: 10_000 });
      expect(await blockRow.textContent()).toContain('$20.00 a month');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export top users as CSV' }).click()]);
      const csv = readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
      expect(csv[0]).toBe('key,label,requests,inputTokens,outputTokens,cacheReadTokens,cacheWriteTokens,costUsd,savedUsd,savedShare,unpricedRequests');
      expect(csv.slice(1).map((l) => l.split(',')[1]).sort()).toEqual([ADMIN_EMAIL, 'cost-builder@example.com'].sort());
      if (process.env.PADDOCK_SCREENSHOTS) await page.screenshot({ path: join(process.env.PADDOCK_SCREENSHOTS, 'usage-and-cost.png'), fullPage: true });

      // A builder sees the same page over their own work: no one else's row, their own budget and what is left of it.
      const builderPage = await (await chromium.browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      await signIn(builderPage, stack.url, 'cost-builder@example.com', ADMIN_PASSWORD);
      await builderPage.goto(`${stack.url}/usage`);
      await builderPage.getByTestId('usage-row-workspace').first().waitFor({ timeout: 15_000 });
      expect(await builderPage.getByTestId('usage-row-workspace').allTextContents()).toEqual([expect.stringContaining('cost-builder')]);
      expect(await builderPage.getByText('Top users').count()).toBe(0);
      await expect.poll(() => builderPage.getByTestId('budget-row').count(), { timeout: 10_000 }).toBe(1);
    } finally {
      await chromium.close();
    }

    // Counted: against the budget (admins see it), and in the metrics.
    await expect.poll(async () => (await budget(blockBudget.id)).refusals, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect(await refusalsMetric()).toBeGreaterThanOrEqual(3);
    // Refused calls are not model calls: the ledger has none of them.
    expect((await readLedger()).filter((r) => r.user_id === adminId).length).toBe(ledgerNow.filter((r) => r.user_id === adminId).length);
    // Both alerts, at once (it was saved past its limit); the 100 % one says calls are refused.
    const alerts = await feed(blockBudget.id);
    expect(alerts.map((e) => [e.summary.match(/\d+ % used/)?.[0], e.verdict, e.enforced])).toEqual([['80 % used', 'allow', false], ['100 % used', 'deny', true]]);
    expect(alerts[1]!.summary).toContain('model calls are refused');
    // Another user's calls go on.
    expect((await call(builderWs, 1)).output).toBe('200');
    console.log(`budget block: refused ${refusedAfterMs} ms after the save; claude -p exited in ${claudeMs} ms, saying: ${claude.output.split('\n').find((l) => l.includes(REFUSAL))?.trim()}`);
  }, 240_000);

  it('holds across a portal restart: no alert is raised twice, the block still refuses; a budget removed lets calls through', async () => {
    const statuses = await budgets();
    const raised = [...await feed(alertBudget.id), ...await feed(blockBudget.id)].map((e) => e.id);
    await stack.restartPortal();
    await stack.portal.services.budgetWatch.settled();
    expect((await call(adminWs, 1, true)).output).toMatch(/ 400$/);
    expect((await budgets()).map((b) => [b.id, b.alertedAt])).toEqual(statuses.map((b) => [b.id, b.alertedAt]));
    expect([...await feed(alertBudget.id), ...await feed(blockBudget.id)].map((e) => e.id)).toEqual(raised);

    expect((await stack.api('PUT', '/api/v1/admin/budgets', [])).status).toBe(200);
    await expect.poll(async () => (await call(adminWs, 1)).output, { timeout: 15_000, interval: 200 }).toBe('200');
    const entries = (await stack.api('GET', '/api/v1/audit?action=budgets.update&limit=10')).body.entries as Array<{ detail: { removed: string[] } }>;
    expect(entries[0]!.detail.removed.sort()).toEqual([alertBudget.id, blockBudget.id].sort());
  }, 120_000);

  it('counts a group\'s members\' and a blueprint\'s calls, and refuses a bad list whole, keeping the one it had', async () => {
    const scimToken = (await stack.api('POST', '/api/v1/admin/scim-tokens')).body.token as string;
    const made = await fetch(`${stack.url}/scim/v2/Groups`, {
      method: 'POST', headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Finance' }),
    });
    expect(made.status).toBe(201);
    const groupId = ((await made.json()) as { id: string }).id;
    // SCIM adds only the users it provisioned; the builder here has a local account, so it joins in the table.
    await stack.db.insertInto('group_members').values({ group_id: groupId, user_id: builder.id }).execute();
    const rows = await readLedger();
    const blueprintId = rows[0]!.blueprint_id;
    const good = [
      { scope: 'group', targetId: groupId, period: 'month', limitTokens: 10_000_000, action: 'alert' },
      { scope: 'blueprint', targetId: blueprintId, period: 'month', limitTokens: 10_000_000, action: 'block' },
    ];
    const put = await stack.api('PUT', '/api/v1/admin/budgets', good);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject([
      { targetLabel: 'Finance', spentTokens: tokensOf(rows.filter((r) => r.user_id === builder.id)), blocking: false },
      { spentTokens: tokensOf(rows.filter((r) => r.blueprint_id === blueprintId)), blocking: false },
    ]);
    // The builder's calls count against their group's budget and their blueprint's.
    expect((await stack.api('GET', '/api/v1/usage/budget', undefined, builder.token)).body.budgets.map((b: Budget) => b.scope)).toEqual(['group', 'blueprint']);
    const before = await budgets();

    const user = good[0]!;
    const bad: Array<[unknown, RegExp]> = [
      [[...good, { ...user, targetId: '00000000-0000-4000-8000-000000000000' }], /group 00000000-0000-4000-8000-000000000000/],
      [[{ ...user, scope: 'user', targetId: groupId }], /does not exist/],
      [[{ ...user, limitUsd: 5 }], /exactly one/],
      [[{ scope: 'user', targetId: builder.id, period: 'month', action: 'alert' }], /exactly one/],
      [[{ ...user, id: 'no-such-budget' }], /no budget has the id/],
      [[{ ...user, id: before[0]!.id }, { ...user, id: before[0]!.id }], /once/],
      [[{ ...user, scope: 'team' }], /scope/],
      [[{ ...user, period: 'week' }], /period/],
      [[{ ...user, action: 'warn' }], /action/],
      [[{ ...user, limitTokens: 0 }], /limitTokens/],
      [[{ ...user, limitTokens: 1.5 }], /limitTokens/],
      [[{ scope: 'user', targetId: builder.id, period: 'month', limitUsd: 0.001, action: 'alert' }], /decimals/],
      [[{ ...user, extra: 1 }], /extra/],
      [{ items: good }, /array/],
    ];
    for (const [body, message] of bad) {
      const res = await stack.api('PUT', '/api/v1/admin/budgets', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
      expect(res.body.error.message, JSON.stringify(body)).toMatch(message);
    }
    expect((await stack.api('PUT', '/api/v1/admin/budgets', good, builder.token)).status).toBe(403);
    expect((await stack.api('GET', '/api/v1/admin/budgets', undefined, builder.token)).status).toBe(403);
    const auditor = await stack.userToken('cost-auditor@example.com', 'auditor');
    expect(await budgets(auditor.token)).toEqual(before);
    expect((await stack.api('PUT', '/api/v1/admin/budgets', [], auditor.token)).status).toBe(403);
    expect(await budgets()).toEqual(before);
  }, 120_000);
});

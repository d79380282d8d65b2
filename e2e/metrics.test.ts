import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInWorkspace } from '@paddock/agent';
import { DEMO_MODEL_ID, startModelSim, type ModelSim } from '@paddock/model-sim';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TestStack } from './harness/testStack.js';
import { parseMetrics, type Sample, type Scrape } from './harness/prometheusText.js';

const METRICS_TOKEN = 'metrics-token-for-the-test-0123456789';

describe('Prometheus metrics and health', () => {
  let sim: ModelSim;
  let stack: TestStack;

  beforeAll(async () => {
    sim = await startModelSim();
    stack = await TestStack.start({ llm: { baseUrl: sim.url, apiKey: 'sk-ant-provider-metrics', model: DEMO_MODEL_ID } });
  });
  afterAll(async () => {
    await stack?.close();
    await sim?.close();
  });

  const scrape = async (headers: Record<string, string> = {}) => {
    const res = await fetch(`${stack.url}/metrics`, { headers });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(await res.text());
  };
  /** The series named `name` (a sample's name: `…_total`, `…_count`). */
  const samples = (m: Scrape, name: string): Sample[] => {
    const found = m.samples.filter((s) => s.name === name);
    expect(found.length, `${name} is scraped`).toBeGreaterThan(0);
    return found;
  };
  /** The one series of `name` with these labels: its value. */
  const one = (m: Scrape, name: string, labels: Record<string, string> = {}): number => {
    const found = samples(m, name).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    expect(found.length, `${name}${JSON.stringify(labels)}`).toBe(1);
    return found[0]!.value;
  };

  it('carries the series a platform team watches after a session: sign-in, a workspace, a terminal, a model call', async () => {
    const login = await fetch(`${stack.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }) });
    expect(login.status).toBe(200);
    const id = await stack.runningWorkspace('metered');
    const term = await stack.terminal(id);
    term.type('echo "MET""RICS=ok"\r');
    await term.waitFor('METRICS=ok');
    const call = await runInWorkspace(stack.runtime, id,
      `curl -s -o /dev/null -w "%{http_code}\\n" -H "x-api-key: $ANTHROPIC_API_KEY" -H "anthropic-version: 2023-06-01" -H "content-type: application/json" -d '{"model":"${DEMO_MODEL_ID}","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}' $ANTHROPIC_BASE_URL/v1/messages`, 30_000);
    expect(call.output.trim()).toBe('200');

    let m = await scrape();
    // The usage record travels from the agent on its own schedule.
    for (const deadline = Date.now() + 10_000; one(m, 'paddock_model_calls_total') === 0 && Date.now() < deadline; m = await scrape()) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(m.types.get('paddock_http_request_duration_seconds')).toBe('histogram');
    expect(m.types.get('paddock_model_calls')).toBe('counter');
    expect(one(m, 'paddock_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/auth/login', status_code: '200' })).toBe(1);
    expect(one(m, 'paddock_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/workspaces', status_code: '201' })).toBeGreaterThanOrEqual(1);
    // A route template, one series for every workspace.
    expect(samples(m, 'paddock_http_request_duration_seconds_count').some((s) => s.labels.route === '/api/v1/workspaces/:id')).toBe(true);
    expect(one(m, 'paddock_db_query_duration_seconds_count', { operation: 'select' })).toBeGreaterThan(0);
    expect(one(m, 'paddock_db_query_duration_seconds_count', { operation: 'insert' })).toBeGreaterThan(0);

    expect(one(m, 'paddock_agents_connected')).toBe(1);
    expect(Math.abs(one(m, 'paddock_agent_last_message_timestamp_seconds') - Date.now() / 1000)).toBeLessThan(60);
    expect(one(m, 'paddock_agent_connections_total')).toBeGreaterThanOrEqual(1);
    expect(one(m, 'paddock_workspaces', { state: 'running' })).toBe(1);
    expect(one(m, 'paddock_reconciler_lag_seconds')).toBe(0);
    // Publishing, by state, each state a series from the start (0 until a request is in it).
    expect(one(m, 'paddock_publish_requests', { state: 'pending' })).toBe(0);
    expect(one(m, 'paddock_published_apps', { state: 'live' })).toBe(0);

    expect(one(m, 'paddock_tunnel_streams_open', { kind: 'terminal' })).toBeGreaterThanOrEqual(1);
    expect(one(m, 'paddock_tunnel_relayed_bytes_total', { kind: 'terminal', direction: 'in' })).toBeGreaterThan(0);
    expect(one(m, 'paddock_tunnel_relayed_bytes_total', { kind: 'terminal', direction: 'out' })).toBeGreaterThan(0);
    expect(one(m, 'paddock_model_calls_total')).toBe(1);
    expect(one(m, 'paddock_model_tokens_total', { kind: 'input' })).toBeGreaterThan(0);
    expect(one(m, 'paddock_model_tokens_total', { kind: 'output' })).toBeGreaterThan(0);
    expect(one(m, 'paddock_portal_process_resident_memory_bytes')).toBeGreaterThan(0);

    // Bounded cardinality: no series is labelled with a workspace's or a user's id.
    const ws = await stack.db.selectFrom('workspaces').select(['id', 'owner_id']).where('id', '=', id).executeTakeFirstOrThrow();
    for (const s of m.samples) expect(Object.values(s.labels), s.name).not.toContain(ws.id);
    for (const s of m.samples) expect(Object.values(s.labels), s.name).not.toContain(ws.owner_id);

    // The terminal's stream is counted out when it closes.
    term.close();
    for (const deadline = Date.now() + 10_000; one(m, 'paddock_tunnel_streams_open', { kind: 'terminal' }) > 0 && Date.now() < deadline; m = await scrape()) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(one(m, 'paddock_tunnel_streams_open', { kind: 'terminal' })).toBe(0);
  }, 120_000);

  it('counts governance: decisions as they are stored, held actions, kill switches, the health of running workspaces', async () => {
    // The workspace of the test before, running.
    const { id } = await stack.db.selectFrom('workspaces').select('id').where('state', '=', 'running').executeTakeFirstOrThrow();
    const health = async () => (await stack.api('GET', '/api/v1/governance/health')).body;
    const until = async <T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> => {
      let v = await read();
      for (const deadline = Date.now() + 10_000; !done(v) && Date.now() < deadline; v = await read()) await new Promise((r) => setTimeout(r, 100));
      return v;
    };
    // The real agent says its hooks, gateway (the stack has a model route) and proxy serve it, in the default mode.
    const healthy = await until(health, (h) => h.items[0]?.health === 'healthy');
    expect(healthy).toMatchObject({ runningWorkspaces: 1, healthy: 1, unhealthy: 0, unknown: 0, share: 1 });
    expect(healthy.items[0]).toMatchObject({ workspaceId: id, hooks: 'active', gateway: 'active', proxy: 'active', mode: 'monitor', problems: [] });

    const uplink = stack.agentParts.governanceUplink;
    const at = new Date().toISOString();
    uplink.report({ workspaceId: id, at, point: 'proxy', class: 'http_request', summary: 'GET evil.example/', verdict: 'deny', enforced: true });
    uplink.report({ workspaceId: id, at, point: 'hook', class: 'bash_command', summary: 'rm -rf /', verdict: 'ask', enforced: false });
    await uplink.hold({ workspaceId: id, action: { class: 'git_push', remote: 'origin', ref: 'main', force: true, delete: false }, summary: 'git push --force to origin main', timeoutSeconds: 300 });
    const decisions = (m: Scrape, labels: Record<string, string>) => m.samples.find((s) => s.name === 'paddock_governance_decisions_total' && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;
    let m = await until(scrape, (x) => decisions(x, { class: 'bash_command' }) >= 1 && decisions(x, { class: 'http_request' }) >= 1);
    expect(m.types.get('paddock_governance_decisions')).toBe('counter');
    expect(one(m, 'paddock_governance_decisions_total', { class: 'http_request', verdict: 'deny', enforced: 'true' })).toBe(1);
    expect(one(m, 'paddock_governance_decisions_total', { class: 'bash_command', verdict: 'ask', enforced: 'false' })).toBe(1);
    expect(one(m, 'paddock_governance_held_actions')).toBe(1);
    expect(one(m, 'paddock_governance_kill_switch_engaged', { scope: 'org' })).toBe(0);
    expect(one(m, 'paddock_governance_kill_switch_engaged', { scope: 'blueprint' })).toBe(0);
    expect(one(m, 'paddock_governance_workspaces', { health: 'healthy' })).toBe(1);
    expect(one(m, 'paddock_governance_workspaces', { health: 'unhealthy' })).toBe(0);
    expect(one(m, 'paddock_reconciler_retries_total', { verb: 'run' })).toBe(0);

    const engaged = await stack.api('PUT', '/api/v1/governance/kill-switch', { scope: 'org', engaged: true, reason: 'metrics test' });
    expect(engaged.status).toBe(200);
    try {
      expect(one(await scrape(), 'paddock_governance_kill_switch_engaged', { scope: 'org' })).toBe(1);
      // The agent says so when the policy it holds changes.
      expect((await until(health, (h) => h.items[0]?.killSwitch === true)).items[0]).toMatchObject({ health: 'healthy', killSwitch: true });
    } finally {
      expect((await stack.api('PUT', '/api/v1/governance/kill-switch', { scope: 'org', engaged: false })).status).toBe(200);
    }
    expect((await until(health, (h) => h.items[0]?.killSwitch === false)).items[0]).toMatchObject({ health: 'healthy', killSwitch: false });

    // The agent's proxy stops serving the workspace (as its Workspaces would say it, over the real tunnel).
    const said = stack.agentParts.workspaces.governanceHealth().find((h) => h.workspaceId === id)!;
    stack.agentParts.workspaces.emit('governance-health', { ...said, proxy: 'missing' });
    const unhealthy = await until(health, (h) => h.unhealthy === 1);
    expect(unhealthy).toMatchObject({ runningWorkspaces: 1, healthy: 0, unhealthy: 1, share: 0 });
    expect(unhealthy.items[0]).toMatchObject({ workspaceId: id, health: 'unhealthy', proxy: 'missing', problems: [expect.stringMatching(/Egress proxy/)] });
    m = await scrape();
    expect(one(m, 'paddock_governance_workspaces', { health: 'unhealthy' })).toBe(1);
    expect(stack.logs.text).toMatch(/a governed workspace is unhealthy/);
    stack.agentParts.workspaces.emit('governance-health', said);
    await until(health, (h) => h.healthy === 1);

    // The shipped Grafana dashboard asks only for series the portal serves (after a session and governance events).
    const served = new Set(m.samples.map((s) => s.name));
    const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'deploy', 'grafana', 'paddock-portal.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    expect(dashboard.panels.length).toBeGreaterThan(10);
    for (const p of dashboard.panels) {
      const asked = p.targets.flatMap((t) => t.expr.match(/paddock_[a-z0-9_]+/g) ?? []);
      expect(asked.length, p.title).toBeGreaterThan(0);
      for (const name of asked) expect(served.has(name), `${p.title}: ${name}`).toBe(true);
    }
    // So do the shipped alerting rules, and one fires on an unhealthy workspace.
    const rules = parseYaml(readFileSync(join(import.meta.dirname, '..', 'deploy', 'prometheus', 'paddock-alerts.yml'), 'utf8')) as { groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; for?: string }> }> };
    const all = rules.groups.flatMap((g) => g.rules);
    expect(all.length).toBeGreaterThan(0);
    for (const rule of all) {
      const asked = String(rule.expr).match(/paddock_[a-z0-9_]+/g) ?? [];
      expect(asked.length, rule.alert).toBeGreaterThan(0);
      for (const name of asked) expect(served.has(name), `${rule.alert}: ${name}`).toBe(true);
    }
    const alert = all.find((r) => r.alert === 'PaddockGovernedWorkspaceUnhealthy');
    expect(alert?.expr).toMatch(/paddock_governance_workspaces\{health="unhealthy"\}/);
  }, 120_000);

  it('answers only this machine unless a token is set, whatever X-Forwarded-For says', async () => {
    // A trusted proxy on loopback forwarding someone else: refused.
    const allowlist = await stack.api('GET', '/api/v1/admin/ip-allowlist');
    expect(allowlist.status).toBe(200);
    expect((await stack.api('PUT', '/api/v1/admin/ip-allowlist', { ...allowlist.body, trustedProxies: ['127.0.0.1'] })).status).toBe(200);
    try {
      const forwarded = await fetch(`${stack.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(forwarded.status).toBe(403);
      expect((await forwarded.json()).error.message).toMatch(/PADDOCK_METRICS_TOKEN/);
    } finally {
      expect((await stack.api('PUT', '/api/v1/admin/ip-allowlist', { ...allowlist.body, trustedProxies: [] })).status).toBe(200);
    }
  });

  it('with a token, asks every scraper for it', async () => {
    await stack.restartPortal({ metricsToken: METRICS_TOKEN });
    const none = await fetch(`${stack.url}/metrics`);
    expect(none.status).toBe(401);
    expect((await none.json()).error.code).toBe('unauthenticated');
    const wrong = await fetch(`${stack.url}/metrics`, { headers: { authorization: 'Bearer not-the-metrics-token-at-all' } });
    expect(wrong.status).toBe(403);
    const m = await scrape({ authorization: `Bearer ${METRICS_TOKEN}` });
    expect(one(m, 'paddock_workspaces', { state: 'running' })).toBe(1);
  }, 60_000);

  it('is ready only when its database answers, its migrations are applied and its tunnel listens', async () => {
    expect(await (await fetch(`${stack.url}/healthz`)).json()).toEqual({ ok: true });
    const ready = await fetch(`${stack.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, checks: { database: 'ok', migrations: 'ok', tunnel: 'ok' } });

    // A migration this portal ships is missing from the database (an older schema, a restore gone wrong).
    const latest = await stack.db.selectFrom('schema_migrations' as never).select((eb) => eb.fn.max('version' as never).as('v')).executeTakeFirstOrThrow() as { v: number };
    const row = await stack.db.deleteFrom('schema_migrations' as never).where('version' as never, '=', latest.v as never).returningAll().executeTakeFirstOrThrow() as { version: number; name: string };
    try {
      const notReady = await fetch(`${stack.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ ok: false, checks: { database: 'ok', migrations: `not applied: ${latest.v}`, tunnel: 'ok' } });
      // Alive all the same: restarting it would not help.
      expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    } finally {
      await stack.db.insertInto('schema_migrations' as never).values({ version: row.version, name: row.name } as never).execute();
    }
    expect((await fetch(`${stack.url}/readyz`)).status).toBe(200);
  });
});

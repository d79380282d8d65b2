import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInWorkspace } from '@paddock/agent';
import { DEMO_MODEL_ID, startModelSim, type ModelSim } from '@paddock/model-sim';
import { TestStack } from './harness/testStack.js';
import { parseMetrics, type Scrape } from './harness/prometheusText.js';

/** The agent's own listener: metrics and probes on loopback, beside (never through) the tunnel. */
describe("the agent's metrics and health", () => {
  let sim: ModelSim;
  let stack: TestStack;
  const at = (path: string) => `http://127.0.0.1:${stack.agentProcess.metricsServer!.port}${path}`;

  beforeAll(async () => {
    sim = await startModelSim();
    stack = await TestStack.start({ llm: { baseUrl: sim.url, apiKey: 'sk-ant-provider-agent-metrics', model: DEMO_MODEL_ID }, agent: { metricsAddress: '127.0.0.1:0' } });
  });
  afterAll(async () => {
    await stack?.close();
    await sim?.close();
  });

  const scrape = async (): Promise<Scrape> => {
    const res = await fetch(at('/metrics'));
    expect(res.status).toBe(200);
    return parseMetrics(await res.text());
  };
  const one = (m: Scrape, name: string, labels: Record<string, string> = {}): number => {
    const found = m.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    expect(found.length, `${name}${JSON.stringify(labels)}`).toBe(1);
    return found[0]!.value;
  };

  it('counts its tunnel, its workspaces and the model calls through its gateway', async () => {
    const id = await stack.runningWorkspace('agent-metered');
    const call = await runInWorkspace(stack.runtime, id,
      `curl -s -o /dev/null -w "%{http_code}\\n" -H "x-api-key: $ANTHROPIC_API_KEY" -H "anthropic-version: 2023-06-01" -H "content-type: application/json" -d '{"model":"${DEMO_MODEL_ID}","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}' $ANTHROPIC_BASE_URL/v1/messages`, 30_000);
    expect(call.output.trim()).toBe('200');
    const m = await scrape();
    expect(one(m, 'paddock_agent_tunnel_connected')).toBe(1);
    expect(one(m, 'paddock_agent_tunnel_connections_total')).toBe(1);
    expect(one(m, 'paddock_agent_workspaces', { state: 'running' })).toBe(1);
    expect(one(m, 'paddock_agent_gateway_request_duration_seconds_count', { status_code: '200' })).toBe(1);
    expect(one(m, 'paddock_agent_model_tokens_total', { kind: 'input' })).toBeGreaterThan(0);
    expect(one(m, 'paddock_agent_model_tokens_total', { kind: 'output' })).toBeGreaterThan(0);
    expect(one(m, 'paddock_agent_process_resident_memory_bytes')).toBeGreaterThan(0);
    for (const s of m.samples) expect(Object.values(s.labels), s.name).not.toContain(id);

    const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'deploy', 'grafana', 'paddock-agent.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const served = new Set(m.samples.map((s) => s.name));
    for (const p of dashboard.panels) {
      const asked = p.targets.flatMap((t) => t.expr.match(/paddock_[a-z0-9_]+/g) ?? []);
      expect(asked.length, p.title).toBeGreaterThan(0);
      for (const name of asked) expect(served.has(name), `${p.title}: ${name}`).toBe(true);
    }
  }, 60_000);

  it('is ready while connected to the portal with a usable runtime, and says which is missing', async () => {
    expect(await (await fetch(at('/healthz'))).json()).toEqual({ ok: true });
    expect(await (await fetch(at('/readyz'))).json()).toEqual({ ok: true, checks: { portal: 'ok', runtime: 'ok' } });
    await stack.portal.close();
    try {
      for (const deadline = Date.now() + 10_000; stack.agent.connected && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
      const notReady = await fetch(at('/readyz'));
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ ok: false, checks: { portal: 'not connected', runtime: 'ok' } });
      expect((await fetch(at('/healthz'))).status).toBe(200);
      expect(one(await scrape(), 'paddock_agent_tunnel_connected')).toBe(0);
    } finally {
      await stack.restartPortal();
      await stack.agent.waitConnected(30_000);
    }
    expect((await fetch(at('/readyz'))).status).toBe(200);
    // Connected again: a reconnection.
    expect(one(await scrape(), 'paddock_agent_tunnel_connections_total')).toBe(2);
  }, 60_000);

  it('serves nothing else, and no body is read', async () => {
    const other = await fetch(at('/api/v1/workspaces'));
    expect(other.status).toBe(404);
    expect((await other.json()).error.code).toBe('not_found');
    expect((await fetch(at('/metrics'), { method: 'POST', body: 'x' })).status).toBe(405);
  });
});

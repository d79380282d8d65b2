import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL_ID, startModelSim, type ModelSim, type SeenRequest } from '@paddock/model-sim';
import { LlmGateway, type LlmRoute } from '../../gateway/llm/llmGateway.js';
import { runInWorkspace } from '../workspaceShell.js';
import { LocalRuntime } from './localRuntime.js';

describe("a running sandbox's model route", () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'paddock-llm-route-'));
  const workspaceId = 'llm-route-1';
  let sim: ModelSim;
  const seen: SeenRequest[] = [];
  let gateway = new LlmGateway();
  let runtime = new LocalRuntime({ dataDir, llmGateway: gateway });

  beforeAll(async () => { sim = await startModelSim({ onRequest: (r) => seen.push(r) }); });
  afterAll(async () => {
    await runtime.ensureDeleted(workspaceId);
    await runtime.close();
    await gateway.closeAll();
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const route = (upstreamApiKey: string): LlmRoute => ({ upstreamBaseUrl: sim.url, upstreamApiKey, model: DEMO_MODEL_ID });
  const ensureRunning = (llm?: LlmRoute) => runtime.ensureRunning({ workspaceId, ownerId: 'o', blueprintId: 'b', env: {}, ...(llm ? { llm } : {}) });
  /** A model call from inside, as the tools make it: its HTTP status, and the provider key the model saw. */
  async function modelCall(): Promise<{ status: string; providerKey: unknown }> {
    const before = seen.length;
    const res = await runInWorkspace(runtime, workspaceId,
      `curl -s --max-time 15 -o /dev/null -w "%{http_code}\\n" -H "x-api-key: $ANTHROPIC_API_KEY" -H "content-type: application/json" -d '{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}' "$ANTHROPIC_BASE_URL/v1/messages"`,
      30_000);
    return { status: res.output.trim(), providerKey: seen.slice(before).find((r) => r.path === '/v1/messages')?.headers['x-api-key'] };
  }
  const virtualKey = async () => (await runInWorkspace(runtime, workspaceId, 'echo "$ANTHROPIC_API_KEY"')).output.trim();

  it('listens again after an agent restart with the key the sandbox holds, follows the route it is sent, and closes without one', async () => {
    await ensureRunning(route('sk-first'));
    const key = await virtualKey();
    expect(await modelCall()).toEqual({ status: '200', providerKey: 'sk-first' });

    // The agent goes away: its listeners with it. The sandbox keeps running and says why calls fail.
    await runtime.close();
    await gateway.closeAll();
    gateway = new LlmGateway();
    runtime = new LocalRuntime({ dataDir, llmGateway: gateway });
    expect(await modelCall()).toEqual({ status: '503', providerKey: undefined });

    // The portal re-sends the spec (with a rotated key, here): same sandbox, same virtual key.
    await ensureRunning(route('sk-second'));
    expect(await modelCall()).toEqual({ status: '200', providerKey: 'sk-second' });
    expect(await virtualKey()).toBe(key);

    // The route is gone from the spec: no calls leave; it comes back with the same key.
    await ensureRunning();
    expect(await modelCall()).toEqual({ status: '503', providerKey: undefined });
    await ensureRunning(route('sk-third'));
    expect(await modelCall()).toEqual({ status: '200', providerKey: 'sk-third' });
    expect(await virtualKey()).toBe(key);
  }, 120_000);
});

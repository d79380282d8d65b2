import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL_ID, startModelSim, type ModelSim, type SeenRequest } from '@paddock/model-sim';
import { BridgeKeys } from '../../bridges/bridgeKeys.js';
import { LlmBridge } from '../../bridges/llmBridge.js';
import type { LlmRoute } from '@paddock/protocol';
import { LlmGateway } from '../../gateway/llm/llmGateway.js';
import { SpecNotAppliedError } from '../../workspaces/specNotApplied.js';
import { Workspaces } from '../../workspaces/workspaces.js';
import { runInWorkspace } from '../workspaceShell.js';
import { LocalRuntime } from './localRuntime.js';

describe("a running sandbox's model route", () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'paddock-llm-route-'));
  const workspaceId = 'llm-route-1';
  const refreshedId = 'llm-route-2';
  let sim: ModelSim;
  const seen: SeenRequest[] = [];
  /** The agent's workspaces over the local runtime, with the model bridge, as the agent builds them. */
  const agentWorkspaces = () => {
    const keys = new BridgeKeys(dataDir);
    return new Workspaces(new LocalRuntime({ dataDir }), [new LlmBridge(new LlmGateway(), keys)], keys);
  };
  let workspaces = agentWorkspaces();
  let runtime = workspaces.runtime;

  beforeAll(async () => { sim = await startModelSim({ onRequest: (r) => seen.push(r) }); });
  afterAll(async () => {
    await workspaces.ensureDeleted(workspaceId);
    await workspaces.ensureDeleted(refreshedId);
    await workspaces.close();
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const route = (upstreamApiKey: string): LlmRoute => ({ upstreamBaseUrl: sim.url, upstreamApiKey, model: DEMO_MODEL_ID });
  const ensureRunning = (llm?: LlmRoute, id = workspaceId) => workspaces.ensureRunning({ workspaceId: id, ownerId: 'o', blueprintId: 'b', env: {}, ...(llm ? { llm } : {}) });
  /** A model call from inside, as the tools make it: its HTTP status, and the provider key the model saw. */
  async function modelCall(id = workspaceId): Promise<{ status: string; providerKey: unknown }> {
    const before = seen.length;
    const res = await runInWorkspace(runtime, id,
      `curl -s --max-time 15 -o /dev/null -w "%{http_code}\\n" -H "x-api-key: $ANTHROPIC_API_KEY" -H "content-type: application/json" -d '{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}' "$ANTHROPIC_BASE_URL/v1/messages"`,
      30_000);
    return { status: res.output.trim(), providerKey: seen.slice(before).find((r) => r.path === '/v1/messages')?.headers['x-api-key'] };
  }
  const virtualKey = async (id = workspaceId) => (await runInWorkspace(runtime, id, 'echo "$ANTHROPIC_API_KEY"')).output.trim();

  it('listens again after an agent restart with the key the sandbox holds, follows the route it is sent, and closes without one', async () => {
    await ensureRunning(route('sk-first'));
    const key = await virtualKey();
    expect(await modelCall()).toEqual({ status: '200', providerKey: 'sk-first' });

    // The agent goes away: its listeners with it. The sandbox keeps running and says why calls fail.
    await workspaces.close();
    workspaces = agentWorkspaces();
    runtime = workspaces.runtime;
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

  it('runs on with the route it had when a route sent again cannot be taken; a daemon that stopped answering is not running', async () => {
    const id = refreshedId;
    await ensureRunning(route('sk-kept'), id);
    const key = await virtualKey(id);
    // The sandbox's /tmp is its own: the marker says it is still the sandbox that was started.
    await runInWorkspace(runtime, id, 'echo first > /tmp/marker');
    expect(await modelCall(id)).toEqual({ status: '200', providerKey: 'sk-kept' });

    // A route the gateway refuses: not applied, and nothing else changes.
    const refused = ensureRunning({ upstreamBaseUrl: 'ftp://models.example.com', upstreamApiKey: 'sk-refused', model: DEMO_MODEL_ID }, id);
    await expect(refused).rejects.toBeInstanceOf(SpecNotAppliedError);
    await expect(refused).rejects.toThrow(/model route could not be applied: the LLM upstream must be http\(s\)/);
    expect(await runtime.status(id)).toBe('running');
    expect(await modelCall(id)).toEqual({ status: '200', providerKey: 'sk-kept' });

    // A socket path the gateway cannot listen on: not applied either; the sandbox runs on.
    const socketPath = join(dataDir, 'workspaces', id, 'bridges', 'llm.sock');
    rmSync(socketPath);
    mkdirSync(socketPath);
    await expect(ensureRunning(route('sk-next'), id)).rejects.toBeInstanceOf(SpecNotAppliedError);
    expect(await runtime.status(id)).toBe('running');
    // Once the path is usable again, the route sent again is taken: same sandbox, same key.
    rmSync(socketPath, { recursive: true });
    await ensureRunning(route('sk-next'), id);
    expect(await modelCall(id)).toEqual({ status: '200', providerKey: 'sk-next' });
    expect(await virtualKey(id)).toBe(key);
    expect((await runInWorkspace(runtime, id, 'cat /tmp/marker')).output).toBe('first\n');

    // A daemon that no longer answers: the workspace isn't running, and that is an error of its own kind.
    // Another workspace's daemon answers beside it: the check must reach this one's.
    await ensureRunning(route('sk-neighbour'));
    const init = (JSON.parse(readFileSync(join(dataDir, 'workspaces', id, 'state.json'), 'utf8')) as { sandboxInit: { pid: number } }).sandboxInit.pid;
    const daemon = Number(readFileSync(`/proc/${init}/task/${init}/children`, 'utf8').trim().split(' ')[0]);
    process.kill(daemon, 'SIGSTOP');
    try {
      const hung = ensureRunning(route('sk-next'), id);
      await expect(hung).rejects.toThrow(/daemon did not answer/);
      await expect(hung).rejects.not.toBeInstanceOf(SpecNotAppliedError);
    } finally {
      process.kill(daemon, 'SIGCONT');
    }
  }, 120_000);
});

import type { EffectivePolicy } from '@paddock/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInWorkspace } from '@paddock/agent';
import { DEMO_MODEL_ID, startModelSim, type ModelSim, type SeenRequest } from '@paddock/model-sim';
import { TestStack } from './harness/testStack.js';

/**
 * The LLM gateway's governance, seen by the real `claude` CLI in a real
 * sandbox. The policy is set on the agent's decider directly, as the portal's
 * push will (issue 9's portal side carries it in the spec).
 */
describe("the real claude CLI under the LLM gateway's governance (issue 9)", () => {
  let sim: ModelSim;
  let stack: TestStack;
  const seen: SeenRequest[] = [];

  beforeAll(async () => {
    sim = await startModelSim({ onRequest: (r) => seen.push(r) });
    stack = await TestStack.start({ llm: { baseUrl: sim.url, apiKey: 'sk-ant-provider-governed', model: DEMO_MODEL_ID } });
  });
  afterAll(async () => {
    await stack?.close();
    await sim?.close();
  });

  const policy = (over: Partial<EffectivePolicy> = {}): EffectivePolicy => ({
    mode: 'enforce',
    defaults: { llm_call: 'allow', bash_command: 'allow', file_write: 'allow', git_push: 'allow', http_request: 'deny' },
    rules: [],
    contentFilters: { secrets: true, privateKeys: true, exfiltration: true },
    killSwitch: { engaged: false },
    holdTimeoutSeconds: 300,
    ...over,
  });

  it('shows the kill switch reason instead of an answer, reaches no model, and works again after release', async () => {
    const id = await stack.runningWorkspace('gov-kill');
    const decider = stack.agentProcess.decider;
    decider.setPolicy(id, policy({ killSwitch: { engaged: true, scope: 'org', reason: 'incident drill' } }));
    const before = seen.length;
    const refused = await runInWorkspace(stack.runtime, id, 'claude -p "say hello" 2>&1', 90_000);
    expect(refused.output).toContain("kill switch is engaged: incident drill");
    expect(refused.output).not.toContain('Hello from the Paddock demo model');
    expect(seen.slice(before).filter((r) => r.path.startsWith('/v1/messages'))).toEqual([]);

    decider.setPolicy(id, policy());
    const answered = await runInWorkspace(stack.runtime, id, 'claude -p "say hello" 2>&1', 90_000);
    expect(answered.output).toContain('Hello from the Paddock demo model');
  }, 240_000);

  it('cuts a stream in flight when the kill switch is engaged, and claude exits saying why', async () => {
    const id = await stack.runningWorkspace('gov-cut');
    const decider = stack.agentProcess.decider;
    decider.setPolicy(id, policy());
    const before = seen.length;
    const started = Date.now();
    const running = runInWorkspace(stack.runtime, id, 'claude -p "count slowly" 2>&1', 120_000);
    // The scripted model streams a number each half second: wait until the stream is under way.
    for (const deadline = Date.now() + 60_000; !seen.slice(before).some((r) => JSON.stringify(r.body ?? '').includes('count slowly')) && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 1500));
    const engagedAt = Date.now();
    decider.setPolicy(id, policy({ killSwitch: { engaged: true, scope: 'blueprint', reason: 'stop now' } }));
    const cut = await running;
    // The whole count would take 100 s. The gateway cuts at once (its own test: under a second);
    // claude's exit, its retry refused with the reason, took 1.4 s here.
    expect(Date.now() - engagedAt).toBeLessThan(5_000);
    expect(engagedAt - started).toBeLessThan(90_000);
    expect(cut.output).toContain('stop now');
    expect(cut.output).not.toContain(' 200');
  }, 240_000);

  it('refuses a prompt that carries a secret, showing it masked', async () => {
    const id = await stack.runningWorkspace('gov-secret');
    stack.agentProcess.decider.setPolicy(id, policy());
    const token = `ghp_${'Zq8x'.repeat(9)}`;
    const before = seen.length;
    const refused = await runInWorkspace(stack.runtime, id, `claude -p "push with my token ${token}" 2>&1`, 90_000);
    expect(refused.output).toContain('ghp_***');
    expect(seen.slice(before).some((r) => JSON.stringify(r.body ?? '').includes(token))).toBe(false);
  }, 240_000);
});

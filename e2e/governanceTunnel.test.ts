import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '@paddock/portal';
import { effectivePolicySchema, type EffectivePolicy, type HoldDecision, type HoldRequest } from '@paddock/protocol';
import { TestStack } from './harness/testStack.js';

/**
 * Governance over the real tunnel (issue 9): a policy, kill switch or grant
 * change reaches the connected agent's spec within a second; the agent's
 * uplink batches events into the portal and holds actions, and each admin
 * decision (or expiry, by the injected clock) comes back to it.
 */
let stack: TestStack;
let workspaceId: string;
const clock = new FakeClock(new Date());

/** Resolves with the first policy the agent is sent for the workspace that passes `until`, and how long it took. */
function nextPolicy(until: (p: EffectivePolicy) => boolean, timeoutMs = 5000): Promise<{ policy: EffectivePolicy; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { stack.agent.off('governance-policy', listener); reject(new Error('no such policy reached the agent')); }, timeoutMs);
    const listener = (id: string, json: string) => {
      if (id !== workspaceId || !json) return;
      const policy = effectivePolicySchema.parse(JSON.parse(json));
      if (!until(policy)) return;
      clearTimeout(timer);
      stack.agent.off('governance-policy', listener);
      resolve({ policy, ms: performance.now() - started });
    };
    stack.agent.on('governance-policy', listener);
  });
}

function nextDecision(heldId: string, timeoutMs = 5000): Promise<HoldDecision> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no decision reached the agent')), timeoutMs);
    const listener = (d: HoldDecision) => {
      if (d.heldId !== heldId) return;
      clearTimeout(timer);
      stack.agent.off('hold-decision', listener);
      resolve(d);
    };
    stack.agent.on('hold-decision', listener);
  });
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const forcePush = (over: Partial<HoldRequest> = {}): HoldRequest => ({
  workspaceId, action: { class: 'git_push', remote: 'origin', ref: 'refs/heads/main', force: true, delete: false },
  summary: 'git push --force to origin/main', ruleId: 'default-force-push', timeoutSeconds: 300, ...over,
});

beforeAll(async () => {
  stack = await TestStack.start({ clock });
  workspaceId = await stack.runningWorkspace('governed');
}, 120_000);
afterAll(async () => { await stack?.close(); });

describe('policy delivery', () => {
  it('a PUT of the org policy reaches the running workspace\'s agent within a second', async () => {
    const org = (await stack.api('GET', '/api/v1/governance/policy')).body;
    const arrived = nextPolicy((p) => p.mode === 'enforce');
    const res = await stack.api('PUT', '/api/v1/governance/policy', { ...org, mode: 'enforce' });
    expect(res.status).toBe(200);
    const { policy, ms } = await arrived;
    expect(ms).toBeLessThan(1000);
    expect(policy.rules.map((r) => r.id)).toEqual(res.body.rules.map((r: { id: string }) => r.id));
    expect(policy.holdTimeoutSeconds).toBe(300);
  });

  it("a blueprint's override and kill switch reach it within a second, and the release too", async () => {
    const starter = await stack.starterId();
    let arrived = nextPolicy((p) => p.defaults.bash_command === 'ask');
    expect((await stack.api('PUT', `/api/v1/blueprints/${starter}/governance`, { defaults: { bash_command: 'ask' } })).status).toBe(200);
    expect((await arrived).ms).toBeLessThan(1000);

    arrived = nextPolicy((p) => p.killSwitch.engaged);
    expect((await stack.api('PUT', '/api/v1/governance/kill-switch', { scope: 'blueprint', blueprintId: starter, engaged: true, reason: 'drill' })).status).toBe(200);
    const engaged = await arrived;
    expect(engaged.ms).toBeLessThan(1000);
    expect(engaged.policy.killSwitch).toEqual({ engaged: true, scope: 'blueprint', reason: 'drill' });

    arrived = nextPolicy((p) => !p.killSwitch.engaged);
    await stack.api('PUT', '/api/v1/governance/kill-switch', { scope: 'blueprint', blueprintId: starter, engaged: false });
    expect((await arrived).ms).toBeLessThan(1000);
  });
});

describe("the agent's uplink", () => {
  it("batches the decider's events into the portal, tagged with the workspace's owner and blueprint", async () => {
    const uplink = stack.agentParts.governanceUplink;
    const at = clock.now().toISOString();
    for (let i = 0; i < 5; i++) uplink.report({ workspaceId, at, point: 'proxy', class: 'http_request', summary: `GET evil.example/${i}`, verdict: 'deny', enforced: true });
    // Someone else's workspace id: the portal refuses to store it for this agent.
    uplink.report({ workspaceId: 'not-mine', at, point: 'hook', class: 'bash_command', summary: 'ls', verdict: 'allow', enforced: false });
    const page = await until(
      async () => (await stack.api('GET', `/api/v1/governance/events?workspaceId=${workspaceId}&class=http_request`)).body,
      (b) => b.items.length >= 5,
    );
    expect(page.items).toHaveLength(5);
    const me = (await stack.api('GET', '/api/v1/auth/me')).body.user.id;
    expect(page.items[0]).toMatchObject({ workspaceId, userId: me, blueprintId: await stack.starterId(), verdict: 'deny', enforced: true, summary: 'GET evil.example/4' });
    expect((await stack.api('GET', '/api/v1/governance/events?workspaceId=not-mine')).body.items).toEqual([]);
  });

  it('holds an action at once; an admin approving once releases it and every same hold, at the agent', async () => {
    const uplink = stack.agentParts.governanceUplink;
    const held = await uplink.hold(forcePush());
    const twin = await uplink.hold(forcePush());
    expect(Date.parse(held.expiresAt) - clock.now().getTime()).toBe(300_000);
    const pending = (await stack.api('GET', '/api/v1/governance/approvals?state=pending')).body.items;
    expect(pending.map((a: { id: string }) => a.id)).toEqual(expect.arrayContaining([held.id, twin.id]));

    const decided = [nextDecision(held.id), nextDecision(twin.id)];
    const res = await stack.api('POST', `/api/v1/governance/approvals/${held.id}`, { decision: 'approve', scope: 'once' });
    expect(res.status).toBe(200);
    expect(res.body.released).toEqual([twin.id]);
    expect(await Promise.all(decided)).toEqual([
      { heldId: held.id, decision: 'approve', reason: 'approved by admin@example.com' },
      { heldId: twin.id, decision: 'approve', reason: 'approved by admin@example.com' },
    ]);
  });

  it('approving for N minutes adds the exact rule to the agent\'s policy within a second, until the minutes are up', async () => {
    const held = await stack.agentParts.governanceUplink.hold(forcePush({ action: { class: 'bash_command', command: 'dropdb shop' }, summary: 'dropdb shop', ruleId: 'default-db-drop-1' }));
    const arrived = nextPolicy((p) => p.rules[0]?.match.command === 'dropdb shop');
    const decided = nextDecision(held.id);
    expect((await stack.api('POST', `/api/v1/governance/approvals/${held.id}`, { decision: 'approve', scope: 'minutes', minutes: 5 })).status).toBe(200);
    const { policy, ms } = await arrived;
    expect(ms).toBeLessThan(1000);
    expect(policy.rules[0]).toMatchObject({ class: 'bash_command', verdict: 'allow' });
    expect((await decided).decision).toBe('approve');

    const ended = nextPolicy((p) => p.rules[0]?.match.command !== 'dropdb shop');
    clock.advance(5 * 60_000);
    expect((await ended).ms).toBeLessThan(2000);
  });

  it('a hold nobody decides is denied at its expiry, by the clock', async () => {
    const held = await stack.agentParts.governanceUplink.hold(forcePush({ timeoutSeconds: 60 }));
    const decided = nextDecision(held.id);
    clock.advance(60_000);
    expect(await decided).toEqual({ heldId: held.id, decision: 'deny', reason: 'no admin decided in time' });
    const items = (await stack.api('GET', '/api/v1/governance/approvals?state=expired')).body.items;
    expect(items.map((a: { id: string }) => a.id)).toContain(held.id);
  });

  it("refuses a hold for a workspace the agent doesn't run", async () => {
    await expect(stack.agentParts.governanceUplink.hold(forcePush({ workspaceId: 'not-mine' }))).rejects.toThrow(/no such workspace/);
  });
});

import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { GovernanceHealth__Output, PortalMessage } from '@paddock/protocol/tunnel';
import { AuditLog } from '../audit/auditLog.js';
import { BOOTSTRAP } from '../auth/actor.js';
import { Identity } from '../auth/identity.js';
import { BlueprintAccessControl } from '../blueprints/blueprintAccess.js';
import { Blueprints } from '../blueprints/blueprints.js';
import { FakeClock } from '../clock.js';
import { InProcessEventBus } from '../events/eventBus.js';
import { PortalMetrics } from '../metrics/portalMetrics.js';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase.js';
import { AgentHub } from '../tunnel/agentHub.js';
import { Workspaces } from '../workspaces/workspaces.js';
import { GovernanceHealth, healthProblems } from './governanceHealth.js';

const all = { hooks: 'active', gateway: 'active', proxy: 'active', mode: 'enforce', killSwitch: false, stopped: false } as const;
const health = (workspaceId: string, h: Partial<GovernanceHealth__Output> = {}): GovernanceHealth__Output => ({ workspaceId, ...all, ...h });

/**
 * The portal's view of governance health: what each connected agent says of its
 * running workspaces, and "unknown", never "healthy", where nothing was said.
 */
describe('governance health', () => {
  let t: TestDatabase;
  let hub: AgentHub;
  let governanceHealth: GovernanceHealth;
  const lines: Array<{ level: number; msg: string; workspaceId?: string }> = [];
  const ids: string[] = [];
  let ownerId: string;
  let blueprintId: string;
  let agent1: EventEmitter;

  /** An agent's control stream, as the tunnel server attaches it; ending it is the agent going away. */
  function connect(agentId: string) {
    const call = Object.assign(new EventEmitter(), { write: (_m: PortalMessage) => true, end: () => { call.emit('end'); } });
    hub.attach(agentId, call as unknown as Parameters<AgentHub['attach']>[1], { workspaces: [] } as unknown as Parameters<AgentHub['attach']>[2]);
    return call;
  }
  const item = async (id: string) => (await governanceHealth.report()).items.find((i) => i.workspaceId === id)!;
  /** An agent's report, through the hub as the tunnel server hands it over, taken. */
  const say = async (agentId: string, h: GovernanceHealth__Output) => {
    hub.handleMessage(agentId, { governanceHealth: h });
    await governanceHealth.settled();
  };

  beforeAll(async () => {
    t = await openTestDatabase();
    const clock = new FakeClock();
    hub = new AgentHub({ clock });
    const audit = new AuditLog(t.db, clock);
    const access = new BlueprintAccessControl(t.db, clock, audit);
    const identity = new Identity(t.db, clock, audit);
    const user = await identity.createUser({ email: 'hal@example.com', name: 'Hal', role: 'admin', password: 'a-long-enough-password' }, BOOTSTRAP);
    const actor = (await identity.actorById(user.id))!;
    ownerId = user.id;
    blueprintId = (await new Blueprints(t.db, clock, audit, access).create({ name: 'B', description: '' }, BOOTSTRAP)).id;
    const workspaces = new Workspaces(t.db, clock, audit, new InProcessEventBus(pino({ level: 'silent' })), access);
    for (const agent of ['agent-1', 'agent-2']) {
      await t.db.insertInto('agents').values({ id: agent, name: agent, secret_hash: 'x', version: 'test', created_at: clock.now(), last_seen_at: null }).execute();
    }
    // Four running workspaces on agent-1, one stopped.
    for (const name of ['a', 'b', 'c', 'd', 'stopped']) {
      const w = await workspaces.create(actor, { blueprintId, name });
      await t.db.updateTable('workspaces').set({ state: name === 'stopped' ? 'stopped' : 'running', agent_id: 'agent-1' }).where('id', '=', w.id).execute();
      ids.push(w.id);
    }
    const log = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line)); } });
    governanceHealth = new GovernanceHealth({ db: t.db, clock, hub, log });
    governanceHealth.start();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('with no agent connected, every running workspace is unknown: none is counted healthy', async () => {
    const r = await governanceHealth.report();
    expect(r).toMatchObject({ runningWorkspaces: 4, healthy: 0, unhealthy: 0, unknown: 4, share: 0 });
    expect(r.items.map((i) => i.workspaceId).sort()).toEqual(ids.slice(0, 4).sort());
    expect(r.items[0]).toMatchObject({ ownerId, blueprintId, hooks: 'unknown', mode: 'unknown', reportedAt: null });
    expect(r.items[0]!.problems[0]).toMatch(/not connected to this portal/);
    // Counted on no replica: the one its agent is connected to counts it.
    expect(await governanceHealth.countsHere()).toEqual({ healthy: 0, unhealthy: 0, unknown: 0 });
  });

  it('takes each report of the agent the workspace is placed on; an agent that says nothing (older than 1.4) leaves it unknown', async () => {
    agent1 = connect('agent-1');
    const [a, b, c, d] = ids as [string, string, string, string];
    await say('agent-1', health(a));
    await say('agent-1', health(b, { gateway: 'unused', mode: 'monitor' }));
    await say('agent-1', health(c, { proxy: 'missing' }));
    // Another agent speaking for a workspace it doesn't run is not heard.
    connect('agent-2');
    await say('agent-2', health(d));

    const r = await governanceHealth.report();
    expect(r).toMatchObject({ runningWorkspaces: 4, healthy: 2, unhealthy: 1, unknown: 1, share: 0.5 });
    // Problems first.
    expect(r.items.map((i) => i.health)).toEqual(['unhealthy', 'unknown', 'healthy', 'healthy']);
    expect(r.items[0]).toMatchObject({ workspaceId: c, hooks: 'active', gateway: 'active', proxy: 'missing', mode: 'enforce' });
    expect(r.items[0]!.problems).toEqual(['Egress proxy: it does not serve the workspace, its only way out.']);
    expect(r.items[1]).toMatchObject({ workspaceId: d, health: 'unknown' });
    expect(r.items[1]!.problems[0]).toMatch(/older than tunnel protocol 1\.4/);
    expect(await item(b)).toMatchObject({ health: 'healthy', gateway: 'unused', mode: 'monitor', problems: [] });
    expect(await governanceHealth.countsHere()).toEqual({ healthy: 2, unhealthy: 1, unknown: 1 });
  });

  it('logs a workspace going unhealthy once, and its recovery', async () => {
    const c = ids[2]!;
    const unhealthy = () => lines.filter((l) => l.workspaceId === c && /is unhealthy/.test(l.msg));
    expect(unhealthy()).toHaveLength(1);
    expect(unhealthy()[0]!.level).toBe(40);
    await say('agent-1', health(c, { proxy: 'missing' }));
    expect(unhealthy()).toHaveLength(1);
    await say('agent-1', health(c));
    expect(lines.filter((l) => l.workspaceId === c && /healthy again/.test(l.msg))).toHaveLength(1);
    expect(await item(c)).toMatchObject({ health: 'healthy' });
  });

  it("keeps nothing and logs nothing of a workspace the agent doesn't run; of two reports at once, the later counts", async () => {
    await say('agent-1', health('no-such-workspace', { proxy: 'missing' }));
    await say('agent-2', health(ids[3]!, { proxy: 'missing' }));
    expect(lines.filter((l) => l.workspaceId === 'no-such-workspace' || l.workspaceId === ids[3])).toEqual([]);
    const b = ids[1]!;
    hub.handleMessage('agent-1', { governanceHealth: health(b, { hooks: 'missing' }) });
    hub.handleMessage('agent-1', { governanceHealth: health(b, { gateway: 'unused', mode: 'monitor' }) });
    await governanceHealth.settled();
    expect(await item(b)).toMatchObject({ health: 'healthy', hooks: 'active' });
  });

  it('does not take a word it does not know for a good one', async () => {
    const a = ids[0]!;
    await say('agent-1', health(a, { hooks: 'fine', mode: 'strict' }));
    expect(await item(a)).toMatchObject({ health: 'unhealthy', hooks: 'unknown', mode: 'unknown' });
    await say('agent-1', health(a));
  });

  it('forgets a stopped workspace, and every report of an agent that went away', async () => {
    const [a, b] = ids as [string, string];
    await say('agent-1', health(a, { stopped: true }));
    expect(await item(a)).toMatchObject({ health: 'unknown' });
    await say('agent-1', health(a));
    expect(await item(a)).toMatchObject({ health: 'healthy' });
    // A reconnect must say it all again: until then, unknown.
    agent1.emit('end');
    agent1 = connect('agent-1');
    expect(await item(a)).toMatchObject({ health: 'unknown' });
    expect(await item(b)).toMatchObject({ health: 'unknown' });
  });

  it('says in words what is missing; a kill switch engaged is no problem, governance off is', () => {
    expect(healthProblems({ hooks: 'missing', gateway: 'missing', proxy: 'active', mode: 'off' })).toEqual([
      "Agent hooks: paddock-guard's policy bridge does not serve it, so its AI tools' calls are not checked.",
      "LLM gateway: it does not serve the workspace's model route.",
      'Governance is off: no enforcement point applies a policy to it.',
    ]);
    expect(healthProblems({ hooks: 'active', gateway: 'unused', proxy: 'active', mode: 'monitor' })).toEqual([]);
  });

  it('is a gauge on the portal registry, labelled by health only', async () => {
    const metrics = new PortalMetrics();
    metrics.observeGovernance(t.db, { killSwitch: async () => ({ org: { engaged: true }, blueprints: { x: { engaged: true }, y: { engaged: false } } }) }, governanceHealth);
    await say('agent-1', health(ids[0]!, { hooks: 'missing' }));
    const text = (await metrics.text()).body;
    expect(text).toContain('paddock_governance_workspaces{health="unhealthy"} 1');
    expect(text).toContain('paddock_governance_workspaces{health="unknown"} 3');
    expect(text).toContain('paddock_governance_kill_switch_engaged{scope="org"} 1');
    expect(text).toContain('paddock_governance_kill_switch_engaged{scope="blueprint"} 1');
    expect(text).toContain('paddock_governance_held_actions 0');
    for (const id of ids) expect(text).not.toContain(id);
  });
});

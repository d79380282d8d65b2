import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { DEFAULT_WORKSPACE_LIMITS, type Workspace } from '@paddock/protocol';
import type { PortalMessage } from '@paddock/protocol/tunnel';
import { AuditLog } from '../audit/auditLog.js';
import { BlueprintAccessControl } from '../blueprints/blueprintAccess.js';
import { Blueprints } from '../blueprints/blueprints.js';
import { BlueprintLlmKeys, WorkspaceSetup } from '../blueprints/workspaceSetup.js';
import { BlueprintSecrets } from '../secrets/blueprintSecrets.js';
import { MasterKeyRing } from '../secrets/masterKeys.js';
import { Secrets } from '../secrets/secrets.js';
import type { UserActor } from '../auth/actor.js';
import { Identity } from '../auth/identity.js';
import { FakeClock } from '../clock.js';
import { InProcessEventBus } from '../events/eventBus.js';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase.js';
import { AgentHub } from '../tunnel/agentHub.js';
import { GovernancePolicies } from '../governance/governancePolicies.js';
import { PortalMetrics } from '../metrics/portalMetrics.js';
import { GovernanceEvents } from '../governance/governanceEvents.js';
import { Budgets } from '../usage/budgets.js';
import { BudgetWatch } from '../usage/budgetWatch.js';
import { LlmUsage } from '../usage/llmUsage.js';
import { ModelPrices } from '../usage/modelPrices.js';
import { Reconciler } from './reconciler.js';
import { Workspaces } from './workspaces.js';
import { BOOTSTRAP } from '../auth/actor.js';

/**
 * The reconciler is one subscriber of the event bus among others. A pass begins
 * synchronously (trigger → pass → the access sweep), so counting the sweep's calls
 * tells, without waiting on anything, whether an event started one. Its 5 s resync
 * is held (fake setInterval only; the database's own timers stay real).
 */
describe('the reconciler on the event bus', () => {
  let t: TestDatabase;
  let bus: InProcessEventBus;
  let workspaces: Workspaces;
  let reconciler: Reconciler;
  let workspace: Workspace;
  let passes = 0;
  let actor: UserActor;
  let clock: FakeClock;
  let blueprintId: string;

  beforeAll(async () => {
    t = await openTestDatabase();
    clock = new FakeClock();
    const built = await buildReconciler(t, clock, new AgentHub());
    ({ bus, workspaces, reconciler, actor } = built);
    const sweep = workspaces.stopWhereBlueprintAccessLost.bind(workspaces);
    workspaces.stopWhereBlueprintAccessLost = (by) => { passes += 1; return sweep(by); };
    // Another subscriber, subscribed first, that throws: the reconciler hears every event all the same.
    bus.on('workspace', () => { throw new Error('a broken live view'); });
    blueprintId = built.blueprintId;
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    reconciler.start();
    workspace = await workspaces.create(actor, { blueprintId, name: 'w' });
    await reconciler.settled();
  });
  afterAll(async () => {
    await reconciler?.stop();
    vi.useRealTimers();
    await t?.close();
  });

  it("runs a pass for a change of a workspace's state or wish, however many others listen", async () => {
    const heard: string[] = [];
    const unsubscribe = bus.on('workspace', (w) => { heard.push(w.desiredState); });
    const before = passes;
    const stopped = await workspaces.setDesired(actor, workspace.id, 'stopped');
    expect(passes).toBe(before + 1);
    expect(heard).toEqual(['stopped']);
    unsubscribe();
    await reconciler.settled();
    workspace = stopped;
  });

  it('runs none for an event that changed neither (a resource report, a message)', async () => {
    const before = passes;
    bus.publish('workspace', { ...workspace, stateMessage: 'a message', resources: { ...workspace.resources, oomKills: 1 } });
    expect(passes).toBe(before);
  });
});

/**
 * Its timeouts run on the clock it is given: a start the agent never answered is sent again
 * after INFLIGHT_TIMEOUT_MS (60 s) by that clock, and not a moment before, however many passes run.
 */
describe("the reconciler's timeouts", () => {
  let t: TestDatabase;
  let clock: FakeClock;
  let hub: AgentHub;
  let reconciler: Reconciler;
  let metrics: PortalMetrics;
  const sent: PortalMessage[] = [];

  beforeAll(async () => {
    t = await openTestDatabase();
    clock = new FakeClock();
    hub = new AgentHub({ clock });
    const built = await buildReconciler(t, clock, hub);
    ({ reconciler, metrics } = built);
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    reconciler.start();
    await t.db.insertInto('agents').values({ id: 'agent-1', name: 'agent-1', secret_hash: 'x', version: 'test', created_at: clock.now(), last_seen_at: null }).execute();
    // An agent's control stream, as the tunnel server would attach it: it records what it is sent and never answers.
    const call = Object.assign(new EventEmitter(), { write: (m: PortalMessage) => { sent.push(m); return true; }, end: () => undefined });
    hub.attach('agent-1', call as unknown as Parameters<AgentHub['attach']>[1], { workspaces: [] } as unknown as Parameters<AgentHub['attach']>[2]);
    await built.workspaces.create(built.actor, { blueprintId: built.blueprintId, name: 'w' });
    await reconciler.settled();
  });
  afterAll(async () => {
    await reconciler?.stop();
    vi.useRealTimers();
    await t?.close();
  });

  const starts = () => sent.filter((m) => m.command?.ensureRunning).length;
  async function passAfter(ms: number): Promise<number> {
    clock.advance(ms);
    reconciler.trigger();
    await reconciler.settled();
    return starts();
  }

  const retries = async () => (await metrics.reconcilerRetries.get()).values.find((v) => v.labels.verb === 'run')?.value ?? 0;

  it('sends an unanswered start again only once its timeout has passed on its clock, and counts each retry', async () => {
    expect(starts()).toBe(1);
    expect(await passAfter(0)).toBe(1);
    expect(await passAfter(59_000)).toBe(1);
    expect(await retries()).toBe(0);
    expect(await passAfter(2_000)).toBe(2);
    expect(await retries()).toBe(1);
    // The new send starts a new wait.
    expect(await passAfter(59_000)).toBe(2);
    expect(await passAfter(2_000)).toBe(3);
    expect(await retries()).toBe(2);
  });
});

/** The portal's budgets over the test database: none are set, so nothing is refused. */
function budgetWatchOver(t: TestDatabase, clock: FakeClock, audit: AuditLog, bus: InProcessEventBus, metrics: PortalMetrics) {
  const modelPrices = new ModelPrices(t.db, clock, audit);
  return new BudgetWatch({
    db: t.db, clock, events: bus, modelPrices, metrics, log: pino({ level: 'silent' }),
    governanceEvents: new GovernanceEvents({ db: t.db, clock, events: bus, metrics }),
    budgets: new Budgets(t.db, clock, audit), usage: new LlmUsage(t.db, clock, bus, modelPrices),
  });
}

/** A reconciler over a test database, with one admin and one blueprint. */
async function buildReconciler(t: TestDatabase, clock: FakeClock, hub: AgentHub) {
  const metrics = new PortalMetrics();
  const audit = new AuditLog(t.db, clock);
  const access = new BlueprintAccessControl(t.db, clock, audit);
  const identity = new Identity(t.db, clock, audit);
  const user = await identity.createUser({ email: 'rea@example.com', name: 'Rea', role: 'admin', password: 'a-long-enough-password' }, BOOTSTRAP);
  const actor = (await identity.actorById(user.id))!;
  const blueprint = await new Blueprints(t.db, clock, audit, access).create({ name: 'B', description: '' }, BOOTSTRAP);
  const bus = new InProcessEventBus(pino({ level: 'silent' }));
  const workspaces = new Workspaces(t.db, clock, audit, bus, access);
  const secrets = new Secrets(t.db, new MasterKeyRing({ envKey: randomBytes(32).toString('base64'), keyFile: '/nonexistent' }), clock);
  const reconciler = new Reconciler({
    db: t.db, clock, hub, workspaces, events: bus, log: pino({ level: 'silent' }),
    blueprintSecrets: new BlueprintSecrets(t.db, secrets, audit),
    workspaceSetup: new WorkspaceSetup(t.db, new BlueprintLlmKeys(t.db, secrets, audit), undefined, async () => DEFAULT_WORKSPACE_LIMITS, pino({ level: 'silent' })),
    governancePolicies: new GovernancePolicies({ db: t.db, clock, audit, events: bus }, () => []),
    budgetWatch: budgetWatchOver(t, clock, audit, bus, metrics),
    metrics,
  });
  return { bus, workspaces, reconciler, actor, blueprintId: blueprint.id, metrics };
}

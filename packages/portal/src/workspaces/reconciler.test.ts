import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import type { Workspace } from '@paddock/protocol';
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

  beforeAll(async () => {
    t = await openTestDatabase();
    clock = new FakeClock();
    const audit = new AuditLog(t.db, clock);
    const access = new BlueprintAccessControl(t.db, clock, audit);
    const identity = new Identity(t.db, clock, audit);
    const user = await identity.createUser({ email: 'rea@example.com', name: 'Rea', role: 'admin', password: 'a-long-enough-password' }, BOOTSTRAP);
    actor = (await identity.actorById(user.id))!;
    const blueprint = await new Blueprints(t.db, clock, audit, access).create({ name: 'B', description: '' }, BOOTSTRAP);
    bus = new InProcessEventBus(pino({ level: 'silent' }));
    workspaces = new Workspaces(t.db, clock, audit, bus, access);
    const sweep = workspaces.stopWhereBlueprintAccessLost.bind(workspaces);
    workspaces.stopWhereBlueprintAccessLost = (by) => { passes += 1; return sweep(by); };
    // Another subscriber, subscribed first, that throws: the reconciler hears every event all the same.
    bus.on('workspace', () => { throw new Error('a broken live view'); });
    const secrets = new Secrets(t.db, new MasterKeyRing({ envKey: randomBytes(32).toString('base64'), keyFile: '/nonexistent' }), clock);
    reconciler = new Reconciler({
      db: t.db, clock, hub: new AgentHub(), workspaces, events: bus, log: pino({ level: 'silent' }),
      blueprintSecrets: new BlueprintSecrets(t.db, secrets, audit),
      workspaceSetup: new WorkspaceSetup(t.db, new BlueprintLlmKeys(t.db, secrets, audit), undefined, pino({ level: 'silent' })),
      governancePolicies: new GovernancePolicies({ db: t.db, clock, audit, events: bus }, () => []),
    });
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    reconciler.start();
    workspace = await workspaces.create(actor, { blueprintId: blueprint.id, name: 'w' });
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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { WorkspaceUsage__Output } from '@paddock/protocol/tunnel';
import { AuditLog } from '../audit/auditLog.js';
import { Identity } from '../auth/identity.js';
import { operatorActor } from '../auth/actor.js';
import { BlueprintAccessControl } from '../blueprints/blueprintAccess.js';
import { Blueprints } from '../blueprints/blueprints.js';
import { FakeClock } from '../clock.js';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase.js';
import { WorkspaceResourceReports, workspaceResourceStatus } from './workspaceResources.js';

const MiB = 1024 * 1024;
const limits = { cpus: 1, memoryMib: 128, processes: 64, tmpMib: 16, diskMib: 128 };
const report = (over: Partial<WorkspaceUsage__Output> = {}): WorkspaceUsage__Output => ({
  workspaceId: 'ws-1', limits, mechanism: 'cgroup-v1', diskBytes: String(3 * MiB), diskMeasuredUnixMs: String(Date.UTC(2026, 0, 2)),
  diskEnforced: false, oomKills: '0', processLimitHits: '0', ...over,
});

describe("workspaces' resource reports", () => {
  let t: TestDatabase;
  let reports: WorkspaceResourceReports;
  const notified: string[] = [];
  const stored = async () => workspaceResourceStatus((await t.db.selectFrom('workspaces').select('resource_usage').where('id', '=', 'ws-1').executeTakeFirstOrThrow()).resource_usage);

  beforeAll(async () => {
    t = await openTestDatabase();
    const clock = new FakeClock();
    const audit = new AuditLog(t.db, clock);
    const owner = await new Identity(t.db, clock, audit).createUser({ email: 'kim@example.com', name: 'Kim', role: 'builder', password: 'a-long-enough-password' }, operatorActor('test'));
    const blueprint = await new Blueprints(t.db, clock, audit, new BlueprintAccessControl(t.db, clock, audit)).create({ name: 'B', description: '' }, operatorActor('test'));
    for (const id of ['agent-a', 'agent-b']) {
      await t.db.insertInto('agents').values({ id, name: id, secret_hash: 'x', version: 'test', created_at: clock.now(), last_seen_at: null }).execute();
    }
    await t.db.insertInto('workspaces').values({
      id: 'ws-1', name: 'w', owner_id: owner.id, blueprint_id: blueprint.id, agent_id: 'agent-a',
      state: 'running', desired_state: 'running', state_message: '', created_at: clock.now(), updated_at: clock.now(),
    }).execute();
    reports = new WorkspaceResourceReports(t.db, clock, async (id) => { notified.push(id); }, pino({ level: 'silent' }));
  });
  afterAll(async () => { await t.close(); });

  it('read as not reported until the first report', async () => {
    expect(await stored()).toEqual({
      limits: null, mechanism: null, diskUsedBytes: null, diskMeasuredAt: null, diskLimitEnforced: false,
      oomKills: 0, processLimitHits: 0, notice: '', reportedAt: null,
    });
  });

  it("are taken only from the workspace's own agent", async () => {
    await reports.record('agent-b', report({ oomKills: '9' }));
    expect((await stored()).mechanism).toBeNull();
    expect(notified).toEqual([]);
    await reports.record('agent-a', report());
    expect(await stored()).toMatchObject({
      limits: { cpus: 1, memoryMiB: 128, processes: 64, tmpMiB: 16, diskMiB: 128 }, mechanism: 'cgroup-v1',
      diskUsedBytes: 3 * MiB, diskMeasuredAt: '2026-01-02T00:00:00.000Z', oomKills: 0, notice: '',
    });
    expect(notified).toEqual(['ws-1']);
  });

  it('drop a malformed report and keep the last good one', async () => {
    for (const bad of [
      report({ oomKills: '-1' }), report({ processLimitHits: '1e3' }), report({ mechanism: 'cgroup-v9' }),
      report({ limits: { ...limits, processes: 0 } }), report({ diskBytes: 'lots' }),
    ]) {
      await reports.record('agent-a', bad);
    }
    expect(await stored()).toMatchObject({ mechanism: 'cgroup-v1', oomKills: 0, processLimitHits: 0 });
    expect(notified).toEqual(['ws-1']);
  });

  it('say in words what a limit did, and when none are enforced', async () => {
    await reports.record('agent-a', report({ oomKills: '1', processLimitHits: '3', diskBytes: String(200 * MiB) }));
    expect((await stored()).notice).toBe(
      "Out of memory: 1 process was ended for going past this workspace's 128 MiB memory limit (/tmp counts too). "
      + 'Process limit reached: 3 attempts to start a process or thread were refused (the limit is 64). '
      + '/workspace uses 200 MiB, more than its 128 MiB disk limit.',
    );
    await reports.record('agent-a', report({ mechanism: 'none', diskBytes: '-1', diskMeasuredUnixMs: '0' }));
    expect(await stored()).toMatchObject({
      mechanism: 'none', diskUsedBytes: null, diskMeasuredAt: null,
      notice: "Resource limits are not enforced where this workspace runs (its runtime agent's log says why).",
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInWorkspace } from '@paddock/agent';
import { DEMO_MODEL_ID, startModelSim, type ModelSim } from '@paddock/model-sim';
import { FakeClock } from '@paddock/portal';
import { DEFAULT_RESOURCE_POLICY, type ResourcePolicy } from '@paddock/protocol';
import { ADMIN_TOKEN, TestStack } from './harness/testStack.js';
import { previewGet, redeem } from './harness/previewClient.js';

/**
 * The resource policy (issue 11) on a real portal, agent and sandboxes, with the portal's
 * clock in the test's hands: the running limit, idle and lifetime stops with their
 * stopsAt and reason, Keep running, cleanup, a blueprint's overrides, and a restart
 * in the middle of a sweep. The sweep is the portal's own; the test moves the clock and
 * asks for a pass rather than waiting for the timer.
 */
describe('resource policies', () => {
  const clock = new FakeClock(new Date('2026-06-01T09:00:00Z'));
  let sim: ModelSim;
  let stack: TestStack;
  let builder: { id: string; token: string };
  let starter = '';

  const minutes = (n: number) => clock.advance(n * 60_000);
  const inMinutes = (n: number) => new Date(clock.now().getTime() + n * 60_000).toISOString();
  const sweep = () => stack.portal.services.policySweep.sweepNow();
  const workspace = async (id: string, token = ADMIN_TOKEN) => {
    const res = await stack.api('GET', `/api/v1/workspaces/${id}`, undefined, token);
    expect(res.status).toBe(200);
    return res.body as { id: string; name: string; state: string; desiredState: string; stopsAt: string | null; stopReason: string | null; deletesAt: string | null };
  };
  const create = (name: string, token: string, blueprintId = starter) => stack.api('POST', '/api/v1/workspaces', { blueprintId, name }, token);
  const putOrg = async (change: Partial<ResourcePolicy>) => {
    const res = await stack.api('PUT', '/api/v1/admin/policies', { ...DEFAULT_RESOURCE_POLICY, ...change });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };
  /** The policy sweeper's audit records for a workspace, oldest first. */
  const sweeperRecords = (id: string) => stack.db.selectFrom('audit_log').select(['action', 'detail'])
    .where('actor_name', '=', 'policy-sweeper').where('target_id', '=', id).orderBy('id').execute();
  /** Polls until the workspace shows `stopsAt` (a model call's activity arrives with its usage record, a moment after the answer). */
  const stopsAtBecomes = async (id: string, want: string, token = ADMIN_TOKEN) => {
    let last: string | null = null;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      last = (await workspace(id, token)).stopsAt;
      if (last === want) return;
    }
    expect(last).toBe(want);
  };

  beforeAll(async () => {
    sim = await startModelSim();
    stack = await TestStack.start({ clock, resourcePolicyDefaults: true, llm: { baseUrl: sim.url, apiKey: 'sk-ant-provider-policy', model: DEMO_MODEL_ID } });
    builder = await stack.userToken('policy-builder@example.com');
    starter = await stack.starterId();
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    await sim?.close();
  });

  it('starts with the defaults, and refuses a bad policy whole, keeping the one in force', async () => {
    expect((await stack.api('GET', '/api/v1/admin/policies')).body).toEqual(DEFAULT_RESOURCE_POLICY);
    expect((await stack.api('GET', `/api/v1/blueprints/${starter}/policies`)).body).toEqual({
      maxRunningPerUser: null, idleStopMinutes: null, maxLifetimeHours: null, cleanupStoppedAfterDays: null, limits: { cpus: null, memoryMiB: null, pids: null },
    });
    for (const bad of [{ idleStopMinutes: 0 }, { maxRunningPerUser: 1.5 }, { cleanupStoppedAfterDays: -1 }, { limits: { cpus: 1, memoryMiB: 2048 } }, { surprise: true }]) {
      const res = await stack.api('PUT', '/api/v1/admin/policies', { ...DEFAULT_RESOURCE_POLICY, ...bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
    expect((await stack.api('GET', '/api/v1/admin/policies')).body).toEqual(DEFAULT_RESOURCE_POLICY);

    // A blueprint's limits must still make a whole with its /tmp: at most half the memory.
    const bp = await stack.api('POST', '/api/v1/blueprints', { name: 'Big tmp', description: 'x', resources: { tmpMiB: 1024 } });
    expect(bp.status).toBe(201);
    const refused = await stack.api('PUT', `/api/v1/blueprints/${bp.body.id}/policies`, { idleStopMinutes: 5, limits: { memoryMiB: 1024 } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/half/);
    expect((await stack.api('GET', `/api/v1/blueprints/${bp.body.id}/policies`)).body.idleStopMinutes).toBeNull();
    expect((await stack.api('PUT', '/api/v1/blueprints/nope/policies', {})).status).toBe(404);
    expect((await stack.api('GET', `/api/v1/blueprints/${bp.body.id}/policies`, undefined, builder.token)).status).toBe(403);
  });

  it('refuses a third running workspace, naming the two that run; stopping one lets it start', async () => {
    const one = await create('quota-one', builder.token);
    const two = await create('quota-two', builder.token);
    expect([one.status, two.status]).toEqual([201, 201]);
    const third = await create('quota-three', builder.token);
    expect(third.status).toBe(409);
    expect(third.body.error.code).toBe('quota_exceeded');
    expect(third.body.error.message).toContain('quota-one');
    expect(third.body.error.message).toContain('quota-two');
    expect(third.body.error.details).toEqual({ limit: 2, running: [{ id: one.body.id, name: 'quota-one' }, { id: two.body.id, name: 'quota-two' }] });
    const refusal = await stack.db.selectFrom('audit_log').select('detail').where('action', '=', 'workspace.create').where('outcome', '=', 'failure').execute();
    expect(refusal.map((r) => r.detail)).toContainEqual({ error: 'quota_exceeded' });

    expect((await stack.api('POST', `/api/v1/workspaces/${one.body.id}/stop`, undefined, builder.token)).status).toBe(202);
    const retried = await create('quota-three', builder.token);
    expect(retried.status).toBe(201);
    // Starting the stopped one again is a third as well.
    const restart = await stack.api('POST', `/api/v1/workspaces/${one.body.id}/start`, undefined, builder.token);
    expect(restart.status).toBe(409);
    expect(restart.body.error.code).toBe('quota_exceeded');
    // An admin starting it for its owner hears the owner's limit.
    const forOwner = await stack.api('POST', `/api/v1/workspaces/${one.body.id}/start`);
    expect(forOwner.body.error).toMatchObject({ code: 'quota_exceeded', message: expect.stringMatching(/^its owner may run 2/) });
    for (const id of [one.body.id, two.body.id, retried.body.id]) {
      expect((await stack.api('DELETE', `/api/v1/workspaces/${id}`, undefined, builder.token)).status).toBe(202);
    }
  });

  let idleId = '';
  it('stops an idle workspace at its stopsAt; terminal input, file saves, previews, model calls and chat prompts each push it, viewing does not', async () => {
    idleId = await stack.runningWorkspace('idle-one', builder.token);
    expect(await workspace(idleId, builder.token)).toMatchObject({ stopsAt: inMinutes(120), stopReason: 'idle', deletesAt: null });

    const terminal = await stack.terminal(idleId, builder.token);
    const link = await stack.api('POST', `/api/v1/workspaces/${idleId}/previews`, { port: 5173 }, builder.token);
    expect(link.status).toBe(201);
    const { cookie } = await redeem(stack, link.body.url);
    await stack.waitForAi(idleId, builder.token);
    const session = (await stack.api('POST', `/api/v1/workspaces/${idleId}/ai/sessions`, {}, builder.token)).body.id as string;
    const host = new URL(link.body.url).host;

    const activities: Array<[string, () => Promise<void>]> = [
      ['terminal input', async () => terminal.type('echo typed\n')],
      ['a file save', async () => {
        const res = await fetch(`${stack.url}/api/v1/workspaces/${idleId}/files/content?path=notes.txt`, {
          method: 'PUT', headers: { authorization: `Bearer ${builder.token}`, 'content-type': 'text/plain' }, body: 'kept\n',
        });
        expect(res.status).toBe(200);
      }],
      ['a preview request', async () => { await previewGet(stack, host, '/', cookie); }],
      ['a model call', async () => {
        const body = JSON.stringify({ model: DEMO_MODEL_ID, max_tokens: 20, messages: [{ role: 'user', content: 'hello' }] });
        const call = await runInWorkspace(stack.runtime, idleId, `curl -s -o /dev/null -w "%{http_code}" -H "x-api-key: $ANTHROPIC_API_KEY" -H "anthropic-version: 2023-06-01" -H "content-type: application/json" -d '${body}' "$ANTHROPIC_BASE_URL/v1/messages"`, 30_000);
        expect(call.output).toBe('200');
      }],
      ['a chat prompt', async () => {
        expect((await stack.api('POST', `/api/v1/workspaces/${idleId}/ai/sessions/${session}/prompt`, { text: 'say hello' }, builder.token)).status).toBe(202);
      }],
    ];
    for (const [what, act] of activities) {
      minutes(10);
      const want = inMinutes(120);
      expect((await workspace(idleId, builder.token)).stopsAt, `before ${what}`).not.toBe(want);
      await act();
      await stopsAtBecomes(idleId, want, builder.token);
    }
    terminal.close();
    // The chat's reply (and any title the AI gives the session) are model calls, activity too: let them
    // all land before time moves on, so the next minutes are truly idle.
    for (let seen = -1, quiet = 0; quiet < 6; await new Promise((r) => setTimeout(r, 250))) {
      const { n } = await stack.db.selectFrom('llm_usage').select((eb) => eb.fn.countAll<string>().as('n')).where('workspace_id', '=', idleId).executeTakeFirstOrThrow();
      quiet = Number(n) === seen ? quiet + 1 : 0;
      seen = Number(n);
    }

    // Having the page open (reading the workspace and the list) is not activity.
    const before = (await workspace(idleId, builder.token)).stopsAt!;
    minutes(60);
    await stack.api('GET', '/api/v1/workspaces', undefined, builder.token);
    expect((await workspace(idleId, builder.token)).stopsAt).toBe(before);

    minutes(59);
    await sweep();
    expect((await workspace(idleId, builder.token)).desiredState).toBe('running');
    minutes(2);
    await sweep();
    expect(await workspace(idleId, builder.token)).toMatchObject({ desiredState: 'stopped', stopsAt: null, stopReason: 'idle' });
    expect(await sweeperRecords(idleId)).toEqual([{ action: 'workspace.stop', detail: { name: 'idle-one', reason: 'idle', deadline: before } }]);
    await stack.waitForState(idleId, 'stopped', builder.token);
  }, 180_000);

  it('Keep running pushes the idle stop, bounded by the lifetime; a blueprint value wins over the org value, at once', async () => {
    const bp = await stack.api('POST', '/api/v1/blueprints', { name: 'Short lived', description: 'an hour at most' });
    expect((await stack.api('PUT', `/api/v1/blueprints/${bp.body.id}/policies`, { maxLifetimeHours: 1 })).status).toBe(200);
    const created = await create('short-lived', ADMIN_TOKEN, bp.body.id);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const started = clock.now().getTime();
    expect(await workspace(id)).toMatchObject({ stopsAt: inMinutes(60), stopReason: 'lifetime' });

    // Changes apply to the running workspace at once: the org's idle stop, then the blueprint's own.
    await putOrg({ idleStopMinutes: 30 });
    expect(await workspace(id)).toMatchObject({ stopsAt: inMinutes(30), stopReason: 'idle' });
    expect((await stack.api('PUT', `/api/v1/blueprints/${bp.body.id}/policies`, { maxLifetimeHours: 1, idleStopMinutes: 45 })).status).toBe(200);
    expect(await workspace(id)).toMatchObject({ stopsAt: inMinutes(45), stopReason: 'idle' });

    await stack.waitForState(id, 'running');
    minutes(20);
    const kept = await stack.api('POST', `/api/v1/workspaces/${id}/keep-alive`);
    expect(kept.status).toBe(200);
    // Idle now ends 45 minutes on, past the hour's lifetime: the lifetime is the deadline.
    expect(kept.body).toMatchObject({ stopsAt: new Date(started + 60 * 60_000).toISOString(), stopReason: 'lifetime' });
    expect((await stack.api('POST', `/api/v1/workspaces/${id}/keep-alive`, undefined, builder.token)).status).toBe(404);

    minutes(41);
    await sweep();
    expect(await workspace(id)).toMatchObject({ desiredState: 'stopped', stopReason: 'lifetime' });
    expect((await sweeperRecords(id)).map((r) => r.detail)).toEqual([{ name: 'short-lived', reason: 'lifetime', deadline: new Date(started + 60 * 60_000).toISOString() }]);
    await stack.waitForState(id, 'stopped');
    const again = await stack.api('POST', `/api/v1/workspaces/${id}/keep-alive`);
    expect(again.status).toBe(409);
    await putOrg({});
  }, 120_000);

  it('keeps a workspace whose publish is under way from its idle stop', async () => {
    const id = await stack.runningWorkspace('publishing-one', builder.token);
    const saved = await fetch(`${stack.url}/api/v1/workspaces/${id}/files/content?path=index.html`, {
      method: 'PUT', headers: { authorization: `Bearer ${builder.token}`, 'content-type': 'text/plain' }, body: '<h1>Retention</h1>\n',
    });
    expect(saved.status).toBe(200);
    const request = await stack.api('POST', `/api/v1/workspaces/${id}/publish-requests`, { subdomain: 'policy-app', access: 'organization', command: 'node server.mjs', port: 8000 }, builder.token);
    expect(request.status, JSON.stringify(request.body)).toBe(201);
    expect((await stack.api('POST', `/api/v1/publish-requests/${request.body.id}/approve`)).status).toBe(200);
    minutes(121);
    await sweep();
    // Past its idle deadline, but an approved version is on its way out of it: it keeps running.
    expect((await workspace(id, builder.token)).desiredState).toBe('running');
    expect(await sweeperRecords(id)).toEqual([]);
    expect((await stack.api('DELETE', `/api/v1/workspaces/${id}`, undefined, builder.token)).status).toBe(202);
  }, 60_000);

  it('cleans up a workspace stopped longer than the policy allows, saying when beforehand, and keeps files until then', async () => {
    const { stopped_at } = await stack.db.selectFrom('workspaces').select('stopped_at').where('id', '=', idleId).executeTakeFirstOrThrow();
    const day = 24 * 60 * 60_000;
    // The idle one of the test above: stopped, it shows when the default cleanup (30 days) deletes it.
    expect((await workspace(idleId, builder.token)).deletesAt).toBe(new Date(stopped_at!.getTime() + 30 * day).toISOString());
    await putOrg({ cleanupStoppedAfterDays: 2 });
    const deletesAt = (await workspace(idleId, builder.token)).deletesAt!;
    expect(deletesAt).toBe(new Date(stopped_at!.getTime() + 2 * day).toISOString());

    // A day before, it is still there, its files too.
    clock.advance(new Date(deletesAt).getTime() - clock.now().getTime() - day);
    await sweep();
    expect((await workspace(idleId, builder.token)).desiredState).toBe('stopped');
    clock.advance(day);
    await sweep();
    const gone = await stack.api('GET', `/api/v1/workspaces/${idleId}`, undefined, builder.token);
    expect(gone.status === 404 || gone.body.desiredState === 'deleted').toBe(true);
    expect((await sweeperRecords(idleId)).map((r) => [r.action, (r.detail as { reason: string }).reason])).toEqual([['workspace.stop', 'idle'], ['workspace.delete', 'cleanup']]);
    await putOrg({});
  });

  it('takes the org limits as the compute a blueprint without its own gets, and a blueprint limit over them', async () => {
    await putOrg({ limits: { cpus: 1, memoryMiB: 2048, pids: 256 } });
    expect((await stack.portal.services.workspaceSetup.startSpec(starter)).resources).toMatchObject({ cpus: 1, memoryMib: 2048, processes: 256 });
    expect((await stack.api('PUT', `/api/v1/blueprints/${starter}/policies`, { limits: { cpus: 0.5 } })).status).toBe(200);
    expect((await stack.portal.services.workspaceSetup.startSpec(starter)).resources).toMatchObject({ cpus: 0.5, memoryMib: 2048, processes: 256 });
    expect((await stack.api('GET', `/api/v1/blueprints/${starter}/policies`)).body.limits).toEqual({ cpus: 0.5, memoryMiB: null, pids: null });
    expect((await stack.api('PUT', `/api/v1/blueprints/${starter}/policies`, {})).status).toBe(200);
    await putOrg({});
  });

  it('loses nothing and stops nothing twice when the portal restarts mid-sweep', async () => {
    await putOrg({ maxRunningPerUser: 10 });
    const ids: string[] = [];
    for (const name of ['sweep-a', 'sweep-b', 'sweep-c']) {
      const res = await create(name, ADMIN_TOKEN);
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    // What a change would do, before it is saved: the three just made run; 'short-lived' has been stopped about two days.
    const impact = async (change: Partial<ResourcePolicy>) => {
      const res = await stack.api('POST', '/api/v1/admin/policies/impact', { ...DEFAULT_RESOURCE_POLICY, maxRunningPerUser: 10, ...change });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    };
    const nothing = { deadlinesChange: 0, stopNow: 0, usersOverLimit: 0, deleteNow: 0, limitsChange: 0 };
    expect(await impact({})).toEqual(nothing);
    expect(await impact({ idleStopMinutes: 60 })).toEqual({ ...nothing, deadlinesChange: 3 });
    expect(await impact({ maxRunningPerUser: 2 })).toEqual({ ...nothing, usersOverLimit: 1 });
    expect(await impact({ cleanupStoppedAfterDays: 1 })).toEqual({ ...nothing, deleteNow: 1 });
    expect(await impact({ limits: { cpus: 1, memoryMiB: 4096, pids: 1024 } })).toEqual({ ...nothing, limitsChange: 4 });
    const forStarter = await stack.api('POST', `/api/v1/blueprints/${starter}/policies/impact`, { idleStopMinutes: 1 });
    expect(forStarter.body).toEqual({ ...nothing, deadlinesChange: 3 });
    minutes(2);
    expect((await stack.api('POST', `/api/v1/blueprints/${starter}/policies/impact`, { idleStopMinutes: 1 })).body).toEqual({ ...nothing, deadlinesChange: 3, stopNow: 3 });
    // Nothing was saved by asking.
    expect((await stack.api('GET', `/api/v1/blueprints/${starter}/policies`)).body.idleStopMinutes).toBeNull();

    minutes(119);
    const pass = sweep();
    await stack.restartPortal();
    await pass;
    await sweep();
    for (const id of ids) {
      expect((await workspace(id)).desiredState).toBe('stopped');
      expect((await sweeperRecords(id)).map((r) => r.action)).toEqual(['workspace.stop']);
    }
    await putOrg({});
  }, 60_000);

  it('counts running hours per user and blueprint from the runs, clipped to a period and costed at the hourly rate', async () => {
    expect((await stack.api('PATCH', `/api/v1/blueprints/${starter}`, { hourlyRateUsd: 0.5 })).status).toBe(200);
    const runs = await stack.db.selectFrom('workspace_runs').selectAll().where('user_id', '=', builder.id).execute();
    // The idle one ran once, from its start until the sweep stopped it, 171 minutes of the test's clock later.
    const idleRuns = runs.filter((r) => r.workspace_id === idleId);
    expect(idleRuns).toHaveLength(1);
    const idleRun = idleRuns[0]!;
    expect(idleRun.ended_at!.getTime() - idleRun.started_at.getTime()).toBe(171 * 60_000);
    const hours = runs.reduce((n, r) => n + ((r.ended_at ?? clock.now()).getTime() - r.started_at.getTime()) / 3_600_000, 0);

    const mine = await stack.api('GET', '/api/v1/usage/compute?groupBy=user', undefined, builder.token);
    expect(mine.status).toBe(200);
    expect(mine.body.rows).toEqual([{
      key: builder.id, label: 'policy-builder@example.com', hours: Number(hours.toFixed(4)), costUsd: Number((hours * 0.5).toFixed(4)),
      unpricedHours: 0, workspaces: new Set(runs.map((r) => r.workspace_id)).size,
    }]);
    // An hour into the idle run and on: that hour is left out.
    const from = new Date(idleRun.started_at.getTime() + 60 * 60_000).toISOString();
    const clipped = await stack.api('GET', `/api/v1/usage/compute?groupBy=user&from=${from}&to=${idleRun.ended_at!.toISOString()}`, undefined, builder.token);
    expect(clipped.body.rows[0].hours).toBe(Number((111 / 60).toFixed(4)));

    // Admins see every blueprint; one with no hourly rate is "no price", its hours counted apart.
    const byBlueprint = (await stack.api('GET', '/api/v1/usage/compute?groupBy=blueprint')).body.rows as Array<{ label: string; costUsd: number | null; unpricedHours: number; hours: number }>;
    const shortLived = byBlueprint.find((r) => r.label === 'Short lived')!;
    expect(shortLived).toMatchObject({ costUsd: null });
    expect(shortLived.unpricedHours).toBe(shortLived.hours);
    expect(shortLived.hours).toBeGreaterThan(0);
    expect(byBlueprint.find((r) => r.label === 'Starter')!.costUsd).toBeGreaterThan(0);
    expect((await stack.api('GET', '/api/v1/usage/compute?groupBy=workspace')).status).toBe(400);
    expect((await stack.api('PATCH', `/api/v1/blueprints/${starter}`, { hourlyRateUsd: -1 })).status).toBe(400);
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { TestStack } from './harness/testStack.js';

describe('a workspace whose start failed on its agent (issue 8)', () => {
  let stack: TestStack | undefined;
  afterAll(async () => { await stack?.close(); });

  it('stays failed, saying why, when its agent connects again, and runs once its owner starts it', async () => {
    // An agent whose sandboxes can't start: bubblewrap is /bin/false.
    const s = stack = await TestStack.start({ runtime: { bwrapPath: '/bin/false' } });
    const created = await s.api('POST', '/api/v1/workspaces', { blueprintId: await s.starterId(), name: 'cannot-start' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    await s.waitForState(id, 'failed', undefined, 60_000);
    const failed = (await s.api('GET', `/api/v1/workspaces/${id}`)).body;
    expect(failed.stateMessage).toMatch(/did not start: bubblewrap failed/);

    // A new agent that could start it connects; its Hello says what it has.
    await s.restartAgent();
    // It starts what it is asked to, so the portal has been through its Hello by the time this runs.
    await s.runningWorkspace('after-reconnect');
    const reconciler = s.portal.services.reconciler;
    await reconciler.settled();
    reconciler.trigger();
    await reconciler.settled();
    // The failure and its reason stand: nobody asked for the workspace to start again.
    expect((await s.api('GET', `/api/v1/workspaces/${id}`)).body).toMatchObject({ state: 'failed', stateMessage: failed.stateMessage });
    expect(await s.runtime.status(id)).toBe('failed');
    expect((await s.runtime.list()).find((w) => w.workspaceId === id)).toEqual({ workspaceId: id, state: 'failed', message: failed.stateMessage });

    expect((await s.api('POST', `/api/v1/workspaces/${id}/start`)).status).toBe(202);
    await s.waitForState(id, 'running', undefined, 60_000);
    expect((await s.api('GET', `/api/v1/workspaces/${id}`)).body.stateMessage).toBe('');
  }, 180_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestStack } from './harness/testStack.js';

describe('terminal through portal, tunnel and daemon', () => {
  let stack: TestStack;
  beforeAll(async () => { stack = await TestStack.start(); });
  afterAll(async () => { await stack?.close(); });

  it('runs a command in the workspace shell and replays scrollback on reattach', async () => {
    const id = await stack.runningWorkspace('term');
    const t1 = await stack.terminal(id);
    t1.type('echo $((6*7))\n');
    await t1.waitFor(/[\r\n]42\r\n/);
    t1.close();
    await t1.waitClosed();

    const t2 = await stack.terminal(id);
    await t2.waitFor(/[\r\n]42\r\n/); // from the scrollback, before anything is typed
    t2.type('echo again-$((1+1))\n');
    await t2.waitFor('again-2');
    t2.close();
  });

  it('resizes the PTY from a control message and keeps named sessions apart', async () => {
    const id = await stack.runningWorkspace('sizes');
    const t = await stack.terminal(id, undefined, 'build');
    t.ws.send(JSON.stringify({ type: 'resize', cols: 123, rows: 45 }));
    t.ws.send('{"not json');
    t.type('stty size\n');
    await t.waitFor('45 123');
    const other = await stack.terminal(id, undefined, 'main');
    other.type('echo $PWD\n');
    await other.waitFor('/workspace');
    expect(other.output).not.toContain('45 123');
    t.close();
    other.close();
  });

  it('keeps files across stop and start, and ends processes on stop', async () => {
    const id = await stack.runningWorkspace('persist');
    const t = await stack.terminal(id);
    t.type('echo kept > /workspace/note.txt; sleep 1000 & echo started-$!\n');
    await t.waitFor(/started-\d+/);
    expect((await stack.api('POST', `/api/v1/workspaces/${id}/stop`)).status).toBe(202);
    await t.waitClosed();
    await stack.waitForState(id, 'stopped');
    expect((await stack.api('POST', `/api/v1/workspaces/${id}/terminal-tickets`)).body.error.code).toBe('not_running');

    expect((await stack.api('POST', `/api/v1/workspaces/${id}/start`)).status).toBe(202);
    await stack.waitForState(id, 'running');
    const t2 = await stack.terminal(id);
    t2.type('cat /workspace/note.txt; pgrep -c sleep || echo no-sleep\n');
    await t2.waitFor('kept');
    await t2.waitFor('no-sleep');
    t2.close();
  });

  it("lists a builder's open terminal on the Security dashboard with who, from where and since when; an admin ends it, audited", async () => {
    const builder = await stack.userToken('sec-term@example.com');
    const auditor = await stack.userToken('sec-aud@example.com', 'auditor');
    const id = await stack.runningWorkspace('watched', builder.token);
    const t = await stack.terminal(id, builder.token);
    t.type('echo up-$((2+3))\n');
    await t.waitFor('up-5');

    const overview = await stack.api('GET', '/api/v1/admin/security');
    expect(overview.status).toBe(200);
    const mine = overview.body.connections.filter((c: { workspaceId: string }) => c.workspaceId === id);
    expect(mine).toEqual([expect.objectContaining({
      kind: 'terminal', userId: builder.id, userName: 'sec-term', userEmail: 'sec-term@example.com', workspaceName: 'watched',
      ip: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/), detail: 'main', since: expect.any(String),
    })]);
    const connectionId = mine[0].id as string;
    // Auditors read the dashboard; only admins end a connection; builders see neither.
    expect((await stack.api('GET', '/api/v1/admin/security', undefined, auditor.token)).status).toBe(200);
    expect((await stack.api('GET', '/api/v1/admin/security', undefined, builder.token)).status).toBe(403);
    for (const who of [builder, auditor]) {
      expect((await stack.api('DELETE', `/api/v1/admin/connections/${connectionId}`, undefined, who.token)).status).toBe(403);
    }
    expect(t.closed).toBeUndefined();

    expect((await stack.api('DELETE', `/api/v1/admin/connections/${connectionId}`)).status).toBe(204);
    expect(await t.waitClosed()).toEqual({ code: 4408, reason: 'an admin ended this terminal session' });
    const after = await stack.api('GET', '/api/v1/admin/security');
    expect(after.body.connections.map((c: { id: string }) => c.id)).not.toContain(connectionId);
    expect((await stack.api('DELETE', `/api/v1/admin/connections/${connectionId}`)).status).toBe(404);
    const audit = await stack.api('GET', '/api/v1/audit?action=connection.end');
    expect(audit.body.entries[0]).toMatchObject({
      actorEmail: 'admin@example.com', targetType: 'workspace', targetId: id, outcome: 'success',
      detail: { kind: 'terminal', userId: builder.id, detail: 'main' },
    });
    // The workspace itself runs on: a new terminal opens.
    const again = await stack.terminal(id, builder.token);
    again.close();
  });

  it('deletes a workspace and its files', async () => {
    const id = await stack.runningWorkspace('gone');
    expect((await stack.api('DELETE', `/api/v1/workspaces/${id}`)).status).toBe(202);
    const deadline = Date.now() + 10_000;
    while ((await stack.api('GET', `/api/v1/workspaces/${id}`)).status !== 404) {
      if (Date.now() > deadline) throw new Error('workspace was not deleted');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await stack.runtime.status(id)).toBe('missing');
    const list = await stack.api('GET', '/api/v1/workspaces');
    expect(list.body.workspaces.map((w: { id: string }) => w.id)).not.toContain(id);
  });
});

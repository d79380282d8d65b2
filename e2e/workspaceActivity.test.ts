import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, TestStack } from './harness/testStack.js';

/**
 * Use of a workspace (terminals, preview links, AI prompts) is its activity, kept
 * apart from the hash-chained audit log; someone else's use is audited as well.
 */
describe("a workspace's activity", () => {
  let stack: TestStack;
  let builder: { id: string; token: string };
  let workspaceId: string;

  const activity = async (action: string) =>
    (await stack.api('GET', `/api/v1/audit/activity?workspaceId=${workspaceId}&action=${action}`)).body.entries as Array<{ actorEmail: string; detail: Record<string, unknown> }>;
  const audited = async (action: string) =>
    ((await stack.api('GET', `/api/v1/audit?action=${action}&limit=500`)).body.entries as Array<{ actorEmail: string; targetId: string; detail: Record<string, unknown> }>)
      .filter((e) => e.targetId === workspaceId);

  beforeAll(async () => {
    stack = await TestStack.start();
    builder = await stack.userToken('activity-builder@example.com');
    workspaceId = await stack.runningWorkspace('used', builder.token);
  });
  afterAll(async () => { await stack?.close(); });

  it("records the owner's own terminals and preview links as activity, not in the audit log", async () => {
    const terminal = await stack.terminal(workspaceId, builder.token, 'main');
    await terminal.waitFor('$');
    terminal.close();
    expect((await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: 3000 }, builder.token)).status).toBe(201);

    await expect.poll(() => activity('workspace.terminal.open'), { timeout: 10_000 })
      .toEqual([expect.objectContaining({ actorEmail: 'activity-builder@example.com', detail: { session: 'main' } })]);
    expect(await activity('workspace.preview.open')).toEqual([expect.objectContaining({ actorEmail: 'activity-builder@example.com', detail: { port: 3000 } })]);
    // Its detaching too (how long someone was connected, for the admin timeline), never audited.
    await expect.poll(() => activity('workspace.terminal.close'), { timeout: 10_000 })
      .toEqual([expect.objectContaining({ actorEmail: 'activity-builder@example.com', detail: { session: 'main' } })]);
    expect(await audited('workspace.terminal.open')).toEqual([]);
    expect(await audited('workspace.terminal.close')).toEqual([]);
    expect(await audited('workspace.preview.open')).toEqual([]);
    // The changes stay in the audit log: who made the workspace, and the system starting it.
    expect((await audited('workspace.create')).map((e) => e.actorEmail)).toEqual(['activity-builder@example.com']);
  });

  it("audits an admin's use of someone else's workspace, and records it as activity too", async () => {
    const terminal = await stack.terminal(workspaceId, undefined, 'main');
    await terminal.waitFor('$');
    terminal.close();
    expect((await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: 3001 })).status).toBe(201);

    await expect.poll(async () => (await audited('workspace.terminal.open')).map((e) => [e.actorEmail, e.detail]), { timeout: 10_000 })
      .toEqual([[ADMIN_EMAIL, { session: 'main', owner: builder.id }]]);
    expect((await audited('workspace.preview.open')).map((e) => [e.actorEmail, e.detail])).toEqual([[ADMIN_EMAIL, { port: 3001, owner: builder.id }]]);
    expect((await activity('workspace.preview.open')).map((e) => e.actorEmail)).toEqual([ADMIN_EMAIL, 'activity-builder@example.com']);
    await expect.poll(async () => (await activity('workspace.terminal.close')).map((e) => e.actorEmail), { timeout: 10_000 })
      .toEqual([ADMIN_EMAIL, 'activity-builder@example.com']);
    expect(await audited('workspace.terminal.close')).toEqual([]);
    // The chain still verifies.
    expect((await stack.api('GET', '/api/v1/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('is read by admins and auditors only, page by page', async () => {
    const auditor = await stack.userToken('activity-auditor@example.com', 'auditor');
    expect((await stack.api('GET', '/api/v1/audit/activity', undefined, builder.token)).status).toBe(403);
    const first = await stack.api('GET', `/api/v1/audit/activity?workspaceId=${workspaceId}&limit=2`, undefined, auditor.token);
    expect(first.status).toBe(200);
    expect(first.body.entries).toHaveLength(2);
    const rest = await stack.api('GET', `/api/v1/audit/activity?workspaceId=${workspaceId}&before=${first.body.nextBefore}`, undefined, auditor.token);
    expect(rest.body.entries.map((e: { id: string }) => Number(e.id)).every((id: number) => id < Number(first.body.nextBefore))).toBe(true);
    expect(first.body.entries.length + rest.body.entries.length).toBe(6);
    expect((await stack.api('GET', '/api/v1/audit/activity?action=workspace.file.write')).status).toBe(400);
  });

  /*
   * Admin → Overview (issue 12), on this stack: its counters, topology and timeline read what
   * the database records, so they follow a scripted session and hold after a portal restart.
   */
  describe('the admin overview', () => {
    type Row = { workspaceId: string; label: string; ownerId: string; ownerName: string; state: string;
      segments: Array<{ kind: string; start: string; end: string; ongoing?: boolean }>; events: Array<{ at: string; action: string; actorId: string | null; actorName: string }> };
    const counters = async () => (await stack.api('GET', '/api/v1/admin/overview')).body;
    const rowOf = async (id: string, query = '') => {
      const res = await stack.api('GET', `/api/v1/admin/timeline${query}`);
      expect(res.status).toBe(200);
      return (res.body.rows as Row[]).find((r) => r.workspaceId === id);
    };
    let timelineId: string;
    let before: Row;

    it('counts workspaces by state, agents, waiting approvals and refused sign-ins, as a session changes them', async () => {
      const start = await counters();
      expect(start.agents).toEqual({ connected: 1, total: 1 });
      expect(start.pendingApprovals).toEqual({ total: 0, publishRequests: 0, heldActions: 0 });
      timelineId = await stack.runningWorkspace('timeline', builder.token);
      expect((await counters()).workspaces.running).toBe(start.workspaces.running + 1);

      const terminal = await stack.terminal(timelineId, builder.token, 'main');
      await terminal.waitFor('$');
      terminal.close();
      // Detached before it stops, so the timeline shows the terminal's stretch ending inside the run.
      await expect.poll(async () => (await stack.api('GET', `/api/v1/audit/activity?workspaceId=${timelineId}&action=workspace.terminal.close`)).body.entries.length,
        { timeout: 10_000 }).toBe(1);
      expect((await stack.api('POST', `/api/v1/workspaces/${timelineId}/stop`, undefined, builder.token)).status).toBe(202);
      await stack.waitForState(timelineId, 'stopped', builder.token);
      const stopped = await counters();
      expect(stopped.workspaces).toMatchObject({ running: start.workspaces.running, stopped: start.workspaces.stopped + 1, failed: 0 });

      const wrong = await stack.api('POST', '/api/v1/auth/login', { email: 'activity-builder@example.com', password: 'not-the-password' }, '');
      expect(wrong.status).toBe(401);
      const after = await counters();
      expect(after.blockedSignIns).toMatchObject({ failedSignIns: stopped.blockedSignIns.failedSignIns + 1, total: stopped.blockedSignIns.total + 1 });
      expect(new Date(after.blockedSignIns.since).toISOString().endsWith('T00:00:00.000Z')).toBe(true);
    });

    it('draws agents → blueprints → workspaces → owners, by name', async () => {
      const { nodes, edges } = (await stack.api('GET', '/api/v1/admin/topology')).body as {
        nodes: Array<{ id: string; kind: string; ref: string; label: string; state?: string }>; edges: Array<{ from: string; to: string }> };
      const node = (kind: string, ref: string) => nodes.find((n) => n.kind === kind && n.ref === ref);
      const agent = nodes.find((n) => n.kind === 'agent')!;
      expect(agent.state).toBe('connected');
      const starter = node('blueprint', await stack.starterId())!;
      expect(starter.label).toBe('Starter');
      expect(node('workspace', workspaceId)).toMatchObject({ label: 'used', state: 'running' });
      expect(node('workspace', timelineId)).toMatchObject({ label: 'timeline', state: 'stopped' });
      expect(node('user', builder.id)).toMatchObject({ label: 'activity-builder' });
      expect(edges).toEqual(expect.arrayContaining([
        { from: agent.id, to: starter.id },
        { from: starter.id, to: `workspace:${workspaceId}` },
        { from: `workspace:${workspaceId}`, to: `user:${builder.id}` },
        { from: `workspace:${timelineId}`, to: `user:${builder.id}` },
      ]));
      // Every edge joins two nodes of the graph, and every node is named once.
      const ids = new Set(nodes.map((n) => n.id));
      expect(ids.size).toBe(nodes.length);
      expect(edges.every((e) => ids.has(e.from) && ids.has(e.to))).toBe(true);
    });

    it("shows a workspace's running and connected stretches and who created and stopped it, the same after the portal restarts", async () => {
      before = (await rowOf(timelineId))!;
      expect(before).toMatchObject({ label: 'timeline', ownerId: builder.id, ownerName: 'activity-builder', state: 'stopped' });
      const running = before.segments.filter((s) => s.kind === 'running');
      const connected = before.segments.filter((s) => s.kind === 'connected');
      expect(running).toHaveLength(1);
      expect(running[0]!.ongoing).toBeUndefined();
      // Someone used it only while it ran: the terminal, from attaching to detaching (a moment here).
      expect(connected).toHaveLength(1);
      expect(connected[0]!.start >= running[0]!.start && connected[0]!.end <= running[0]!.end).toBe(true);
      expect(Date.parse(connected[0]!.end)).toBeLessThan(Date.parse(running[0]!.end));
      expect(before.events.map((e) => [e.action, e.actorId, e.actorName])).toEqual([
        ['create', builder.id, 'activity-builder'], ['stop', builder.id, 'activity-builder'],
      ]);
      // A workspace still running has a bar that goes on to now.
      const used = (await rowOf(workspaceId))!;
      expect(used.segments.find((s) => s.kind === 'running')).toMatchObject({ ongoing: true });

      await stack.restartPortal();
      await expect.poll(async () => (await counters()).agents.connected, { timeout: 20_000 }).toBe(1);
      expect(await rowOf(timelineId)).toEqual(before);
    });

    it('answers for a chosen range, and refuses a range that is backwards, too long or not a time', async () => {
      const created = Date.parse(before.events[0]!.at);
      const hourBefore = new Date(created - 3_600_000).toISOString();
      expect(await rowOf(timelineId, `?from=${hourBefore}&to=${new Date(created - 60_000).toISOString()}`)).toBeUndefined();
      const windowed = await rowOf(timelineId, `?from=${hourBefore}&to=${new Date(created + 86_400_000).toISOString()}`);
      expect(windowed?.events.map((e) => e.action)).toEqual(['create', 'stop']);

      for (const [query, message] of [
        ['?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'before'],
        ['?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z', '31 days'],
        ['?from=2000-01-01T00:00:00Z', '31 days'],
        ['?to=yesterday', 'to'],
        ['?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&x=1', 'x'],
      ] as const) {
        const res = await stack.api('GET', `/api/v1/admin/timeline${query}`);
        expect(res.status, query).toBe(400);
        expect(res.body.error.message, query).toContain(message);
      }
    });

    it('is read by admins and auditors only', async () => {
      const auditor = await stack.userToken('overview-auditor@example.com', 'auditor');
      for (const path of ['/api/v1/admin/overview', '/api/v1/admin/topology', '/api/v1/admin/timeline']) {
        expect((await stack.api('GET', path, undefined, builder.token)).status, path).toBe(403);
        expect((await stack.api('GET', path, undefined, auditor.token)).status, path).toBe(200);
      }
    });
  });
});

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
    expect(await audited('workspace.terminal.open')).toEqual([]);
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
    expect(first.body.entries.length + rest.body.entries.length).toBe(4);
    expect((await stack.api('GET', '/api/v1/audit/activity?action=workspace.file.write')).status).toBe(400);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentActor } from '@paddock/portal';
import { workspaceGovernanceSchema, type HoldRequest } from '@paddock/protocol';
import { InProcessPortal, type Member } from './harness/inProcessPortal.js';

/**
 * What a builder sees of governance (issue 9: "the builder sees it in plain words",
 * "builders see why"): `GET /api/v1/workspaces/:id/governance` for the workspace's
 * owner, admins and auditors, and the `governance` events on `GET /api/v1/events`
 * that tell an open workspace page to look again. In-process, on a real portal and
 * database (both engines, through `npm test`).
 */
let fx: InProcessPortal;
let starterId: string;
let agentId: string;
let other: Member;
let seq = 0;
const fresh = (what: string) => `${what}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;
const as = (m: Member) => ({ bearer: m.token });

/** A builder's workspace the database says runs on the test's agent. */
async function running(owner: () => Member = () => fx.members.builder, blueprintId = starterId): Promise<{ id: string; blueprintId: string }> {
  const w = await fx.services.workspaces.create(owner().actor, { blueprintId, name: fresh('ws') });
  await fx.services.workspaces.setObserved(agentActor(agentId), w.id, 'running', '', agentId);
  return { id: w.id, blueprintId: w.blueprintId };
}
const hold = (workspaceId: string, over: Partial<HoldRequest> = {}): HoldRequest => ({
  workspaceId, action: { class: 'git_push', remote: 'origin', ref: 'refs/heads/main', force: true, delete: false },
  summary: 'git push --force to origin/main', ruleId: 'default-force-push', timeoutSeconds: 300, ...over,
});
const governance = (workspaceId: string, m: Member = fx.members.builder) => fx.request('GET', `/api/v1/workspaces/${workspaceId}/governance`, { credential: as(m) });
const killSwitch = (body: unknown) => fx.request('PUT', '/api/v1/governance/kill-switch', { credential: as(fx.members.admin), body });

beforeAll(async () => {
  fx = await InProcessPortal.start();
  starterId = (await fx.services.blueprints.list(fx.members.admin.actor)).find((b) => b.name === 'Starter')!.id;
  agentId = (await fx.services.enrollment.enroll(await fx.services.enrollment.createToken(), 'gov', 'test'))!.agentId;
  other = await fx.member('other-builder@example.com', 'builder');
});
afterAll(async () => { await fx?.close(); });

describe("a workspace's governance, as its owner sees it", () => {
  it('shows the owner its held actions by their summaries, oldest first; admins and auditors too; another builder gets 404', async () => {
    const w = await running();
    const first = await fx.services.governanceApprovals.hold(agentId, hold(w.id));
    fx.clock.advance(1000);
    const second = await fx.services.governanceApprovals.hold(agentId, hold(w.id, {
      action: { class: 'bash_command', command: 'rm -rf /data' }, summary: 'rm -rf /data', ruleId: 'default-rm',
    }));
    // Someone else's hold is not in it.
    await fx.services.governanceApprovals.hold(agentId, hold((await running()).id));

    const res = await governance(w.id);
    expect(res.status).toBe(200);
    expect(workspaceGovernanceSchema.strict().parse(res.body)).toEqual({
      mode: 'monitor',
      killSwitch: { engaged: false, scope: null },
      holds: [
        { id: first.id, class: 'git_push', summary: 'git push --force to origin/main', requestedAt: expect.any(String), expiresAt: first.expiresAt },
        { id: second.id, class: 'bash_command', summary: 'rm -rf /data', requestedAt: expect.any(String), expiresAt: second.expiresAt },
      ],
      decided: [],
    });
    // Only the one-line summary: never the action's own fields, who asked, or the rule.
    expect(Object.keys(res.body.holds[0]).sort()).toEqual(['class', 'expiresAt', 'id', 'requestedAt', 'summary']);

    for (const m of [fx.members.admin, fx.members.auditor]) expect((await governance(w.id, m)).body.holds).toHaveLength(2);
    const refused = await governance(w.id, other);
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('not_found');
    // The same answer as for a workspace that doesn't exist: nothing leaks.
    const none = await governance('00000000-0000-4000-8000-000000000000', other);
    expect(none).toMatchObject({ status: 404, body: refused.body });
    expect((await fx.request('GET', `/api/v1/workspaces/${w.id}/governance`)).status).toBe(401);
  });

  it('moves a decided hold from the waiting list to the decided ones, with its state, and forgets it after a while', async () => {
    const w = await running();
    const approved = await fx.services.governanceApprovals.hold(agentId, hold(w.id));
    const denied = await fx.services.governanceApprovals.hold(agentId, hold(w.id, { action: { class: 'bash_command', command: 'dropdb prod' }, summary: 'dropdb prod' }));
    const expired = await fx.services.governanceApprovals.hold(agentId, hold(w.id, {
      action: { class: 'bash_command', command: 'psql -c "drop table t"' }, summary: 'psql -c "drop table t"', timeoutSeconds: 60,
    }));
    await fx.services.governanceApprovals.decide(approved.id, { decision: 'approve', scope: 'once' }, fx.members.admin.actor);
    fx.clock.advance(1000);
    await fx.services.governanceApprovals.decide(denied.id, { decision: 'deny', scope: 'once' }, fx.members.admin.actor);
    fx.clock.advance(60_000);
    await fx.services.governanceApprovals.sweep();

    const res = await governance(w.id);
    expect(res.body.holds).toEqual([]);
    expect(res.body.decided.map((d: { id: string; state: string; summary: string }) => [d.id, d.state, d.summary])).toEqual([
      [expired.id, 'expired', 'psql -c "drop table t"'],
      [denied.id, 'denied', 'dropdb prod'],
      [approved.id, 'approved', 'git push --force to origin/main'],
    ]);
    fx.clock.advance(10 * 60_000);
    expect((await governance(w.id)).body.decided).toEqual([]);
  });

  it("names the kill switch's scope and reason, org-wide and for the workspace's blueprint, and not once released", async () => {
    const w = await running();
    const bp = (await fx.services.blueprints.create({ name: fresh('bp'), description: '' }, fx.members.admin.actor)).id;
    const elsewhere = await running(() => fx.members.builder, bp);

    expect((await killSwitch({ scope: 'blueprint', blueprintId: starterId, engaged: true, reason: 'leaked key in the starter' })).status).toBe(200);
    expect((await governance(w.id)).body.killSwitch).toEqual({ engaged: true, scope: 'blueprint', reason: 'leaked key in the starter' });
    // Another blueprint's workspace is not stopped, and learns nothing of it.
    expect((await governance(elsewhere.id)).body.killSwitch).toEqual({ engaged: false, scope: null });

    expect((await killSwitch({ scope: 'org', engaged: true, reason: 'runaway agent drill' })).status).toBe(200);
    // The org's wins over the blueprint's.
    expect((await governance(w.id)).body.killSwitch).toEqual({ engaged: true, scope: 'org', reason: 'runaway agent drill' });
    expect((await governance(elsewhere.id)).body.killSwitch).toEqual({ engaged: true, scope: 'org', reason: 'runaway agent drill' });

    await killSwitch({ scope: 'org', engaged: false });
    expect((await governance(w.id)).body.killSwitch).toEqual({ engaged: true, scope: 'blueprint', reason: 'leaked key in the starter' });
    await killSwitch({ scope: 'blueprint', blueprintId: starterId, engaged: false, reason: 'rotated' });
    // A released switch keeps its row and its last reason; the builder sees neither.
    expect((await governance(w.id)).body.killSwitch).toEqual({ engaged: false, scope: null });
    expect((await governance(elsewhere.id)).body.killSwitch).toEqual({ engaged: false, scope: null });
  });
});

describe('the live events a workspace page follows', () => {
  /** Follows GET /api/v1/events as a member, collecting its `governance` events. */
  async function follow(m: Member) {
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${fx.portal.port}/api/v1/events`, { headers: { authorization: `Bearer ${m.token}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    const got: unknown[] = [];
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body!) {
          buffer += decoder.decode(chunk as Uint8Array, { stream: true });
          for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (!block.startsWith('event: governance\n')) continue;
            got.push(JSON.parse(block.slice(block.indexOf('data: ') + 6)));
          }
        }
      } catch { /* aborted */ }
    })();
    // The stream is subscribed once its first bytes arrived: give the retry line a moment.
    await new Promise((r) => setTimeout(r, 100));
    return { got, close: () => controller.abort() };
  }
  const until = async (check: () => boolean) => {
    for (const deadline = Date.now() + 5000; !check() && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
  };

  it("tells the owner, admins and auditors when a hold of the workspace is asked for or decided, and nobody else", async () => {
    const w = await running();
    const [owner, auditor, stranger] = await Promise.all([follow(fx.members.builder), follow(fx.members.auditor), follow(other)]);
    // The portal's own sweep may expire earlier tests' holds meanwhile: each follower is asked about this workspace.
    const about = (s: { got: unknown[] }, id: string) => s.got.filter((e) => (e as { workspaceId?: string }).workspaceId === id);
    const held = await fx.services.governanceApprovals.hold(agentId, hold(w.id));
    await until(() => about(owner, w.id).length >= 1 && about(auditor, w.id).length >= 1);
    await fx.services.governanceApprovals.decide(held.id, { decision: 'deny', scope: 'once' }, fx.members.admin.actor);
    await until(() => about(owner, w.id).length >= 2 && about(auditor, w.id).length >= 2);
    // The stranger's stream had every chance to hear of it: a later event it may hear, of its own workspace, has arrived.
    const theirs = await running(() => other);
    await fx.services.governanceApprovals.hold(agentId, hold(theirs.id));
    await until(() => about(stranger, theirs.id).length >= 1);
    expect(about(owner, w.id)).toEqual([{ type: 'governance', workspaceId: w.id }, { type: 'governance', workspaceId: w.id }]);
    expect(about(auditor, w.id)).toEqual(about(owner, w.id));
    expect(about(stranger, theirs.id)).toEqual([{ type: 'governance', workspaceId: theirs.id }]);
    expect(about(stranger, w.id)).toEqual([]);
    expect(about(owner, theirs.id)).toEqual([]);
    for (const s of [owner, auditor, stranger]) s.close();
  });

  it("reads a hold's workspace owner once per event, however many streams follow it", async () => {
    const w = await running();
    const streams = await Promise.all([follow(fx.members.builder), follow(fx.members.builder), follow(fx.members.auditor), follow(other)]);
    const workspaces = fx.services.workspaces;
    const ownerOf = workspaces.ownerOf.bind(workspaces);
    const asked: string[] = [];
    workspaces.ownerOf = async (id) => { asked.push(id); return ownerOf(id); };
    try {
      await fx.services.governanceApprovals.hold(agentId, hold(w.id));
      await until(() => streams.slice(0, 3).every((s) => s.got.some((e) => (e as { workspaceId?: string }).workspaceId === w.id)));
      expect(asked.filter((id) => id === w.id)).toEqual([w.id]);
    } finally {
      workspaces.ownerOf = ownerOf;
      for (const s of streams) s.close();
    }
  });

  it('tells every follower that a kill switch changed, without naming its blueprint', async () => {
    const follower = await follow(other);
    await killSwitch({ scope: 'blueprint', blueprintId: starterId, engaged: true, reason: 'drill' });
    const unnamed = () => follower.got.filter((e) => !('workspaceId' in (e as object)));
    await until(() => unnamed().length >= 1);
    await killSwitch({ scope: 'blueprint', blueprintId: starterId, engaged: false });
    await until(() => unnamed().length >= 2);
    expect(unnamed()).toEqual([{ type: 'governance' }, { type: 'governance' }]);
    expect(JSON.stringify(follower.got)).not.toContain(starterId);
    follower.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_PENDING_PER_WORKSPACE, agentActor } from '@paddock/portal';
import type { GovernanceEventReport, HoldRequest } from '@paddock/protocol';
import { InProcessPortal } from './harness/inProcessPortal.js';

/**
 * The governance API in-process (issue 9, "API contract"): policies, overrides,
 * kill switches, events and approvals on a real portal and database. The tunnel
 * side (an agent's reports, holds and decisions) is e2e/governanceTunnel.test.ts.
 */
let fx: InProcessPortal;
let starterId: string;
let agentId: string;
let otherAgent: string;
let seq = 0;
const fresh = (what: string) => `${what}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;
const admin = () => ({ bearer: fx.members.admin.token });
const auditor = () => ({ bearer: fx.members.auditor.token });
const builder = () => ({ bearer: fx.members.builder.token });

/** A workspace the database says runs on `agent`. */
async function runningOn(agent: string): Promise<{ id: string; blueprintId: string }> {
  const w = await fx.services.workspaces.create(fx.members.builder.actor, { blueprintId: starterId, name: fresh('ws') });
  await fx.services.workspaces.setObserved(agentActor(agent), w.id, 'running', '', agent);
  return { id: w.id, blueprintId: w.blueprintId };
}

const report = (workspaceId: string, over: Partial<GovernanceEventReport> = {}): GovernanceEventReport => ({
  workspaceId, at: fx.clock.now().toISOString(), point: 'hook', class: 'bash_command', summary: 'ls -la', verdict: 'allow', enforced: false, ...over,
});
const hold = (workspaceId: string, over: Partial<HoldRequest> = {}): HoldRequest => ({
  workspaceId, action: { class: 'git_push', remote: 'origin', ref: 'refs/heads/main', force: true, delete: false },
  summary: 'git push --force to origin/main', ruleId: 'default-force-push', timeoutSeconds: 300, ...over,
});
const enroll = async (name: string) => (await fx.services.enrollment.enroll(await fx.services.enrollment.createToken(), name, 'test'))!.agentId;

beforeAll(async () => {
  fx = await InProcessPortal.start();
  starterId = (await fx.services.blueprints.list(fx.members.admin.actor)).find((b) => b.name === 'Starter')!.id;
  agentId = await enroll('gov');
  otherAgent = await enroll('other');
});
afterAll(async () => { await fx?.close(); });

describe('the org policy', () => {
  it('is the defaults until saved: monitor, registries allowed, other domains denied', async () => {
    const res = await fx.request('GET', '/api/v1/governance/policy', { credential: auditor() });
    expect(res.status).toBe(200);
    expect(res.body.mode).toBe('monitor');
    expect(res.body.defaults.http_request).toBe('deny');
    expect(res.body.rules.some((r: { class: string; verdict: string }) => r.class === 'http_request' && r.verdict === 'allow')).toBe(true);
  });

  it('is replaced by an admin only, with ids for unnamed rules, and audited with who', async () => {
    const policy = {
      mode: 'enforce', defaults: { llm_call: 'allow', bash_command: 'allow', file_write: 'allow', git_push: 'ask', http_request: 'deny' },
      rules: [{ class: 'http_request', match: { domain: '*.example.com' }, verdict: 'allow' }, { id: 'mine', class: 'bash_command', match: { command: 'curl **' }, verdict: 'deny' }],
      contentFilters: { secrets: true, privateKeys: false, exfiltration: true },
      passthrough: ['pinned.example.com'],
    };
    expect((await fx.request('PUT', '/api/v1/governance/policy', { credential: auditor(), body: policy })).status).toBe(403);
    expect((await fx.request('GET', '/api/v1/governance/policy', { credential: builder() })).status).toBe(403);
    const res = await fx.request('PUT', '/api/v1/governance/policy', { credential: admin(), body: policy });
    expect(res.status).toBe(200);
    expect(res.body.rules[0].id).toMatch(/^rule-/);
    expect(res.body.rules[1].id).toBe('mine');
    expect(res.body.passthrough).toEqual(['pinned.example.com']);
    expect((await fx.request('GET', '/api/v1/governance/policy', { credential: auditor() })).body).toEqual(res.body);
    const [entry] = await fx.services.audit.list({ limit: 1, action: 'governance.policy.update' });
    expect(entry?.actor).toMatchObject({ kind: 'user', email: fx.members.admin.email });
    expect(entry?.detail).toMatchObject({ policy: { mode: 'enforce' } });
  });

  it('refuses a malformed policy in the one error shape', async () => {
    for (const body of [{ mode: 'loud' }, { mode: 'off', defaults: {}, rules: [], contentFilters: {} }]) {
      const res = await fx.request('PUT', '/api/v1/governance/policy', { credential: admin(), body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
    const twice = await fx.request('PUT', '/api/v1/governance/policy', {
      credential: admin(),
      body: { ...(await fx.services.governancePolicies.org()), rules: [{ id: 'x', class: 'llm_call', match: {}, verdict: 'allow' }, { id: 'x', class: 'llm_call', match: {}, verdict: 'deny' }] },
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error.message).toMatch(/used twice/);
  });
});

describe("a blueprint's override and the effective policy", () => {
  it('inherits what it leaves out; its rules come before the org rules', async () => {
    const bp = (await fx.services.blueprints.create({ name: fresh('bp'), description: 'x' }, fx.members.admin.actor)).id;
    expect((await fx.request('GET', `/api/v1/blueprints/${bp}/governance`, { credential: auditor() })).body).toEqual({});
    const override = { mode: 'monitor', defaults: { bash_command: 'ask' }, rules: [{ id: 'bp-rule', class: 'http_request', match: { domain: 'api.example.com' }, verdict: 'deny' }], passthrough: ['*.bank.example'] };
    const put = await fx.request('PUT', `/api/v1/blueprints/${bp}/governance`, { credential: admin(), body: override });
    expect(put.status).toBe(200);
    const org = await fx.services.governancePolicies.org();
    const effective = await fx.services.governancePolicies.effectiveFor({ id: 'w-none', blueprintId: bp });
    expect(effective.mode).toBe('monitor');
    expect(effective.defaults).toEqual({ ...org.defaults, bash_command: 'ask' });
    expect(effective.rules.map((r) => r.id)).toEqual(['bp-rule', ...org.rules.map((r) => r.id)]);
    expect(effective.killSwitch).toEqual({ engaged: false });
    // The egress proxy passes through the blueprint's domains and the org's.
    expect(effective.passthrough).toEqual(['*.bank.example', ...org.passthrough ?? []]);
    expect((await fx.request('PUT', '/api/v1/blueprints/00000000-0000-4000-8000-000000000000/governance', { credential: admin(), body: {} })).status).toBe(404);
  });
});

describe('the kill switch', () => {
  it('engages and releases org-wide and per blueprint, audited with who and why', async () => {
    const bp = (await fx.services.blueprints.create({ name: fresh('bp'), description: 'x' }, fx.members.admin.actor)).id;
    let res = await fx.request('PUT', '/api/v1/governance/kill-switch', { credential: admin(), body: { scope: 'blueprint', blueprintId: bp, engaged: true, reason: 'leak' } });
    expect(res.status).toBe(200);
    expect(res.body.blueprints[bp]).toEqual({ engaged: true, reason: 'leak' });
    expect((await fx.services.governancePolicies.effectiveFor({ id: 'w', blueprintId: bp })).killSwitch).toEqual({ engaged: true, scope: 'blueprint', reason: 'leak' });
    res = await fx.request('PUT', '/api/v1/governance/kill-switch', { credential: admin(), body: { scope: 'org', engaged: true, reason: 'incident 42' } });
    expect(res.body.org).toEqual({ engaged: true, reason: 'incident 42' });
    expect((await fx.services.governancePolicies.effectiveFor({ id: 'w', blueprintId: bp })).killSwitch).toEqual({ engaged: true, scope: 'org', reason: 'incident 42' });
    const [entry] = await fx.services.audit.list({ limit: 1, action: 'governance.kill_switch.engage' });
    expect(entry).toMatchObject({ actor: { kind: 'user', email: fx.members.admin.email }, detail: { scope: 'org', reason: 'incident 42' } });
    await fx.request('PUT', '/api/v1/governance/kill-switch', { credential: admin(), body: { scope: 'org', engaged: false, reason: 'resolved' } });
    await fx.request('PUT', '/api/v1/governance/kill-switch', { credential: admin(), body: { scope: 'blueprint', blueprintId: bp, engaged: false } });
    expect((await fx.request('GET', '/api/v1/governance/kill-switch', { credential: auditor() })).body).toMatchObject({ org: { engaged: false }, blueprints: { [bp]: { engaged: false } } });
    expect((await fx.services.audit.list({ limit: 5, action: 'governance.kill_switch.release' })).length).toBe(2);
  });

  it('refuses a blueprint scope without a blueprint, an org scope with one, and a blueprint that does not exist', async () => {
    for (const [body, status] of [
      [{ scope: 'blueprint', engaged: true }, 400],
      [{ scope: 'org', blueprintId: starterId, engaged: true }, 400],
      [{ scope: 'blueprint', blueprintId: 'nope', engaged: true }, 404],
      [{ scope: 'org', engaged: true, extra: 1 }, 400],
    ] as const) {
      expect((await fx.request('PUT', '/api/v1/governance/kill-switch', { credential: admin(), body })).status).toBe(status);
    }
    expect((await fx.services.governancePolicies.killSwitch()).org.engaged).toBe(false);
  });
});

describe('events', () => {
  it("stores an agent's events for its own workspaces only, tagged from the portal's rows", async () => {
    const mine = await runningOn(agentId);
    const theirs = await runningOn(otherAgent);
    const stored = await fx.services.governanceEvents.record(agentId, [
      report(mine.id, { summary: 'rm -rf /srv', verdict: 'ask', ruleId: 'default-rm-1' }),
      report(theirs.id),
      report('not-a-workspace'),
      { workspaceId: mine.id, class: 'nonsense' },
    ]);
    expect(stored).toBe(1);
    const res = await fx.request('GET', `/api/v1/governance/events?workspaceId=${mine.id}`, { credential: auditor() });
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([expect.objectContaining({
      workspaceId: mine.id, userId: fx.members.builder.id, blueprintId: starterId, class: 'bash_command', summary: 'rm -rf /srv', verdict: 'ask', enforced: false, ruleId: 'default-rm-1',
    })]);
    expect((await fx.request('GET', `/api/v1/governance/events?workspaceId=${theirs.id}`, { credential: auditor() })).body.items).toEqual([]);
  });

  it('filters by class, verdict and time, and pages with a cursor, newest first', async () => {
    const w = await runningOn(agentId);
    const at = (minutesAgo: number) => new Date(fx.clock.now().getTime() - minutesAgo * 60_000).toISOString();
    await fx.services.governanceEvents.record(agentId, [
      report(w.id, { summary: 'one', at: at(30) }),
      report(w.id, { summary: 'two', class: 'http_request', verdict: 'deny', at: at(20) }),
      report(w.id, { summary: 'three', class: 'http_request', verdict: 'allow', at: at(10) }),
      report(w.id, { summary: 'four', at: at(1) }),
    ]);
    const get = async (q: string) => (await fx.request('GET', `/api/v1/governance/events?workspaceId=${w.id}&${q}`, { credential: admin() })).body;
    expect((await get('class=http_request')).items.map((e: { summary: string }) => e.summary)).toEqual(['three', 'two']);
    expect((await get('verdict=deny')).items.map((e: { summary: string }) => e.summary)).toEqual(['two']);
    expect((await get(`since=${encodeURIComponent(at(15))}`)).items.map((e: { summary: string }) => e.summary)).toEqual(['four', 'three']);
    const first = await get('limit=3');
    expect(first.items.map((e: { summary: string }) => e.summary)).toEqual(['four', 'three', 'two']);
    const second = await get(`limit=3&cursor=${first.nextCursor}`);
    expect(second).toEqual({ items: [expect.objectContaining({ summary: 'one' })], nextCursor: null });
    for (const q of ['class=shell', 'cursor=abc', 'since=yesterday', 'limit=0', 'other=1']) {
      expect((await fx.request('GET', `/api/v1/governance/events?${q}`, { credential: admin() })).status, q).toBe(400);
    }
  });
});

describe('approvals', () => {
  const decide = (id: string, body: unknown, credential = admin()) => fx.request('POST', `/api/v1/governance/approvals/${id}`, { credential, body });

  it("refuses a hold for a workspace the agent doesn't run", async () => {
    const theirs = await runningOn(otherAgent);
    await expect(fx.services.governanceApprovals.hold(agentId, hold(theirs.id))).rejects.toMatchObject({ status: 404 });
    await expect(fx.services.governanceApprovals.hold(agentId, { nonsense: true })).rejects.toMatchObject({ status: 400 });
  });

  it('approved with a rule: releases every pending hold of the same action, and adds exactly that action as a rule, first', async () => {
    const w = await runningOn(agentId);
    const a = await fx.services.governanceApprovals.hold(agentId, hold(w.id));
    const b = await fx.services.governanceApprovals.hold(agentId, hold(w.id));
    const other = await fx.services.governanceApprovals.hold(agentId, hold(w.id, { action: { class: 'git_push', remote: 'origin', ref: 'refs/heads/dev', force: true, delete: false } }));
    expect(Date.parse(a.expiresAt) - fx.clock.now().getTime()).toBe(300_000);
    const pending = await fx.request('GET', `/api/v1/governance/approvals?state=pending&workspaceId=${w.id}`, { credential: auditor() });
    expect(pending.body.items.map((i: { id: string }) => i.id).sort()).toEqual([a.id, b.id, other.id].sort());
    expect((await decide(a.id, { decision: 'approve', scope: 'rule' }, auditor())).status).toBe(403);

    const res = await decide(a.id, { decision: 'approve', scope: 'rule', reason: 'release day' });
    expect(res.status).toBe(200);
    expect(res.body.approval).toMatchObject({ id: a.id, state: 'approved', scope: 'rule', decidedBy: { email: fx.members.admin.email } });
    expect(res.body.released).toEqual([b.id]);
    expect((await fx.services.governanceApprovals.outcome(b.id))?.decision).toEqual({ heldId: b.id, decision: 'approve', reason: `approved by ${fx.members.admin.email} with a rule` });
    expect((await fx.services.governanceApprovals.list({ state: 'pending', workspaceId: w.id, limit: 10 })).map((i) => i.id)).toEqual([other.id]);

    const effective = await fx.services.governancePolicies.effectiveFor(w);
    expect(effective.rules[0]).toEqual({
      id: expect.stringMatching(/^grant-/), class: 'git_push', match: { remote: 'origin', ref: 'refs/heads/main', force: true, delete: false }, verdict: 'allow',
    });
    // Only this workspace's policy holds it.
    expect((await fx.services.governancePolicies.effectiveFor({ id: 'another', blueprintId: w.blueprintId })).rules[0]?.id).not.toMatch(/^grant-/);
    const [entry] = await fx.services.audit.list({ limit: 1, action: 'governance.approval.approve' });
    expect(entry).toMatchObject({ actor: { kind: 'user', email: fx.members.admin.email }, targetId: w.id, detail: { approvalId: a.id, scope: 'rule', reason: 'release day', released: [b.id] } });

    const again = await decide(a.id, { decision: 'deny', scope: 'once' });
    expect(again.status).toBe(409);
  });

  it('approved for N minutes: the grant ends when they are up, by the clock', async () => {
    const w = await runningOn(agentId);
    const a = await fx.services.governanceApprovals.hold(agentId, hold(w.id, { action: { class: 'bash_command', command: 'rm -rf /srv/cache' }, ruleId: 'default-rm-1' }));
    expect((await decide(a.id, { decision: 'approve', scope: 'minutes', minutes: 10 })).status).toBe(200);
    expect((await fx.services.governancePolicies.effectiveFor(w)).rules[0]).toMatchObject({ class: 'bash_command', match: { command: 'rm -rf /srv/cache' }, verdict: 'allow' });
    fx.clock.advance(10 * 60_000);
    expect((await fx.services.governancePolicies.effectiveFor(w)).rules[0]?.id).not.toMatch(/^grant-/);
    await fx.services.governanceApprovals.sweep();
    expect(await fx.db.selectFrom('governance_grants').select('id').where('workspace_id', '=', w.id).execute()).toEqual([]);
  });

  it('denied with a rule: a deny rule for exactly that action', async () => {
    const w = await runningOn(agentId);
    const a = await fx.services.governanceApprovals.hold(agentId, hold(w.id, { action: { class: 'http_request', domain: 'Evil.example', method: 'post', path: '/upload' } }));
    const res = await decide(a.id, { decision: 'deny', scope: 'rule' });
    expect(res.body.approval.state).toBe('denied');
    expect((await fx.services.governancePolicies.effectiveFor(w)).rules[0]).toMatchObject({ class: 'http_request', match: { domain: 'evil.example', method: 'POST', path: '/upload' }, verdict: 'deny' });
  });

  it('refuses decisions that would widen or make no sense', async () => {
    const w = await runningOn(agentId);
    const llm = await fx.services.governanceApprovals.hold(agentId, hold(w.id, { action: { class: 'llm_call', model: 'x' }, summary: 'a model call' }));
    expect((await decide(llm.id, { decision: 'approve', scope: 'rule' })).status).toBe(400);
    // A command no pattern names exactly: not for N minutes, not as a rule (either would cover more than was asked).
    const wild = await fx.services.governanceApprovals.hold(agentId, hold(w.id, { action: { class: 'bash_command', command: 'rm -rf /srv/*' }, summary: 'rm -rf /srv/*' }));
    for (const body of [{ decision: 'approve', scope: 'minutes', minutes: 5 }, { decision: 'approve', scope: 'rule' }, { decision: 'deny', scope: 'rule' }]) {
      const res = await decide(wild.id, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(/decide it once/);
    }
    expect((await decide(wild.id, { decision: 'deny', scope: 'once' })).status).toBe(200);
    // An action the agent masked (it carried the workspace's credential): the portal holds only the mask, so once only.
    const masked = await fx.services.governanceApprovals.hold(agentId, hold(w.id, { action: { class: 'bash_command', command: 'curl -H "Authorization: sk-l***"' }, summary: 'curl', redacted: true }));
    // The queue says so, so the page can offer "once" only; an ordinary hold says it isn't.
    const listed = await fx.request('GET', `/api/v1/governance/approvals?state=pending&workspaceId=${w.id}`, { credential: auditor() });
    expect(listed.status).toBe(200);
    expect(Object.fromEntries(listed.body.items.map((i: { id: string; redacted: boolean }) => [i.id, i.redacted]))).toEqual({ [masked.id]: true, [llm.id]: false });
    for (const body of [{ decision: 'approve', scope: 'minutes', minutes: 5 }, { decision: 'approve', scope: 'rule' }]) {
      const res = await decide(masked.id, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(/credentials .*decide it once/);
    }
    const once = await decide(masked.id, { decision: 'approve', scope: 'once' });
    expect(once.status).toBe(200);
    expect(once.body.approval).toMatchObject({ state: 'approved', redacted: true });
    for (const body of [{ decision: 'approve', scope: 'minutes' }, { decision: 'deny', scope: 'minutes', minutes: 5 }, { decision: 'approve', scope: 'once', minutes: 5 }, { decision: 'maybe', scope: 'once' }]) {
      expect((await decide(llm.id, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await decide('00000000-0000-4000-8000-000000000000', { decision: 'approve', scope: 'once' })).status).toBe(404);
    expect((await fx.services.governanceApprovals.list({ state: 'pending', workspaceId: w.id, limit: 5 })).map((i) => i.id)).toEqual([llm.id]);
  });

  it('refuses more pending holds than a workspace may have at once', async () => {
    const w = await runningOn(agentId);
    for (let i = 0; i < MAX_PENDING_PER_WORKSPACE; i++) await fx.services.governanceApprovals.hold(agentId, hold(w.id, { summary: `push ${i}` }));
    await expect(fx.services.governanceApprovals.hold(agentId, hold(w.id))).rejects.toMatchObject({ status: 429 });
    const [first] = await fx.services.governanceApprovals.list({ state: 'pending', workspaceId: w.id, limit: 1 });
    // All the same action: one decision releases them all, and the workspace may hold again.
    expect((await decide(first!.id, { decision: 'deny', scope: 'once' })).body.released).toHaveLength(MAX_PENDING_PER_WORKSPACE - 1);
    expect((await fx.services.governanceApprovals.hold(agentId, hold(w.id))).id).toEqual(expect.any(String));
  });

  it('expires a hold nobody decided, by the clock, and denies it', async () => {
    const w = await runningOn(agentId);
    const a = await fx.services.governanceApprovals.hold(agentId, hold(w.id, { timeoutSeconds: 60 }));
    await fx.services.governanceApprovals.sweep();
    expect((await fx.services.governanceApprovals.list({ workspaceId: w.id, limit: 5 }))[0]?.state).toBe('pending');
    fx.clock.advance(60_000);
    expect((await decide(a.id, { decision: 'approve', scope: 'once' })).status).toBe(409);
    await fx.services.governanceApprovals.sweep();
    expect((await fx.services.governanceApprovals.list({ workspaceId: w.id, limit: 5 }))[0]?.state).toBe('expired');
    expect((await fx.services.governanceApprovals.outcome(a.id))?.decision).toEqual({ heldId: a.id, decision: 'deny', reason: 'no admin decided in time' });
  });
});

describe('the live feed', () => {
  const url = () => `ws://127.0.0.1:${fx.portal.port}/api/v1/governance/feed`;
  const open = (headers: Record<string, string>, query = '') => new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url() + query, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });

  it('sends admins and auditors the events their filters pass, as they are stored', async () => {
    const w = await runningOn(agentId);
    const ws = await open({ authorization: `Bearer ${fx.members.auditor.token}` }, `?workspaceId=${w.id}&verdict=deny`);
    const got: Array<{ type: string; event: { summary: string } }> = [];
    ws.on('message', (m) => got.push(JSON.parse(String(m))));
    await fx.services.governanceEvents.record(agentId, [report(w.id, { summary: 'allowed' }), report(w.id, { summary: 'denied', verdict: 'deny', class: 'http_request' })]);
    const deadline = Date.now() + 5000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual([{ type: 'event', event: expect.objectContaining({ summary: 'denied', workspaceId: w.id, userId: fx.members.builder.id, verdict: 'deny' }) }]);
    ws.close();
  });

  it('refuses builders, nobody, a bad filter, and a session cookie from another origin, before the upgrade', async () => {
    const session = await fx.session(fx.members.admin.id);
    await expect(open({ authorization: `Bearer ${fx.members.builder.token}` })).rejects.toThrow('HTTP 403');
    await expect(open({})).rejects.toThrow('HTTP 401');
    await expect(open({ authorization: `Bearer ${fx.members.admin.token}` }, '?class=shell')).rejects.toThrow('HTTP 400');
    await expect(open({ cookie: session.cookie, origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
    const ok = await open({ cookie: session.cookie, origin: fx.services.config.publicUrl });
    ok.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, TestStack } from './harness/testStack.js';

const MISSING_ID = '00000000-0000-4000-8000-000000000000';

describe('members and blueprint access', () => {
  let stack: TestStack;
  beforeAll(async () => { stack = await TestStack.start(); });
  afterAll(async () => { await stack?.close(); });

  const createBlueprint = async (name: string) => (await stack.api('POST', '/api/v1/blueprints', { name, description: 'x' })).body.id as string;
  const catalog = async (token: string) =>
    ((await stack.api('GET', '/api/v1/blueprints', undefined, token)).body.blueprints as Array<{ name: string }>).map((b) => b.name);

  it('shows restricted blueprints only to matching users, and the API refuses the rest', async () => {
    const finance = await createBlueprint('Finance dashboards');
    const carol = await stack.userToken('carol@finance.example.com');
    const dave = await stack.userToken('dave@sales.example.com');
    const erin = await stack.userToken('erin@sales.example.com');
    const auditor = await stack.userToken('aud@example.com', 'auditor');

    expect(await catalog(dave.token)).toContain('Finance dashboards'); // open by default
    const set = await stack.api('PUT', `/api/v1/blueprints/${finance}/access`, {
      access: 'restricted', rules: [{ kind: 'domain', value: 'Finance.example.com' }, { kind: 'user', value: erin.id }],
    });
    expect(set.status).toBe(200);
    expect(set.body.rules).toContainEqual({ kind: 'domain', value: 'finance.example.com' }); // normalized

    expect(await catalog(carol.token)).toContain('Finance dashboards'); // by domain
    expect(await catalog(erin.token)).toContain('Finance dashboards'); // granted to her
    expect(await catalog(dave.token)).not.toContain('Finance dashboards');
    expect(await catalog(dave.token)).toContain('Starter');
    expect(await catalog(ADMIN_TOKEN)).toContain('Finance dashboards'); // admins see all
    expect(await catalog(auditor.token)).toContain('Finance dashboards'); // auditors read all

    expect((await stack.api('GET', `/api/v1/blueprints/${finance}`, undefined, dave.token)).status).toBe(404);
    const refused = await stack.api('POST', '/api/v1/workspaces', { blueprintId: finance, name: 'sneaky' }, dave.token);
    expect(refused.status).toBe(404);
    const allowed = await stack.api('POST', '/api/v1/workspaces', { blueprintId: finance, name: 'books' }, carol.token);
    expect(allowed.status).toBe(201);
    await stack.api('DELETE', `/api/v1/workspaces/${allowed.body.id}`, undefined, carol.token);

    // by role, and by group
    const bp2 = await createBlueprint('Ops');
    await stack.api('PUT', `/api/v1/blueprints/${bp2}/access`, { access: 'restricted', rules: [{ kind: 'group', value: 'platform' }] });
    expect(await catalog(dave.token)).not.toContain('Ops');
    const now = new Date();
    await stack.db.insertInto('groups').values({ id: 'g1', display_name: 'Platform', external_id: null, source: 'local', created_at: now, updated_at: now }).execute();
    await stack.db.insertInto('group_members').values({ group_id: 'g1', user_id: dave.id }).execute();
    expect(await catalog(dave.token)).toContain('Ops');
    await stack.api('PUT', `/api/v1/blueprints/${bp2}/access`, { access: 'restricted', rules: [{ kind: 'role', value: 'builder' }] });
    expect(await catalog(erin.token)).toContain('Ops');

    const bad = await stack.api('PUT', `/api/v1/blueprints/${bp2}/access`, { access: 'restricted', rules: [{ kind: 'planet', value: 'x' }] });
    expect(bad.status).toBe(400);
    expect((await stack.api('GET', `/api/v1/blueprints/${bp2}/access`)).body.rules).toEqual([{ kind: 'role', value: 'builder' }]); // unchanged
  });

  it('edits every field of a blueprint through PATCH, and refuses a 300-character name or too many suggestions with a message, changing nothing', async () => {
    const id = await createBlueprint('Everything');
    const patch = {
      model: 'claude-sonnet-4-5', llm: { kind: 'openai-compatible', baseUrl: 'https://llm.example.com/v1' },
      systemPrompt: 'Answer in plain words.', dataSourceNotes: 'The ledger is ledger.json.',
      tabs: [{ id: 'chat', kind: 'ai-chat', title: 'Ask' }, { id: 'dev', kind: 'command', title: 'Dev', command: 'npm run dev' }, { id: 'shell', kind: 'shell', title: 'Shell' }],
      defaultTab: 'dev', layoutLocked: true, editorEnabled: false, previewPorts: [5173, 3000],
      suggestedPrompts: ['Build a budget tracker', 'Make a contact form'], illustration: 'chart', enabled: false,
    };
    const res = await stack.api('PATCH', `/api/v1/blueprints/${id}`, patch);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await stack.api('GET', `/api/v1/blueprints/${id}`)).body).toMatchObject(patch);

    const long = 'n'.repeat(300);
    for (const [method, url, body] of [['PATCH', `/api/v1/blueprints/${id}`, { name: long }], ['POST', '/api/v1/blueprints', { name: long }]] as const) {
      const refused = await stack.api(method, url, body);
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toMatch(/^invalid request body: name: .*64/);
    }
    expect((await stack.api('GET', `/api/v1/blueprints/${id}`)).body.name).toBe('Everything'); // not cut to 64 either
    expect(await catalog(ADMIN_TOKEN)).not.toContain('n'.repeat(64));

    for (const suggestedPrompts of [Array.from({ length: 7 }, (_, i) => `idea ${i}`), ['x'.repeat(201)], ['two\nlines'], ['']]) {
      const refused = await stack.api('PATCH', `/api/v1/blueprints/${id}`, { suggestedPrompts });
      expect(refused.status, JSON.stringify(suggestedPrompts)).toBe(400);
      expect(refused.body.error.message).toContain('suggestedPrompts');
    }
    expect((await stack.api('PATCH', `/api/v1/blueprints/${id}`, { illustration: 'unicorn' })).status).toBe(400);
    expect((await stack.api('GET', `/api/v1/blueprints/${id}`)).body).toMatchObject({ suggestedPrompts: patch.suggestedPrompts, illustration: 'chart' });
  });

  it('a disabled blueprint is hidden from builders and refuses their new workspaces; the ones they have keep working', async () => {
    const id = await createBlueprint('Switchable');
    const gail = await stack.userToken('gail@example.com');
    const kept = await stack.api('POST', '/api/v1/workspaces', { blueprintId: id, name: 'kept' }, gail.token);
    expect(kept.status).toBe(201);
    await stack.waitForState(kept.body.id, 'running', gail.token, 60_000);

    const off = await stack.api('PATCH', `/api/v1/blueprints/${id}`, { enabled: false });
    expect(off.body).toMatchObject({ enabled: false, archivedAt: null });
    expect(await catalog(gail.token)).not.toContain('Switchable');
    expect(((await stack.api('GET', '/api/v1/blueprints')).body.blueprints as Array<{ id: string; enabled: boolean }>).find((b) => b.id === id)).toMatchObject({ enabled: false });
    const refused = await stack.api('POST', '/api/v1/workspaces', { blueprintId: id, name: 'new' }, gail.token);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe('the blueprint Switchable is turned off for now: ask an admin to turn it on');
    // An admin may try it before builders see it.
    const tried = await stack.api('POST', '/api/v1/workspaces', { blueprintId: id, name: 'admin-try' });
    expect(tried.status).toBe(201);
    await stack.api('DELETE', `/api/v1/workspaces/${tried.body.id}`);

    // Her workspace still reads its blueprint (its tabs), stops and starts.
    expect((await stack.api('GET', `/api/v1/blueprints/${id}`, undefined, gail.token)).status).toBe(200);
    expect((await stack.api('POST', `/api/v1/workspaces/${kept.body.id}/stop`, undefined, gail.token)).status).toBe(202);
    await stack.waitForState(kept.body.id, 'stopped', gail.token, 60_000);
    expect((await stack.api('POST', `/api/v1/workspaces/${kept.body.id}/start`, undefined, gail.token)).status).toBe(202);
    await stack.waitForState(kept.body.id, 'running', gail.token, 60_000);

    await stack.api('PATCH', `/api/v1/blueprints/${id}`, { enabled: true });
    expect(await catalog(gail.token)).toContain('Switchable');
    await stack.api('DELETE', `/api/v1/workspaces/${kept.body.id}`, undefined, gail.token);
    const audit = (await stack.api('GET', '/api/v1/audit?action=blueprint.update&limit=20')).body.entries as Array<{ targetId: string; detail: { enabled?: boolean } }>;
    expect(audit.filter((e) => e.targetId === id).map((e) => e.detail.enabled)).toEqual([true, false]);
  }, 240_000);

  it('archives (out of every catalog, no new workspaces, existing ones kept), unarchives, duplicates without secrets and deletes only what no workspace came from', async () => {
    const id = await createBlueprint('Original');
    const hal = await stack.userToken('hal@example.com');
    await stack.api('PATCH', `/api/v1/blueprints/${id}`, { systemPrompt: 'Be brief.', suggestedPrompts: ['Build a quiz'], illustration: 'app', allowPublicApps: true });
    await stack.api('PUT', `/api/v1/blueprints/${id}/access`, { access: 'restricted', rules: [{ kind: 'email', value: 'hal@example.com' }] });
    expect((await stack.api('PUT', `/api/v1/blueprints/${id}/secrets/DB_TOKEN`, { value: 'secret-value' })).status).toBe(200);
    expect((await stack.api('PUT', `/api/v1/blueprints/${id}/llm-key`, { value: 'sk-original' })).status).toBe(200);
    expect((await stack.api('PUT', `/api/v1/blueprints/${id}/governance`, { mode: 'enforce' })).status).toBe(200);
    expect((await stack.api('PUT', `/api/v1/blueprints/${id}/policies`, { idleStopMinutes: 45 })).status).toBe(200);
    const ws = await stack.api('POST', '/api/v1/workspaces', { blueprintId: id, name: 'from-original' }, hal.token);
    expect(ws.status).toBe(201);

    const archived = await stack.api('POST', `/api/v1/blueprints/${id}/archive`);
    expect(archived.status).toBe(200);
    expect(archived.body.archivedAt).toEqual(expect.any(String));
    expect(await catalog(hal.token)).not.toContain('Original');
    const refused = await stack.api('POST', '/api/v1/workspaces', { blueprintId: id, name: 'after-archive' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe('the blueprint Original is archived: no new workspaces can be made from it');
    expect((await stack.api('GET', `/api/v1/workspaces/${ws.body.id}`, undefined, hal.token)).status).toBe(200);
    const unarchived = await stack.api('POST', `/api/v1/blueprints/${id}/unarchive`);
    expect(unarchived.body.archivedAt).toBeNull();
    expect(await catalog(hal.token)).toContain('Original');

    const copy = await stack.api('POST', `/api/v1/blueprints/${id}/duplicate`, { name: 'Original copy' });
    expect(copy.status, JSON.stringify(copy.body)).toBe(201);
    expect(copy.body).toMatchObject({ name: 'Original copy', systemPrompt: 'Be brief.', suggestedPrompts: ['Build a quiz'], illustration: 'app', allowPublicApps: true, access: 'restricted', enabled: false });
    expect((await stack.api('GET', `/api/v1/blueprints/${copy.body.id}/access`)).body.rules).toEqual([{ kind: 'email', value: 'hal@example.com' }]);
    expect((await stack.api('GET', `/api/v1/blueprints/${copy.body.id}/governance`)).body).toEqual({ mode: 'enforce' });
    expect((await stack.api('GET', `/api/v1/blueprints/${copy.body.id}/policies`)).body).toMatchObject({ idleStopMinutes: 45 });
    expect((await stack.api('GET', `/api/v1/blueprints/${copy.body.id}/secrets`)).body.secrets).toEqual([]);
    expect((await stack.api('GET', `/api/v1/blueprints/${copy.body.id}/llm-key`)).body.set).toBe(false);
    expect((await stack.api('POST', `/api/v1/blueprints/${id}/duplicate`, { name: 'Original copy' })).status).toBe(409);
    expect((await stack.api('POST', `/api/v1/blueprints/${id}/duplicate`, { name: 'c'.repeat(300) })).status).toBe(400);

    const inUse = await stack.api('DELETE', `/api/v1/blueprints/${id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.message).toMatch(/^1 workspace uses this blueprint: delete it first, or archive the blueprint/);
    await stack.api('DELETE', `/api/v1/workspaces/${ws.body.id}`, undefined, hal.token);
    await expect.poll(async () => (await stack.db.selectFrom('workspaces').select('state').where('id', '=', ws.body.id).executeTakeFirstOrThrow()).state, { timeout: 60_000 }).toBe('deleted');
    // A deleted workspace still names it (its history, a published app): archive, not delete.
    const history = await stack.api('DELETE', `/api/v1/blueprints/${id}`);
    expect(history.status).toBe(409);
    expect(history.body.error.message).toContain('archive it instead');

    expect((await stack.api('DELETE', `/api/v1/blueprints/${copy.body.id}`)).status).toBe(204);
    expect((await stack.api('GET', `/api/v1/blueprints/${copy.body.id}`)).status).toBe(404);
    expect((await stack.db.selectFrom('secrets').select('id').where('scope', 'like', `%:${copy.body.id}`).execute())).toEqual([]);
    const actions = ((await stack.api('GET', '/api/v1/audit?limit=100')).body.entries as Array<{ action: string; targetId: string }>)
      .filter((e) => e.targetId === id || e.targetId === copy.body.id).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['blueprint.archive', 'blueprint.unarchive', 'blueprint.duplicate', 'blueprint.delete']));
  }, 240_000);

  it('invites by single-use link that expires', async () => {
    const made = await stack.api('POST', '/api/v1/invites', { email: 'frank@example.com', role: 'builder' });
    expect(made.status).toBe(201);
    expect(made.body.url).toContain(`#${made.body.token}`);
    expect((await stack.api('GET', '/api/v1/invites')).body.invites.map((i: { email: string }) => i.email)).toContain('frank@example.com');
    expect((await stack.api('POST', '/api/v1/invites/lookup', { token: made.body.token }, '')).body.email).toBe('frank@example.com');

    const accepted = await stack.api('POST', '/api/v1/invites/accept', { token: made.body.token, name: 'Frank', password: 'a-long-enough-password' }, '');
    expect(accepted.status).toBe(200);
    expect(accepted.body.user).toMatchObject({ email: 'frank@example.com', role: 'builder', source: 'local' });
    expect(accepted.headers.get('set-cookie')).toMatch(/paddock_session=/);
    const again = await stack.api('POST', '/api/v1/invites/accept', { token: made.body.token, name: 'Frank', password: 'a-long-enough-password' }, '');
    expect(again.status).toBe(404);

    const dup = await stack.api('POST', '/api/v1/invites', { email: 'frank@example.com' });
    expect(dup.status).toBe(409);
  });

  it('changes roles and the trusted flag, and never loses the last admin', async () => {
    const gina = await stack.userToken('gina@example.com');
    const promoted = await stack.api('PATCH', `/api/v1/users/${gina.id}`, { role: 'auditor', trusted: true });
    expect(promoted.body).toMatchObject({ role: 'auditor', trusted: true });
    expect((await stack.api('POST', '/api/v1/workspaces', { blueprintId: await stack.starterId(), name: 'x' }, gina.token)).status).toBe(403);

    const users = (await stack.api('GET', '/api/v1/users')).body.users as Array<{ id: string; email: string; role: string; lastLoginAt: string | null }>;
    const admin = users.find((u) => u.role === 'admin')!;
    expect((await stack.api('PATCH', `/api/v1/users/${admin.id}`, { role: 'builder' })).status).toBe(409);
    expect((await stack.api('DELETE', `/api/v1/users/${admin.id}`)).status).toBe(409);
  });

  it('removing a member ends their sessions and tokens and stops their workspaces, keeping files and history', async () => {
    const hank = await stack.userToken('hank@example.com');
    const ws = await stack.runningWorkspace('hanks', hank.token);
    const t = await stack.terminal(ws, hank.token);
    t.type('echo keep-me > /workspace/f.txt && echo written\n');
    await t.waitFor('written');
    expect((await stack.api('DELETE', `/api/v1/users/${hank.id}`)).status).toBe(204);
    expect((await stack.api('GET', '/api/v1/workspaces', undefined, hank.token)).status).toBe(401);
    await stack.waitForState(ws, 'stopped');
    const users = (await stack.api('GET', '/api/v1/users')).body.users as Array<{ id: string; active: boolean }>;
    expect(users.find((u) => u.id === hank.id)!.active).toBe(false);
    // Their files are still there: an admin can start the workspace and read them.
    await stack.api('POST', `/api/v1/workspaces/${ws}/start`);
    await stack.waitForState(ws, 'running');
    const t2 = await stack.terminal(ws);
    t2.type('cat /workspace/f.txt\n');
    await t2.waitFor('keep-me');
    const audit = (await stack.api('GET', '/api/v1/audit?limit=100')).body.entries as Array<{ action: string; targetId: string }>;
    expect(audit.some((e) => e.action === 'user.deactivate' && e.targetId === hank.id)).toBe(true);
  });

  it('renames a workspace: its display name keeps unicode, refuses what it cannot hold with a message, and is its owner\'s (or an admin\'s) to change', async () => {
    const ivy = await stack.userToken('ivy@example.com');
    const jon = await stack.userToken('jon@example.com');
    const auditor = await stack.userToken('aud-rename@example.com', 'auditor');
    const starter = ((await stack.api('GET', '/api/v1/blueprints', undefined, ivy.token)).body.blueprints as Array<{ id: string; name: string }>)
      .find((b) => b.name === 'Starter')!.id;
    const created = await stack.api('POST', '/api/v1/workspaces', { blueprintId: starter, name: 'sales-q3', displayName: '  Ventes — Q3 📈 ' }, ivy.token);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'sales-q3', displayName: 'Ventes — Q3 📈' });
    const id = created.body.id as string;
    const rename = (displayName: unknown, token = ivy.token) => stack.api('PATCH', `/api/v1/workspaces/${id}`, { displayName }, token);

    // Unicode kept (composed to NFC: "é" typed as e + combining accent is one character), trimmed.
    const renamed = await rename(' Tableau de bord ─ 売上 👩‍💻 cafe\u0301 ');
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id, name: 'sales-q3', displayName: 'Tableau de bord ─ 売上 👩‍💻 café' });
    const listed = (await stack.api('GET', '/api/v1/workspaces', undefined, ivy.token)).body.workspaces as Array<{ id: string; displayName: string }>;
    expect(listed.find((w) => w.id === id)?.displayName).toBe('Tableau de bord ─ 売上 👩‍💻 café');

    // 80 characters is the most, counted as a reader counts them (an emoji is one).
    expect((await rename('📈'.repeat(80))).status).toBe(200);
    const refusals: Array<[unknown, RegExp]> = [
      ['x'.repeat(81), /at most 80 characters/],
      ['   ', /cannot be empty/],
      ['two\nlines', /line breaks, tabs or other control characters/],
      ['tab\there', /control characters/],
      ['bell\u0007', /control characters/],
      ['invoice\u202Efdp.exe', /control characters/],
      ['nul\u0000', /NUL/],
      [42, /./],
    ];
    for (const [displayName, message] of refusals) {
      const res = await rename(displayName);
      expect(res.status, JSON.stringify(displayName)).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
      expect(res.body.error.message).toMatch(message);
    }
    expect((await stack.api('GET', `/api/v1/workspaces/${id}`, undefined, ivy.token)).body.displayName).toBe('📈'.repeat(80)); // nothing written, nothing cut

    // Someone else's: not found for a builder (nothing leaks), refused for an auditor, allowed for an admin.
    expect((await rename('Mine now', jon.token)).status).toBe(404);
    expect((await stack.api('PATCH', `/api/v1/workspaces/${MISSING_ID}`, { displayName: 'x' }, ivy.token)).status).toBe(404);
    expect((await rename('Mine now', auditor.token)).status).toBe(403);
    const byAdmin = await rename('Renamed by an admin', ADMIN_TOKEN);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.displayName).toBe('Renamed by an admin');

    const audit = await stack.db.selectFrom('audit_log').select(['action', 'actor_email', 'outcome', 'detail'])
      .where('target_id', '=', id).where('action', '=', 'workspace.rename').orderBy('id').execute();
    expect(audit.filter((e) => e.outcome === 'success').map((e) => [e.actor_email, e.detail])).toEqual([
      ['ivy@example.com', { from: 'Ventes — Q3 📈', to: 'Tableau de bord ─ 売上 👩‍💻 café' }],
      ['ivy@example.com', { from: 'Tableau de bord ─ 売上 👩‍💻 café', to: '📈'.repeat(80) }],
      ['admin@example.com', { from: '📈'.repeat(80), to: 'Renamed by an admin' }],
    ]);
    // The refused attempts by someone else are on the record too.
    expect(audit.filter((e) => e.outcome === 'failure').map((e) => e.actor_email)).toContain('jon@example.com');
    await stack.api('DELETE', `/api/v1/workspaces/${id}`, undefined, ivy.token);
  });

  it('lists my sessions and revokes one', async () => {
    const login = await fetch(`${stack.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'test-agent/1' }, body: JSON.stringify({ email: 'admin@example.com', password: 'correct-horse-battery-staple' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const { csrfToken } = await login.json() as { csrfToken: string };
    const session = { cookie, csrf: csrfToken };
    const list = (await stack.api('GET', '/api/v1/auth/sessions', undefined, session)).body.sessions as Array<{ id: string; current: boolean; userAgent: string }>;
    const current = list.find((s) => s.current)!;
    expect(current.userAgent).toBe('test-agent/1');
    expect((await stack.api('DELETE', `/api/v1/auth/sessions/${current.id}`, undefined, session)).status).toBe(204);
    expect((await stack.api('GET', '/api/v1/auth/me', undefined, session)).status).toBe(401);
  });
});

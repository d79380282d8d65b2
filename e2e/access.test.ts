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

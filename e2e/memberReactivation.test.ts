import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TestStack } from './harness/testStack.js';

const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const SCIM_PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

type Member = { id: string; email: string; role: string; trusted: boolean; active: boolean; deactivatedBy: string | null };
type AuditEntry = { action: string; actorEmail: string; targetId: string | null; detail: Record<string, unknown> };

/** A removed member coming back: from the Members API, by a new invite, and how SCIM deactivation limits both. */
describe('reactivating members', () => {
  let stack: TestStack;
  let scimToken: string;

  beforeAll(async () => {
    stack = await TestStack.start();
    scimToken = (await stack.api('POST', '/api/v1/admin/scim-tokens')).body.token;
  });
  afterAll(async () => { await stack?.close(); });

  const signIn = async (email: string, password: string) =>
    (await stack.api('POST', '/api/v1/auth/login', { email, password }, '')).status;
  const member = async (id: string) =>
    ((await stack.api('GET', '/api/v1/users')).body.users as Member[]).find((u) => u.id === id)!;
  const audit = async () => (await stack.api('GET', '/api/v1/audit?limit=200')).body.entries as AuditEntry[];
  const scim = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${stack.url}/scim/v2${path}`, {
      method, headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() as { id: string; active: boolean } };
  };
  const scimActive = (id: string, active: boolean) =>
    scim('PATCH', `/Users/${id}`, { schemas: [SCIM_PATCH], Operations: [{ op: 'replace', path: 'active', value: active }] });

  it('brings back a member an admin removed, with PATCH {"active": true}: same account and password; tokens stay revoked, workspaces stopped', async () => {
    const rita = await stack.userToken('rita@example.com');
    const ws = await stack.runningWorkspace('ritas', rita.token);
    expect((await stack.api('DELETE', `/api/v1/users/${rita.id}`)).status).toBe(204);
    await stack.waitForState(ws, 'stopped');
    expect(await member(rita.id)).toMatchObject({ active: false, deactivatedBy: 'admin' });
    expect(await signIn('rita@example.com', ADMIN_PASSWORD)).toBe(401);

    const back = await stack.api('PATCH', `/api/v1/users/${rita.id}`, { active: true });
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body).toMatchObject({ id: rita.id, active: true, deactivatedBy: null, role: 'builder' });
    expect(await signIn('rita@example.com', ADMIN_PASSWORD)).toBe(200);
    // What deactivation revoked stays revoked; the workspace waits for its owner to start it.
    expect((await stack.api('GET', '/api/v1/auth/me', undefined, rita.token)).status).toBe(401);
    expect((await stack.api('GET', `/api/v1/workspaces/${ws}`)).body).toMatchObject({ state: 'stopped', desiredState: 'stopped' });
    const entry = (await audit()).find((e) => e.action === 'user.reactivate' && e.targetId === rita.id);
    expect(entry).toMatchObject({ actorEmail: ADMIN_EMAIL, detail: { email: 'rita@example.com', via: 'admin' } });
  });

  it('removes with PATCH {"active": false} as DELETE does, never yourself or the last admin', async () => {
    const otto = await stack.userToken('otto@example.com');
    const ws = await stack.runningWorkspace('ottos', otto.token);
    expect((await stack.api('PATCH', `/api/v1/users/${otto.id}`, { active: false })).body).toMatchObject({ active: false, deactivatedBy: 'admin' });
    expect((await stack.api('GET', '/api/v1/auth/me', undefined, otto.token)).status).toBe(401);
    await stack.waitForState(ws, 'stopped');

    const admin = ((await stack.api('GET', '/api/v1/users')).body.users as Member[]).find((u) => u.email === ADMIN_EMAIL)!;
    expect((await stack.api('PATCH', `/api/v1/users/${admin.id}`, { active: false })).status).toBe(409);
    expect((await member(admin.id)).active).toBe(true);
  });

  it('reactivates a removed member when they accept a new invite: the invite\'s role, not trusted, their new password', async () => {
    const sam = await stack.userToken('sam@example.com');
    await stack.api('PATCH', `/api/v1/users/${sam.id}`, { role: 'auditor', trusted: true });
    expect((await stack.api('DELETE', `/api/v1/users/${sam.id}`)).status).toBe(204);

    const invite = await stack.api('POST', '/api/v1/invites', { email: 'sam@example.com', role: 'builder' });
    expect(invite.status, JSON.stringify(invite.body)).toBe(201);
    expect(invite.body.reactivates).toBe(true);
    expect(((await stack.api('GET', '/api/v1/invites')).body.invites as Array<{ email: string; reactivates: boolean }>)
      .find((i) => i.email === 'sam@example.com')?.reactivates).toBe(true);
    expect((await stack.api('POST', '/api/v1/invites/lookup', { token: invite.body.token }, '')).body).toMatchObject({ email: 'sam@example.com', reactivates: true });

    const accepted = await stack.api('POST', '/api/v1/invites/accept', { token: invite.body.token, name: 'Sam Again', password: 'sams-brand-new-password' }, '');
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body.user).toMatchObject({ id: sam.id, email: 'sam@example.com', name: 'Sam Again', role: 'builder', trusted: false, active: true });
    expect(await signIn('sam@example.com', ADMIN_PASSWORD)).toBe(401);
    expect(await signIn('sam@example.com', 'sams-brand-new-password')).toBe(200);
    expect((await stack.api('GET', '/api/v1/auth/me', undefined, sam.token)).status).toBe(401);
    const entry = (await audit()).find((e) => e.action === 'user.reactivate' && e.targetId === sam.id);
    expect(entry).toMatchObject({ detail: { via: 'invite', role: { from: 'auditor', to: 'builder' } } });
    // Now a member again: a second invite is refused as before.
    expect((await stack.api('POST', '/api/v1/invites', { email: 'sam@example.com' })).status).toBe(409);
  });

  it('spends nothing when an invite can no longer reactivate: the member came back another way meanwhile', async () => {
    const tess = await stack.userToken('tess@example.com');
    await stack.api('DELETE', `/api/v1/users/${tess.id}`);
    const invite = await stack.api('POST', '/api/v1/invites', { email: 'tess@example.com', role: 'admin' });
    expect(invite.status).toBe(201);
    expect((await stack.api('PATCH', `/api/v1/users/${tess.id}`, { active: true })).status).toBe(200);
    // The reactivation dropped the pending invite: it can't make her an admin behind anyone's back.
    expect((await stack.api('POST', '/api/v1/invites/lookup', { token: invite.body.token }, '')).status).toBe(404);
    expect((await stack.api('POST', '/api/v1/invites/accept', { token: invite.body.token, name: 'Tess', password: 'another-long-password' }, '')).status).toBe(404);
    expect(await member(tess.id)).toMatchObject({ active: true, role: 'builder' });
    expect(await signIn('tess@example.com', ADMIN_PASSWORD)).toBe(200);
  });

  it('leaves someone the identity provider deactivated to the provider: no local reactivation, no invite', async () => {
    const created = await scim('POST', '/Users', { schemas: [SCIM_USER], userName: 'ida@corp.example', name: { givenName: 'Ida', familyName: 'P' } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await scimActive(id, false)).status).toBe(200);
    expect(await member(id)).toMatchObject({ active: false, deactivatedBy: 'scim' });

    const refused = await stack.api('PATCH', `/api/v1/users/${id}`, { active: true });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/identity provider/);
    const invite = await stack.api('POST', '/api/v1/invites', { email: 'ida@corp.example' });
    expect(invite.status).toBe(409);
    expect(invite.body.error.message).toMatch(/identity provider/);
    expect((await member(id)).active).toBe(false);

    // The provider brings her back.
    expect((await scimActive(id, true)).body.active).toBe(true);
    expect(await member(id)).toMatchObject({ active: true, deactivatedBy: null });

    // Removed by an admin first, then deactivated by the provider too: now the provider's.
    expect((await stack.api('DELETE', `/api/v1/users/${id}`)).status).toBe(204);
    expect(await member(id)).toMatchObject({ deactivatedBy: 'admin' });
    expect((await scimActive(id, false)).status).toBe(200);
    expect(await member(id)).toMatchObject({ deactivatedBy: 'scim' });
    expect((await stack.api('PATCH', `/api/v1/users/${id}`, { active: true })).status).toBe(409);
  });

  it('treats accounts SCIM created inactive, or deleted, as the provider\'s', async () => {
    const inactive = await scim('POST', '/Users', { schemas: [SCIM_USER], userName: 'ned@corp.example', active: false });
    expect(inactive.status).toBe(201);
    expect(await member(inactive.body.id)).toMatchObject({ active: false, deactivatedBy: 'scim' });
    expect((await stack.api('PATCH', `/api/v1/users/${inactive.body.id}`, { active: true })).status).toBe(409);

    const gone = await scim('POST', '/Users', { schemas: [SCIM_USER], userName: 'gus@corp.example' });
    const del = await fetch(`${stack.url}/scim/v2/Users/${gone.body.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${scimToken}` } });
    expect(del.status).toBe(204);
    expect(await member(gone.body.id)).toMatchObject({ active: false, deactivatedBy: 'scim' });
    expect((await stack.api('PATCH', `/api/v1/users/${gone.body.id}`, { active: true })).status).toBe(409);
    expect((await stack.api('POST', '/api/v1/invites', { email: 'gus@corp.example' })).status).toBe(409);
  });
});

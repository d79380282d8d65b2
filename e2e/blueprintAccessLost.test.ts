import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestStack } from './harness/testStack.js';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/**
 * A builder who may no longer use a blueprint loses its workspaces' running with it:
 * however the access went (the blueprint's access list, a group the identity provider
 * changed, ...), running ones are stopped by the system, files kept, and none starts.
 */
describe('losing access to a blueprint', () => {
  let stack: TestStack;
  let scimToken: string;

  beforeAll(async () => {
    stack = await TestStack.start();
    scimToken = (await stack.api('POST', '/api/v1/admin/scim-tokens')).body.token;
  });
  afterAll(async () => { await stack?.close(); });

  const scim = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${stack.url}/scim/v2${path}`, {
      method, headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() as any };
  };
  const restrictedBlueprint = async (name: string, rules: Array<{ kind: string; value: string }>) => {
    const bp = await stack.api('POST', '/api/v1/blueprints', { name });
    expect(bp.status).toBe(201);
    expect((await stack.api('PUT', `/api/v1/blueprints/${bp.body.id}/access`, { access: 'restricted', rules })).status).toBe(200);
    return bp.body.id as string;
  };
  /** A running workspace of `token`'s user, with a file in it. */
  const runningWorkspaceWithFile = async (blueprintId: string, name: string, token: string) => {
    const ws = await stack.api('POST', '/api/v1/workspaces', { blueprintId, name }, token);
    expect(ws.status, JSON.stringify(ws.body)).toBe(201);
    await stack.waitForState(ws.body.id, 'running', token);
    expect((await stack.api('PUT', `/api/v1/workspaces/${ws.body.id}/files/content?path=kept.txt`, `${name} is kept`, token)).status).toBeLessThan(300);
    return ws.body.id as string;
  };
  const fileOf = (id: string) => join(stack.dataDir, 'agent', 'workspaces', id, 'workspace', 'kept.txt');

  /** The stop happened as the system's doing, with why; then the workspace is stopped, its file kept, and no one can start it. */
  const expectStoppedForLostAccess = async (id: string, token: string) => {
    // Both: a workspace waiting to start is already observed stopped before the sweep reaches it.
    await stack.waitForWorkspace(id, { state: 'stopped', desiredState: 'stopped' }, token, 30_000);
    expect(existsSync(fileOf(id))).toBe(true);
    const entries = (await stack.api('GET', '/api/v1/audit?limit=500')).body.entries as Array<{ action: string; actorEmail: string; actorId: string | null; targetId: string; outcome: string; detail: { reason?: string } }>;
    const stop = entries.find((e) => e.action === 'workspace.stop' && e.targetId === id);
    expect(stop).toMatchObject({ actor: { kind: 'system', name: 'policy-sweeper' }, actorEmail: null, actorId: null, outcome: 'success', detail: { reason: 'its owner may no longer use its blueprint' } });
    for (const who of [token, undefined]) {
      const start = await stack.api('POST', `/api/v1/workspaces/${id}/start`, undefined, who);
      expect(start.status).toBe(403);
      expect(start.body.error.code).toBe('blueprint_access_lost');
      expect(start.body.error.message).toMatch(/no longer use/);
    }
    expect((await stack.api('GET', `/api/v1/workspaces/${id}`, undefined, token)).body.state).toBe('stopped');
    // The refusal is on the record too.
    const refused = (await stack.api('GET', '/api/v1/audit?limit=500')).body.entries.filter((e: { action: string; targetId: string; outcome: string }) => e.action === 'workspace.start' && e.targetId === id && e.outcome === 'failure');
    expect(refused.length).toBe(2);
  };

  it("through the blueprint's access list: a running workspace is stopped, its files kept, and starts again once access is back", async () => {
    const dana = await stack.userToken('dana@example.com');
    const other = await stack.userToken('olga@example.com');
    const bp = await restrictedBlueprint('Finance only', [{ kind: 'email', value: 'dana@example.com' }, { kind: 'email', value: 'olga@example.com' }]);
    const id = await runningWorkspaceWithFile(bp, 'dana-ws', dana.token);
    const untouched = await runningWorkspaceWithFile(bp, 'olga-ws', other.token);

    expect((await stack.api('PUT', `/api/v1/blueprints/${bp}/access`, { access: 'restricted', rules: [{ kind: 'email', value: 'olga@example.com' }] })).status).toBe(200);
    await expectStoppedForLostAccess(id, dana.token);
    // Someone who still may use it keeps running.
    expect((await stack.api('GET', `/api/v1/workspaces/${untouched}`, undefined, other.token)).body).toMatchObject({ state: 'running', desiredState: 'running' });

    // Given access again (here by domain), the owner starts it, with the same files.
    expect((await stack.api('PUT', `/api/v1/blueprints/${bp}/access`, { access: 'restricted', rules: [{ kind: 'domain', value: 'example.com' }] })).status).toBe(200);
    expect((await stack.api('POST', `/api/v1/workspaces/${id}/start`, undefined, dana.token)).status).toBe(202);
    await stack.waitForState(id, 'running', dana.token);
    expect(readFileSync(fileOf(id), 'utf8')).toBe('dana-ws is kept');
  }, 120_000);

  it('never starts a workspace that was waiting to start when its owner lost access, however the access went', async () => {
    const gus = await stack.userToken('gus@example.com');
    const bp = await restrictedBlueprint('Gus only', [{ kind: 'email', value: 'gus@example.com' }]);
    const id = await runningWorkspaceWithFile(bp, 'gus-ws', gus.token);
    expect((await stack.api('POST', `/api/v1/workspaces/${id}/stop`, undefined, gus.token)).status).toBe(202);
    await stack.waitForState(id, 'stopped', gus.token);
    // No agent: the start waits. Then access goes without any request to this portal (another replica, a database edit).
    await stack.agent.stop();
    expect((await stack.api('POST', `/api/v1/workspaces/${id}/start`, undefined, gus.token)).status).toBe(202);
    await stack.portal.services.db.deleteFrom('blueprint_access_rules').where('blueprint_id', '=', bp).execute();
    await stack.restartAgent();
    await expectStoppedForLostAccess(id, gus.token);
    const entries = (await stack.api('GET', '/api/v1/audit?limit=500')).body.entries as Array<{ action: string; targetId: string; outcome: string; at: string }>;
    const askedAt = entries.find((e) => e.action === 'workspace.start' && e.targetId === id && e.outcome === 'success')!.at;
    expect(entries.filter((e) => (e.action === 'workspace.running' || e.action === 'workspace.failed') && e.targetId === id && e.at >= askedAt)).toEqual([]);
  }, 120_000);

  it('through a SCIM group the identity provider takes the builder out of', async () => {
    const user = await scim('POST', '/Users', { schemas: [USER], userName: 'erin@corp.example', name: { givenName: 'Erin', familyName: 'E' } });
    expect(user.status).toBe(201);
    const erin = (await stack.portal.services.identity.createToken(user.body.id, 'test')).token;
    const group = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Analysts', members: [{ value: user.body.id }] });
    expect(group.status).toBe(201);
    const bp = await restrictedBlueprint('Analysts only', [{ kind: 'group', value: 'analysts' }]);
    const id = await runningWorkspaceWithFile(bp, 'erin-ws', erin);

    const removed = await scim('PATCH', `/Groups/${group.body.id}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${user.body.id}"]` }] });
    expect(removed.status).toBe(200);
    await expectStoppedForLostAccess(id, erin);
  }, 120_000);

  it('when a role change takes the access away (the Members page)', async () => {
    const fay = await stack.userToken('fay@example.com');
    const bp = await restrictedBlueprint('Admins only', [{ kind: 'role', value: 'admin' }]);
    expect((await stack.api('PATCH', `/api/v1/users/${fay.id}`, { role: 'admin' })).status).toBe(200);
    const id = await runningWorkspaceWithFile(bp, 'fay-ws', fay.token);
    expect((await stack.api('PATCH', `/api/v1/users/${fay.id}`, { role: 'builder' })).status).toBe(200);
    await expectStoppedForLostAccess(id, fay.token);
  }, 120_000);
});

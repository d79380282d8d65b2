import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../audit/auditLog.js';
import { FakeClock } from '../../clock.js';
import { MasterKeyRing } from '../../secrets/masterKeys.js';
import { Secrets } from '../../secrets/secrets.js';
import { Settings } from '../../settings.js';
import { openTestDatabase, type TestDatabase } from '../../testing/testDatabase.js';
import type { UserActor } from '../actor.js';
import { ssoFromEnv, SsoSettings } from './ssoConfig.js';

const admin: UserActor = {
  kind: 'user', via: 'token',
  user: { id: 'u1', email: 'admin@acme.test', name: 'Admin', role: 'admin', trusted: false, active: true, deactivatedBy: null, hasPassword: true, source: 'local', createdAt: '', lastLoginAt: null },
};

describe('SSO settings', () => {
  let t: TestDatabase;
  let settings: Settings;
  let secrets: Secrets;
  let audit: AuditLog;
  const clock = new FakeClock();
  const hooks = { check: async () => {}, canDisable: async () => true };

  beforeAll(async () => {
    t = await openTestDatabase();
    settings = new Settings(t.db, clock);
    secrets = new Secrets(t.db, new MasterKeyRing({ envKey: randomBytes(32).toString('base64'), keyFile: '/nonexistent' }), clock);
    audit = new AuditLog(t.db, clock);
  });
  afterAll(async () => { await t?.close(); });

  it('from the environment win over the stored ones, show a masked secret, and refuse changes', async () => {
    await new SsoSettings(undefined, settings, secrets, audit).put({
      enabled: true, name: 'Stored', issuer: 'https://stored.acme.test', clientId: 'stored', clientSecret: 'stored-secret',
      allowedDomains: [], roleClaim: 'groups', roleMappings: [], defaultRole: 'builder', groupsClaim: 'groups',
    }, admin, hooks);
    const env = ssoFromEnv({ PADDOCK_OIDC_ISSUER: 'https://env.acme.test', PADDOCK_OIDC_CLIENT_ID: 'env', PADDOCK_OIDC_CLIENT_SECRET: 'env-secret' });
    const fromEnv = new SsoSettings(env, settings, secrets, audit);
    expect((await fromEnv.active())?.issuer).toBe('https://env.acme.test');
    const view = await fromEnv.view('https://paddock.acme.test');
    expect(view).toMatchObject({ source: 'environment', config: { issuer: 'https://env.acme.test', clientSecret: '••••••••' }, callbackUrl: 'https://paddock.acme.test/api/v1/auth/oidc/callback' });
    expect(JSON.stringify(view)).not.toContain('env-secret');
    await expect(fromEnv.put({ ...env!, clientSecret: 'x' }, admin, hooks)).rejects.toMatchObject({ status: 409 });
  });

  it('keep the client secret only in the encrypted store', async () => {
    const stored = new SsoSettings(undefined, settings, secrets, audit);
    expect((await stored.current())).toMatchObject({ source: 'settings', config: { issuer: 'https://stored.acme.test', clientSecret: 'stored-secret' } });
    const dump = JSON.stringify(await t.db.selectFrom('settings').selectAll().execute()) + JSON.stringify(await t.db.selectFrom('secrets').selectAll().execute())
      + JSON.stringify(await t.db.selectFrom('audit_log').selectAll().execute());
    expect(dump).toContain('stored.acme.test');
    expect(dump).not.toContain('stored-secret');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '@paddock/protocol';
import { FakeClock, operatorActor } from '@paddock/portal';
import { IDP_CLIENT_ID, IDP_CLIENT_SECRET, TestIdp } from './harness/testIdp.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TestStack } from './harness/testStack.js';

// The portal's clock; ID token expiry is judged by it too.
const clock = new FakeClock(new Date());

/** One browser's sign-in through the real provider, driven over HTTP step by step. */
interface Flow { authorizationUrl: string; browserCookie: string }

describe('OIDC sign-in', () => {
  let stack: TestStack;
  let idp: TestIdp;

  const ssoSettings = () => ({
    name: 'Acme ID', issuer: idp.issuer, clientId: IDP_CLIENT_ID, clientSecret: IDP_CLIENT_SECRET,
    allowedDomains: ['acme.test'], roleClaim: 'groups',
    roleMappings: [{ value: 'paddock-admins', role: 'admin' }, { value: 'auditors', role: 'auditor' }],
    groupsClaim: 'groups',
  });

  beforeAll(async () => {
    stack = await TestStack.start({ clock });
    idp = await TestIdp.start({
      redirectUris: [`${stack.url}/api/v1/auth/oidc/callback`], postLogoutRedirectUris: [`${stack.url}/login`],
    });
    idp.accounts.set('ada', { email: 'ada@acme.test', email_verified: true, name: 'Ada', groups: ['paddock-admins', 'eng'] });
    idp.accounts.set('bea', { email: 'bea@acme.test', email_verified: true, name: 'Bea', groups: ['eng', 'design'] });
    idp.accounts.set('eve', { email: 'eve@evil.test', email_verified: true, groups: ['paddock-admins'] });
    idp.accounts.set('wes', { email: 'wes@acme.test', email_verified: true });
    idp.accounts.set('tim', { email: 'tim@acme.test', email_verified: true });
  });
  afterAll(async () => {
    await idp?.close();
    await stack?.close();
  });

  async function start(returnTo = '/workspaces'): Promise<Flow> {
    const res = await fetch(`${stack.url}/api/v1/auth/oidc/start?returnTo=${encodeURIComponent(returnTo)}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('paddock_oidc='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    return { authorizationUrl: res.headers.get('location')!, browserCookie: cookie.split(';')[0]! };
  }

  /** Visits the callback as the browser would; returns where it is sent and the session cookie, if any. */
  async function callback(url: string, browserCookie: string | null) {
    const res = await fetch(url, { redirect: 'manual', headers: browserCookie ? { cookie: browserCookie } : {} });
    expect(res.status).toBe(302);
    const session = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`) && !c.startsWith(`${SESSION_COOKIE}=;`));
    return { location: res.headers.get('location')!, session: session?.split(';')[0] ?? null };
  }

  async function signIn(login: string) {
    const flow = await start();
    return callback(await idp.authorize(flow.authorizationUrl, login), flow.browserCookie);
  }

  const me = async (cookie: string) => (await fetch(`${stack.url}/api/v1/auth/me`, { headers: { cookie } })).json();
  const userByEmail = (email: string) => stack.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  const groupsOf = async (userId: string) => (await stack.db.selectFrom('group_members').innerJoin('groups', 'groups.id', 'group_members.group_id')
    .select(['groups.display_name', 'groups.source']).where('group_members.user_id', '=', userId).orderBy('groups.display_name').execute());
  const lastLoginFailure = async () => {
    const entries = (await stack.api('GET', '/api/v1/audit?limit=50')).body.entries as Array<{ action: string; outcome: string; actorEmail: string | null; detail: Record<string, unknown> }>;
    return entries.find((e) => e.action === 'auth.login' && e.outcome === 'failure');
  };

  describe('configuration', () => {
    it('refuses to turn local passwords off before SSO works, so nobody is locked out', async () => {
      const res = await stack.api('PUT', '/api/v1/admin/auth-settings', { localPasswords: false });
      expect(res.status).toBe(409);
      expect((await stack.api('GET', '/api/v1/auth/methods', undefined, '')).body).toEqual({ password: true, sso: null });
      const startRes = await stack.api('GET', '/api/v1/auth/oidc/start', undefined, '');
      expect(startRes.status).toBe(404);
      expect(startRes.body.error.code).toBe('sso_not_configured');
    });

    it('refuses an issuer that is not https (off this machine) or does not answer discovery', async () => {
      const plain = await stack.api('PUT', '/api/v1/admin/sso', { ...ssoSettings(), issuer: 'http://id.acme.test' });
      expect(plain.status).toBe(400);
      expect(plain.body.error.message).toMatch(/https/);
      const nowhere = await stack.api('PUT', '/api/v1/admin/sso', { ...ssoSettings(), issuer: 'http://127.0.0.1:9/' });
      expect(nowhere.status).toBe(400);
      expect(nowhere.body.error.message).toMatch(/discovery/);
      const notUrl = await stack.api('PUT', '/api/v1/admin/sso', { ...ssoSettings(), issuer: 'not a url' });
      expect(notUrl.status).toBe(400);
    });

    it('is stored with the client secret encrypted, and shown with it masked', async () => {
      const put = await stack.api('PUT', '/api/v1/admin/sso', ssoSettings());
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({
        source: 'settings', callbackUrl: `${stack.url}/api/v1/auth/oidc/callback`,
        config: { issuer: idp.issuer, clientId: IDP_CLIENT_ID, clientSecret: '••••••••', allowedDomains: ['acme.test'], enabled: true },
      });
      const auditor = await stack.userToken('audra@example.com', 'auditor');
      const read = await stack.api('GET', '/api/v1/admin/sso', undefined, auditor.token);
      expect(read.status).toBe(200);
      expect(JSON.stringify(read.body)).not.toContain(IDP_CLIENT_SECRET);
      const dump = JSON.stringify(await stack.db.selectFrom('secrets').selectAll().execute()) + JSON.stringify(await stack.db.selectFrom('settings').selectAll().execute());
      expect(dump).not.toContain(IDP_CLIENT_SECRET);
      expect(await stack.db.selectFrom('secrets').select('name').where('scope', '=', 'oidc').execute()).toEqual([{ name: 'client_secret' }]);
      // Writing again without the secret keeps the stored one (sign-in below proves it still works).
      const { clientSecret: _, ...withoutSecret } = ssoSettings();
      expect((await stack.api('PUT', '/api/v1/admin/sso', withoutSecret)).status).toBe(200);
      expect((await stack.api('GET', '/api/v1/auth/methods', undefined, '')).body).toEqual({ password: true, sso: { name: 'Acme ID' } });
    });
  });

  describe('the happy path (over HTTP; Chromium drives it in browser/ssoJourney.test.ts)', () => {
    it('creates the user just in time with the mapped role and groups, and returns to the page asked for', async () => {
      const { location, session } = await signIn('ada');
      expect(location).toBe('/workspaces');
      expect(session).not.toBeNull();
      const body = await me(session!);
      expect(body.user).toMatchObject({ email: 'ada@acme.test', name: 'Ada', role: 'admin', source: 'oidc' });
      const user = (await userByEmail('ada@acme.test'))!;
      expect(user.oidc_subject).toBe(`${idp.issuer}|ada`);
      expect(await groupsOf(user.id)).toEqual([{ display_name: 'eng', source: 'oidc' }, { display_name: 'paddock-admins', source: 'oidc' }]);
      const entries = (await stack.api('GET', '/api/v1/audit?limit=20')).body.entries as Array<{ action: string; outcome: string; actorEmail: string; detail: Record<string, unknown> }>;
      expect(entries.find((e) => e.action === 'auth.login' && e.outcome === 'success' && e.actorEmail === 'ada@acme.test')?.detail.method).toBe('oidc');
    });

    it('keeps role and groups in step with the provider on every sign-in', async () => {
      await signIn('bea');
      const bea = (await userByEmail('bea@acme.test'))!;
      expect(bea.role).toBe('builder');
      idp.accounts.set('bea', { ...idp.accounts.get('bea')!, groups: ['eng', 'auditors'] });
      const again = await signIn('bea');
      expect((await me(again.session!)).user.role).toBe('auditor');
      expect((await groupsOf(bea.id)).map((g) => g.display_name)).toEqual(['auditors', 'eng']);
      expect((await userByEmail('bea@acme.test'))!.id).toBe(bea.id);
    });

    it('links an existing account with the same verified email, and refuses when the provider has not verified it', async () => {
      const local = await stack.userToken('tim@acme.test');
      const linked = await signIn('tim');
      expect((await me(linked.session!)).user.id).toBe(local.id);
      expect((await userByEmail('tim@acme.test'))!.source).toBe('local');

      await stack.userToken('uma@acme.test');
      idp.accounts.set('uma', { email: 'uma@acme.test', email_verified: false });
      const refused = await signIn('uma');
      expect(refused).toEqual({ location: '/login?error=email_not_verified', session: null });
      expect((await userByEmail('uma@acme.test'))!.oidc_subject).toBeNull();
    });

    it('refuses a deactivated user', async () => {
      const user = (await userByEmail('bea@acme.test'))!;
      await stack.portal.services.identity.deactivate(user.id, operatorActor('test'), 'test');
      expect(await signIn('bea')).toEqual({ location: '/login?error=account_disabled', session: null });
      expect((await lastLoginFailure())?.detail).toMatchObject({ method: 'oidc', reason: 'account_disabled' });
    });

    it('ends the session on logout and hands back the provider\'s logout URL', async () => {
      const { session } = await signIn('ada');
      const { csrfToken } = await me(session!);
      const res = await stack.api('POST', '/api/v1/auth/logout', undefined, { cookie: session!, csrf: csrfToken });
      expect(res.status).toBe(200);
      const url = new URL(res.body.redirectTo);
      expect(url.origin + url.pathname).toBe(`${idp.issuer}/session/end`);
      expect(url.searchParams.get('client_id')).toBe(IDP_CLIENT_ID);
      expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${stack.url}/login`);
      expect((await fetch(`${stack.url}/api/v1/auth/me`, { headers: { cookie: session! } })).status).toBe(401);
    });
  });

  describe('refusals', () => {
    it('refuses an ID token issued for another client (wrong audience)', async () => {
      idp.tamperIdToken = { aud: 'another-app' };
      try {
        expect(await signIn('wes')).toEqual({ location: '/login?error=sso_failed', session: null });
      } finally { idp.tamperIdToken = null; }
      expect(await userByEmail('wes@acme.test')).toBeUndefined();
      const failure = await lastLoginFailure();
      expect(failure?.detail).toMatchObject({ method: 'oidc', reason: 'sso_failed' });
      expect(String(failure?.detail.detail)).toMatch(/aud/);
    });

    it('refuses an expired ID token', async () => {
      idp.idTokenTtl = 60;
      try {
        const flow = await start();
        const back = await idp.authorize(flow.authorizationUrl, 'wes');
        // Five minutes pass on the portal's clock: the login is still fresh, the token is not.
        clock.advance(5 * 60_000);
        expect(await callback(back, flow.browserCookie)).toEqual({ location: '/login?error=sso_failed', session: null });
      } finally { idp.idTokenTtl = 3600; }
      expect(await userByEmail('wes@acme.test')).toBeUndefined();
      expect(String((await lastLoginFailure())?.detail.detail)).toMatch(/exp/);
    });

    it('refuses a tampered state, and a state is good for one use only', async () => {
      const flow = await start('/');
      const back = await idp.authorize(flow.authorizationUrl, 'wes');
      const tampered = new URL(back);
      tampered.searchParams.set('state', `${tampered.searchParams.get('state')}x`);
      expect(await callback(tampered.href, flow.browserCookie)).toEqual({ location: '/login?error=invalid_state', session: null });
      expect((await lastLoginFailure())?.detail).toMatchObject({ method: 'oidc', reason: 'invalid_state' });

      const first = await callback(back, flow.browserCookie);
      expect(first.location).toBe('/');
      expect(first.session).not.toBeNull();
      expect(await callback(back, flow.browserCookie)).toEqual({ location: '/login?error=invalid_state', session: null });
      expect(await stack.db.selectFrom('oidc_login_states').selectAll().execute()).toEqual([]);
    });

    it('refuses a callback in a browser that did not start the sign-in', async () => {
      const flow = await start();
      const back = await idp.authorize(flow.authorizationUrl, 'wes');
      expect(await callback(back, null)).toEqual({ location: '/login?error=invalid_state', session: null });
      // …and that attempt spent the state.
      expect(await callback(back, flow.browserCookie)).toEqual({ location: '/login?error=invalid_state', session: null });
    });

    it('refuses a sign-in that took longer than ten minutes', async () => {
      const flow = await start();
      const back = await idp.authorize(flow.authorizationUrl, 'wes');
      clock.advance(10 * 60_000 + 1);
      expect(await callback(back, flow.browserCookie)).toEqual({ location: '/login?error=invalid_state', session: null });
    });

    it('refuses an email domain that is not allowed, and creates no user', async () => {
      expect(await signIn('eve')).toEqual({ location: '/login?error=domain_not_allowed', session: null });
      expect(await userByEmail('eve@evil.test')).toBeUndefined();
      const failure = await lastLoginFailure();
      expect(failure).toMatchObject({ actorEmail: 'eve@evil.test', detail: { method: 'oidc', reason: 'domain_not_allowed' } });
    });

    it('only sends people back to paths on this portal', async () => {
      for (const returnTo of ['https://evil.test/', '//evil.test/x', '/\\evil.test']) {
        const flow = await start(returnTo);
        const { location } = await callback(await idp.authorize(flow.authorizationUrl, 'ada'), flow.browserCookie);
        expect(location).toBe('/');
      }
    });

    it('answers a callback without a state with a 400, not a redirect', async () => {
      const res = await stack.api('GET', '/api/v1/auth/oidc/callback?code=x', undefined, '');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    });
  });

  describe('local passwords', () => {
    it('can be turned off once SSO works: password sign-in then answers 403, SSO still works', async () => {
      const off = await stack.api('PUT', '/api/v1/admin/auth-settings', { localPasswords: false });
      expect(off.status).toBe(200);
      expect((await stack.api('GET', '/api/v1/admin/auth-settings')).body).toEqual({ localPasswords: false });
      expect((await stack.api('GET', '/api/v1/auth/methods', undefined, '')).body).toEqual({ password: false, sso: { name: 'Acme ID' } });
      const login = await stack.api('POST', '/api/v1/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, '');
      expect(login.status).toBe(403);
      expect(login.body.error.code).toBe('local_passwords_disabled');
      expect((await lastLoginFailure())?.detail).toMatchObject({ method: 'password', reason: 'local_passwords_disabled' });
      expect((await signIn('ada')).session).not.toBeNull();

      // SSO can't be switched off while it is the only way in.
      const ssoOff = await stack.api('PUT', '/api/v1/admin/sso', { ...ssoSettings(), enabled: false });
      expect(ssoOff.status).toBe(409);

      expect((await stack.api('PUT', '/api/v1/admin/auth-settings', { localPasswords: true })).status).toBe(200);
      expect((await stack.api('POST', '/api/v1/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, '')).status).toBe(200);
    });
  });
});

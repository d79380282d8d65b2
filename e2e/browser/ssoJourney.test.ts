import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../harness/browser.js';
import { IDP_CLIENT_ID, IDP_CLIENT_SECRET, TestIdp } from '../harness/testIdp.js';
import { TestStack } from '../harness/testStack.js';

describe('single sign-on in the browser', () => {
  let stack: TestStack;
  let idp: TestIdp;
  let chromium: { browser: Browser; close(): Promise<void> };

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([TestStack.start(), launchChromium()]);
    idp = await TestIdp.start({
      redirectUris: [`${stack.url}/api/v1/auth/oidc/callback`], postLogoutRedirectUris: [`${stack.url}/login`],
    });
    idp.accounts.set('grace', { email: 'grace@acme.test', email_verified: true, name: 'Grace Hopper', groups: ['paddock-admins', 'compilers'] });
    idp.accounts.set('mallory', { email: 'mallory@evil.test', email_verified: true, name: 'Mallory' });
    const put = await stack.api('PUT', '/api/v1/admin/sso', {
      name: 'Acme ID', issuer: idp.issuer, clientId: IDP_CLIENT_ID, clientSecret: IDP_CLIENT_SECRET,
      allowedDomains: ['acme.test'], roleMappings: [{ value: 'paddock-admins', role: 'admin' }], groupsClaim: 'groups',
    });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    await chromium?.close();
    await idp?.close();
    await stack?.close();
  });

  async function newPage(): Promise<Page> {
    const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 800 } });
    // The provider's stock pages import a web font; this machine has no internet.
    await context.route(/fonts\.googleapis\.com/, (r) => r.abort());
    return context.newPage();
  }

  /** The provider's own (development) login and consent pages. */
  async function signInAtProvider(page: Page, login: string) {
    await page.waitForURL((url) => url.href.startsWith(idp.issuer));
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('whatever');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  it('signs a new person in with SSO onto the catalog, with the role and groups the provider says', async () => {
    const page = await newPage();
    await page.goto(`${stack.url}/`);
    await page.waitForURL(/\/login/);
    // The password form stays for the bootstrap admin while local passwords are on.
    await expect.poll(() => page.getByLabel('Email').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Sign in with SSO' }).click();
    await signInAtProvider(page, 'grace');

    await page.waitForURL(`${stack.url}/`);
    const starter = page.getByTestId('blueprint-card').filter({ hasText: 'Starter' });
    await expect.poll(() => starter.isVisible(), { timeout: 10_000 }).toBe(true);

    const user = await stack.db.selectFrom('users').selectAll().where('email', '=', 'grace@acme.test').executeTakeFirstOrThrow();
    expect(user).toMatchObject({ name: 'Grace Hopper', role: 'admin', source: 'oidc', oidc_subject: `${idp.issuer}|grace` });
    const groups = await stack.db.selectFrom('group_members').innerJoin('groups', 'groups.id', 'group_members.group_id')
      .select('groups.display_name').where('group_members.user_id', '=', user.id).orderBy('groups.display_name').execute();
    expect(groups.map((g) => g.display_name)).toEqual(['compilers', 'paddock-admins']);
    await page.context().close();
  });

  it('returns to the page the person first asked for', async () => {
    const page = await newPage();
    await page.goto(`${stack.url}/workspaces`);
    await page.waitForURL(/\/login/);
    await page.getByRole('button', { name: 'Sign in with SSO' }).click();
    await signInAtProvider(page, 'grace');
    await page.waitForURL(`${stack.url}/workspaces`);
    expect(new URL(page.url()).pathname).toBe('/workspaces');
    await page.context().close();
  });

  it('tells someone from a domain that is not allowed why, and lets nobody in', async () => {
    const page = await newPage();
    await page.goto(`${stack.url}/login`);
    await page.getByRole('button', { name: 'Sign in with SSO' }).click();
    await signInAtProvider(page, 'mallory');
    await page.waitForURL(/\/login\?error=domain_not_allowed/);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('email domain is not allowed');
    expect(await stack.db.selectFrom('users').select('id').where('email', '=', 'mallory@evil.test').executeTakeFirst()).toBeUndefined();
    await page.context().close();
  });

  it('hides the password form once local passwords are off', async () => {
    expect((await stack.api('PUT', '/api/v1/admin/auth-settings', { localPasswords: false })).status).toBe(200);
    try {
      const page = await newPage();
      await page.goto(`${stack.url}/login`);
      await expect.poll(() => page.getByRole('button', { name: 'Sign in with SSO' }).isVisible()).toBe(true);
      expect(await page.getByLabel('Password').count()).toBe(0);
      await page.context().close();
    } finally {
      await stack.api('PUT', '/api/v1/admin/auth-settings', { localPasswords: true });
    }
  });
});

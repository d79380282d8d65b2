import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../harness/browser.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TestStack } from '../harness/testStack.js';

const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

describe('members coming back and passwords changing, in the browser', () => {
  let stack: TestStack;
  let chromium: { browser: Browser; close(): Promise<void> };
  let admin: Page;

  /** A fresh browser (its own cookies) signed in as `email`. */
  const signedIn = async (email: string, password: string): Promise<Page> => {
    const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signInOn(page, email, password);
    await page.waitForURL(`${stack.url}/`);
    return page;
  };
  const signInOn = async (page: Page, email: string, password: string) => {
    await page.goto(`${stack.url}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([TestStack.start(), launchChromium()]);
    admin = await signedIn(ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  const dialog = (page: Page, name: string) => page.getByRole('dialog', { name });
  const row = (page: Page, text: string) => page.getByRole('row').filter({ hasText: text });
  const visible = (locator: Locator) => expect.poll(() => locator.isVisible(), { timeout: 10_000 });
  const signInStatus = async (email: string, password: string) =>
    (await stack.api('POST', '/api/v1/auth/login', { email, password }, '')).status;

  it('removes a member and reactivates them from the Members page; they sign in again', async () => {
    await stack.userToken('bea@example.com');
    await admin.goto(`${stack.url}/admin/members`);
    await admin.getByRole('button', { name: 'Remove bea@example.com' }).click();
    await dialog(admin, 'Remove bea@example.com?').getByRole('button', { name: 'Remove member' }).click();
    await expect.poll(() => row(admin, 'bea@example.com').textContent()).toContain('Deactivated');
    expect(await signInStatus('bea@example.com', ADMIN_PASSWORD)).toBe(401);

    await admin.getByRole('button', { name: 'Reactivate bea@example.com' }).click();
    const confirm = dialog(admin, 'Reactivate bea@example.com?');
    await visible(confirm.getByText('their workspaces stay stopped', { exact: false })).toBe(true);
    await confirm.getByRole('button', { name: 'Reactivate member' }).click();
    await visible(confirm).toBe(false);
    await expect.poll(() => row(admin, 'bea@example.com').textContent()).not.toContain('Deactivated');
    await visible(admin.getByRole('button', { name: 'Remove bea@example.com' })).toBe(true);
    expect(await signInStatus('bea@example.com', ADMIN_PASSWORD)).toBe(200);
  });

  it('says why a member the identity provider deactivated cannot be reactivated here', async () => {
    const scimToken = (await stack.api('POST', '/api/v1/admin/scim-tokens')).body.token as string;
    const scim = (method: string, path: string, body: unknown) => fetch(`${stack.url}/scim/v2${path}`, {
      method, headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body),
    });
    const created = await (await scim('POST', '/Users', { schemas: [SCIM_USER], userName: 'idp-gone@corp.example' })).json() as { id: string };
    await scim('PATCH', `/Users/${created.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }],
    });

    await admin.goto(`${stack.url}/admin/members`);
    const member = row(admin, 'idp-gone@corp.example');
    await visible(member.getByTestId('deactivated-by-provider')).toBe(true);
    expect(await member.getByTestId('deactivated-by-provider').textContent()).toContain('identity provider');
    expect(await admin.getByRole('button', { name: 'Reactivate idp-gone@corp.example' }).count()).toBe(0);
    // Nor is there a password to reset: the account signs in through single sign-on only.
    expect(await admin.getByRole('button', { name: 'Reset the password of idp-gone@corp.example' }).count()).toBe(0);
  });

  it('invites a removed member back: the link says it reactivates their account, and accepting signs them in', async () => {
    const cole = await stack.userToken('cole@example.com');
    expect((await stack.api('DELETE', `/api/v1/users/${cole.id}`)).status).toBe(204);
    await admin.goto(`${stack.url}/admin/members`);
    await admin.getByRole('button', { name: 'Invite member' }).first().click();
    const invite = dialog(admin, 'Invite a member');
    await invite.getByLabel('Email').fill('cole@example.com');
    await invite.getByRole('button', { name: 'Create invite link' }).click();
    const ready = dialog(admin, 'Invite link ready');
    await visible(ready.getByText('A returning member')).toBe(true);
    const link = await admin.getByRole('textbox', { name: 'Invite link' }).inputValue();
    await ready.getByRole('button', { name: 'Done' }).click();
    await visible(row(admin, 'cole@example.com').getByText('Returning member')).toBe(true);

    const page = await chromium.browser.newPage();
    await page.goto(link);
    await visible(page.getByRole('heading', { name: /Welcome back to Paddock/ })).toBe(true);
    await page.getByLabel('Your name').fill('Cole Again');
    await page.getByLabel('Password', { exact: true }).fill('coles-fresh-password');
    await page.getByLabel('Confirm password').fill('coles-fresh-password');
    await page.getByRole('button', { name: 'Reactivate my account and sign in' }).click();
    await page.waitForURL(`${stack.url}/`);
    const users = (await stack.api('GET', '/api/v1/users')).body.users as Array<{ id: string; active: boolean; name: string }>;
    expect(users.find((u) => u.id === cole.id)).toMatchObject({ active: true, name: 'Cole Again' });
    await page.close();
  });

  it('changes my password on the Account page; the new one signs in, the old one no longer does', async () => {
    await stack.userToken('carl@example.com');
    const page = await signedIn('carl@example.com', ADMIN_PASSWORD);
    const elsewhere = await signedIn('carl@example.com', ADMIN_PASSWORD);
    await page.goto(`${stack.url}/account`);
    const form = page.getByRole('form', { name: 'Change password' });
    await form.getByLabel('Current password').fill('not-my-password');
    await form.getByLabel('New password', { exact: true }).fill('carls-new-password');
    await form.getByLabel('Confirm new password').fill('carls-new-password');
    await form.getByRole('button', { name: 'Change password' }).click();
    await visible(form.getByText('the current password is wrong')).toBe(true);

    await form.getByLabel('Current password').fill(ADMIN_PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await visible(form.getByRole('status').filter({ hasText: 'Password changed' })).toBe(true);
    expect(await form.getByRole('status').textContent()).toContain('1 other session was signed out');
    // This browser stays signed in; the other one is out.
    await page.reload();
    await visible(page.getByRole('form', { name: 'Change password' })).toBe(true);
    await elsewhere.reload();
    await elsewhere.waitForURL(/\/login/);

    const fresh = await chromium.browser.newPage();
    await signInOn(fresh, 'carl@example.com', ADMIN_PASSWORD);
    await visible(fresh.getByRole('alert')).toBe(true);
    await signInOn(fresh, 'carl@example.com', 'carls-new-password');
    await fresh.waitForURL(`${stack.url}/`);
    await Promise.all([page.close(), elsewhere.close(), fresh.close()]);
  });

  it('resets a member\'s password with a one-time link from the Members page; they set a new one and sign in with it', async () => {
    await stack.userToken('dora@example.com');
    const before = await signedIn('dora@example.com', ADMIN_PASSWORD);
    await admin.goto(`${stack.url}/admin/members`);
    await admin.getByRole('button', { name: 'Reset the password of dora@example.com' }).click();
    await dialog(admin, 'Reset the password of dora@example.com?').getByRole('button', { name: 'Create reset link' }).click();
    const ready = dialog(admin, 'Reset link ready');
    const link = await ready.getByRole('textbox', { name: 'Password reset link' }).inputValue();
    expect(link).toMatch(new RegExp(`^${stack.url}/reset-password#`));
    await ready.getByRole('button', { name: 'Done' }).click();
    await visible(ready).toBe(false);

    const page = await chromium.browser.newPage();
    await page.goto(link);
    await visible(page.getByTestId('reset-email')).toBe(true);
    expect(await page.getByTestId('reset-email').textContent()).toBe('dora@example.com');
    await page.getByLabel('New password', { exact: true }).fill('doras-new-password');
    await page.getByLabel('Confirm new password').fill('doras-new-password');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await visible(page.getByTestId('reset-done')).toBe(true);
    // The fragment (the token) is gone from the address bar, and the link is spent.
    expect(page.url()).toBe(`${stack.url}/reset-password`);
    await page.goto('about:blank'); // opened afresh, as from a message: not a same-page #hash change
    await page.goto(link);
    await visible(page.getByTestId('reset-invalid')).toBe(true);

    await page.goto(`${stack.url}/reset-password`);
    await page.getByRole('link', { name: 'Go to sign in' }).click();
    await page.waitForURL(/\/login/);
    await signInOn(page, 'dora@example.com', 'doras-new-password');
    await page.waitForURL(`${stack.url}/`);
    // Her browser from before the reset was signed out.
    await before.reload();
    await before.waitForURL(/\/login/);
    await Promise.all([page.close(), before.close()]);
  });
});

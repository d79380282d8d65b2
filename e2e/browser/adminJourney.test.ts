import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium, signIn } from '../harness/browser.js';
import { runAdminCommand } from '@paddock/portal';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TestStack } from '../harness/testStack.js';

/** A 2×1 PNG (orange, white): the Acme logo of the branding journey. */
const ACME_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAAD0lEQVR4nGM45Mjz//9/AAwCBA3XatfIAAAAAElFTkSuQmCC', 'base64');

describe('an admin confirming destructive actions in the browser', () => {
  let stack: TestStack;
  let chromium: { browser: Browser; close(): Promise<void> };
  let page: Page;

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([TestStack.start(), launchChromium()]);
    page = await chromium.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, stack.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  const dialog = (name: string) => page.getByRole('dialog', { name });
  const row = (text: string) => page.getByRole('row').filter({ hasText: text });
  const visible = (locator: Locator) => expect.poll(() => locator.isVisible(), { timeout: 10_000 });
  const authenticates = async (token: string) => (await stack.api('GET', '/api/v1/auth/me', undefined, token)).status;

  it('invites someone and revokes the invite', async () => {
    await page.goto(`${stack.url}/admin/members`);
    await page.getByRole('button', { name: 'Invite member' }).first().click();
    const invite = dialog('Invite a member');
    await invite.getByLabel('Email').fill('ivy@example.com');
    await invite.getByRole('button', { name: 'Create invite link' }).click();
    const link = await page.getByRole('textbox', { name: 'Invite link' }).inputValue();
    const token = link.slice(link.indexOf('#') + 1);
    await page.getByRole('dialog', { name: 'Invite link ready' }).getByRole('button', { name: 'Done' }).click();
    expect((await stack.api('POST', '/api/v1/invites/lookup', { token }, '')).status).toBe(200);

    await page.getByRole('button', { name: 'Revoke the invite for ivy@example.com' }).click();
    await dialog('Revoke this invite?').getByRole('button', { name: 'Revoke invite' }).click();
    await visible(dialog('Revoke this invite?')).toBe(false);
    await expect.poll(() => row('ivy@example.com').count()).toBe(0);
    expect((await stack.api('POST', '/api/v1/invites/lookup', { token }, '')).status).toBe(404);
  });

  it('removes a member, whose token stops working', async () => {
    const bob = await stack.userToken('bob@example.com');
    expect(await authenticates(bob.token)).toBe(200);
    await page.goto(`${stack.url}/admin/members`);

    await page.getByRole('button', { name: 'Remove bob@example.com' }).click();
    await dialog('Remove bob@example.com?').getByRole('button', { name: 'Remove member' }).click();
    await visible(dialog('Remove bob@example.com?')).toBe(false);
    await expect.poll(() => row('bob@example.com').textContent()).toContain('Deactivated');
    expect(await page.getByRole('button', { name: 'Remove bob@example.com' }).count()).toBe(0);
    expect(await authenticates(bob.token)).toBe(401);
  });

  it('shows on the audit page who did what: a member by email, a part of Paddock as a system actor, a failed sign-in as not signed in', async () => {
    await runAdminCommand('reset-ip-allowlist', {}, { db: stack.db });
    await stack.portal.services.ipAllowlist.load();
    expect((await stack.api('POST', '/api/v1/auth/login', { email: 'mallory@example.com', password: 'not-the-password' }, '')).status).toBe(401);
    await page.goto(`${stack.url}/admin/audit`);
    const entry = (action: string) => page.getByTestId('audit-row').filter({ hasText: action }).first();
    await expect.poll(() => entry('ip_allowlist.reset').textContent()).toMatch(/System\s*Operator \(.+\)/);
    // Never dressed up as a person: no email where the operator stands.
    expect(await entry('ip_allowlist.reset').getByTestId('audit-system-actor').count()).toBe(1);
    expect(await entry('auth.login').textContent()).toContain('mallory@example.com (not signed in)');
    expect(await entry('user.deactivate').textContent()).toContain(ADMIN_EMAIL);
  });

  it('filters the audit page by who, action and target, shows names, and exports what the filters show', async () => {
    await page.goto(`${stack.url}/admin/audit`);
    await page.getByLabel('Filter by who').fill(ADMIN_EMAIL);
    await page.getByLabel('Filter by action').fill('user.*');
    await page.getByLabel('Filter by target').fill('bob');
    await page.getByRole('button', { name: 'Apply' }).click();
    const rows = page.getByTestId('audit-row');
    await expect.poll(async () => (await rows.allTextContents()).length).toBeGreaterThan(0);
    for (const text of await rows.allTextContents()) expect(text).toMatch(/user\.(create|deactivate)/);
    // The member by name, not by id.
    expect(await rows.first().getByTestId('audit-target-name').textContent()).toBe('bob');
    const href = await page.getByTestId('audit-export-csv').getAttribute('href');
    expect(href).toContain('action=user.*');
    const csv = await page.request.get(`${stack.url}${href}`);
    expect(csv.headers()['content-disposition']).toMatch(/^attachment; filename="audit-log-.*\.csv"$/);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines.length).toBe((await rows.count()) + 1);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => page.getByLabel('Filter by action').inputValue()).toBe('');
  });

  it('creates a personal API token, keeps it on Cancel, and revokes it', async () => {
    await page.goto(`${stack.url}/account`);
    await page.getByLabel('New token name').fill('journey-cli');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await page.getByRole('textbox', { name: 'API token “journey-cli”' }).inputValue();
    expect(await authenticates(token)).toBe(200);

    const revokeButton = page.getByRole('button', { name: 'Revoke the token journey-cli' });
    const confirm = dialog('Revoke “journey-cli”?');
    await revokeButton.click();
    await visible(confirm).toBe(true);
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await visible(confirm).toBe(false);
    expect(await row('journey-cli').count()).toBe(1);
    expect(await authenticates(token)).toBe(200);

    await revokeButton.click();
    await confirm.getByRole('button', { name: 'Revoke token' }).click();
    await visible(confirm).toBe(false);
    await expect.poll(() => row('journey-cli').count()).toBe(0);
    expect(await authenticates(token)).toBe(401);
  });

  it("signs out another of the admin's sessions and stays signed in here", async () => {
    const login = await fetch(`${stack.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'admin-journey-script/1' },
      body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const other = { cookie: login.headers.get('set-cookie')!.split(';')[0]!, csrf: ((await login.json()) as { csrfToken: string }).csrfToken };
    expect((await stack.api('GET', '/api/v1/auth/me', undefined, other)).status).toBe(200);

    await page.goto(`${stack.url}/account`);
    await page.getByRole('button', { name: /^Sign out the session from admin-journey-script\/1/ }).click();
    await dialog('Sign out this session?').getByRole('button', { name: 'Sign out session' }).click();
    await visible(dialog('Sign out this session?')).toBe(false);
    await expect.poll(() => page.getByTestId('session-row').count()).toBe(1);
    expect((await stack.api('GET', '/api/v1/auth/me', undefined, other)).status).toBe(401);
    await visible(page.getByTestId('session-row').filter({ hasText: 'This browser' })).toBe(true);
  });

  it('adds blueprint credentials and deletes them; a failed delete shows why, and the next confirmation starts clean', async () => {
    const blueprintId = await stack.starterId();
    const secrets = async () =>
      ((await stack.api('GET', `/api/v1/blueprints/${blueprintId}/secrets`)).body.secrets as Array<{ name: string }>).map((s) => s.name);
    await page.goto(`${stack.url}/admin/blueprints/${blueprintId}`);
    for (const name of ['JOURNEY_KEY', 'JOURNEY_GONE']) {
      await page.getByRole('button', { name: 'Add credential' }).click();
      const add = dialog('Add a credential');
      await add.getByLabel('Environment variable').fill(name);
      await add.getByLabel('Value').fill(`value-of-${name}`);
      await add.getByRole('button', { name: 'Save credential' }).click();
      await visible(add).toBe(false);
      await visible(row(name)).toBe(true);
    }
    expect((await secrets()).sort()).toEqual(['JOURNEY_GONE', 'JOURNEY_KEY']);

    // Someone else deletes it first: the confirmation says why it failed and stays open.
    expect((await stack.api('DELETE', `/api/v1/blueprints/${blueprintId}/secrets/JOURNEY_GONE`)).status).toBe(204);
    await page.getByRole('button', { name: 'Delete JOURNEY_GONE' }).click();
    const failed = dialog('Delete JOURNEY_GONE?');
    await failed.getByRole('button', { name: 'Delete credential' }).click();
    await visible(failed.getByRole('alert')).toBe(true);
    await failed.getByRole('button', { name: 'Cancel' }).click();
    await visible(failed).toBe(false);

    await page.getByRole('button', { name: 'Delete JOURNEY_KEY' }).click();
    const confirm = dialog('Delete JOURNEY_KEY?');
    await visible(confirm).toBe(true);
    expect(await confirm.getByRole('alert').count()).toBe(0);
    await confirm.getByRole('button', { name: 'Delete credential' }).click();
    await visible(confirm).toBe(false);
    await expect.poll(() => row('JOURNEY_KEY').count()).toBe(0);
    expect(await secrets()).toEqual([]);
  });
  it('shows the person by name in the header, and no "Enabled" switch while SSO is not set up', async () => {
    await page.goto(`${stack.url}/admin/sso`);
    const me = (await stack.api('GET', '/api/v1/auth/me')).body.user as { name: string; email: string };
    expect(me.name).not.toBe(me.email);
    await expect.poll(() => page.getByTestId('user-name').textContent()).toBe(me.name);
    await visible(page.getByTestId('sso-not-set-up')).toBe(true);
    for (const name of ['Enabled', 'Disabled']) expect(await page.getByRole('switch', { name, exact: true }).count(), name).toBe(0);
    expect(await page.getByText('Enabled', { exact: true }).count()).toBe(0);
  });

  it('sets the brand, which a fresh browser then shows on the sign-in page: name, logo and accent colour, by computed style', async () => {
    await page.goto(`${stack.url}/admin/branding`);
    await page.getByLabel('Portal name').fill('Acme Builder');
    await page.getByRole('textbox', { name: 'Accent colour', exact: true }).fill('#c2410c');
    await visible(page.getByTestId('contrast-report')).toBe(true);
    await page.getByRole('button', { name: 'Save branding' }).click();
    await expect.poll(async () => (await stack.api('GET', '/api/v1/branding', undefined, '')).body.name).toBe('Acme Builder');
    await page.getByTestId('brand-logo-light-file').setInputFiles({ name: 'acme.png', mimeType: 'image/png', buffer: ACME_PNG });
    await visible(page.getByTestId('brand-logo-light-preview')).toBe(true);
    // A text file named .png is refused, and says so.
    await page.getByTestId('brand-favicon-file').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture') });
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'not a PNG' }).count()).toBe(1);
    const branding = (await stack.api('GET', '/api/v1/branding', undefined, '')).body;
    expect(branding).toMatchObject({ name: 'Acme Builder', accentColor: '#c2410c', logoLightUrl: expect.any(String) });

    const fresh = await chromium.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const signInPage = await fresh.newPage();
      await signInPage.goto(`${stack.url}/login`);
      await expect.poll(() => signInPage.getByTestId('sign-in-heading').textContent()).toBe('Sign in to Acme Builder');
      await expect.poll(() => signInPage.title()).toBe('Acme Builder');
      const logo = signInPage.getByTestId('brand-logo').locator('img');
      await expect.poll(() => logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(2);
      expect(await logo.getAttribute('src')).toBe(branding.logoLightUrl);
      // Filled in (not sent), so the button is enabled and wears the accent.
      await signInPage.getByLabel('Email').fill('someone@example.com');
      await signInPage.getByLabel('Password').fill('a-password');
      const button = signInPage.getByRole('button', { name: 'Sign in', exact: true });
      await expect.poll(() => button.evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(194, 65, 12)');
      // White reads on that orange (4.9:1); the page picked it.
      expect(await button.evaluate((b) => getComputedStyle(b).color)).toBe('rgb(255, 255, 255)');
    } finally {
      await fresh.close();
    }
  });

  it('follows the system: dark with dark computed colours and readable text when the system is dark, light by default', async () => {
    const schemes = [{ colorScheme: 'dark' as const, dark: true }, { colorScheme: 'light' as const, dark: false }];
    for (const { colorScheme, dark } of schemes) {
      const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme });
      try {
        const p = await context.newPage();
        await p.goto(`${stack.url}/login`);
        const heading = p.getByTestId('sign-in-heading');
        await visible(heading).toBe(true);
        const colours = await heading.evaluate((h) => {
          const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
          const lum = (c: string) => {
            const [r, g, b] = rgb(c).map((v) => { const s = v / 255; return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; });
            return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
          };
          // Chromium may answer oklch() or rgb(); a canvas turns either into rgb.
          const toRgb = (c: string) => { const ctx = document.createElement('canvas').getContext('2d')!; ctx.fillStyle = c; ctx.fillRect(0, 0, 1, 1); return `rgb(${[...ctx.getImageData(0, 0, 1, 1).data].slice(0, 3).join(',')})`; };
          const page = lum(toRgb(getComputedStyle(h.closest('.min-h-screen')!).backgroundColor));
          const text = lum(toRgb(getComputedStyle(h).color));
          return { page, text, contrast: (Math.max(page, text) + 0.05) / (Math.min(page, text) + 0.05) };
        });
        expect(colours.page < 0.05, `${colorScheme}: page luminance ${colours.page}`).toBe(dark);
        expect(colours.contrast, colorScheme).toBeGreaterThan(7);
      } finally {
        await context.close();
      }
    }
  });
});

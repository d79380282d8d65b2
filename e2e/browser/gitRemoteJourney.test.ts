import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signIn } from '../harness/browser.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TestStack } from '../harness/testStack.js';

/**
 * An admin sets a blueprint's git remote in Chromium: a URL with credentials in it is
 * refused at its field, the token is written and never shown ("a token is saved"), and
 * the remote is removed after a confirmation. An auditor sees it read-only.
 */
describe("a blueprint's git remote, in the browser", () => {
  let stack: TestStack;
  let chromium: { browser: Browser; close(): Promise<void> };
  let page: Page;
  let starter: string;
  const token = 'glpat-browser-0123456789abcdef';

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([TestStack.start(), launchChromium()]);
    starter = await stack.starterId();
    page = await chromium.browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await signIn(page, stack.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  it('refuses credentials in the URL at the field, saves a write-only token, and removes the remote', async () => {
    await page.goto(`${stack.url}/admin/blueprints/${starter}`);
    const form = page.getByRole('form', { name: 'Git remote' });
    await form.waitFor({ timeout: 15_000 });
    const url = form.getByLabel('Repository URL');
    await url.fill(`https://bot:${token}@git.example.com/team/apps.git`);
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => url.getAttribute('aria-invalid')).toBe('true');
    expect(await form.locator('#git-url-hint').textContent()).toMatch(/put no user or password in the URL/);

    await url.fill('https://git.example.com/team/apps.git');
    await form.getByLabel('Username').fill('bot');
    await form.getByLabel('Token').fill(token);
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => form.locator('#git-token-hint').textContent()).toMatch(/A token is saved/);
    expect(await form.getByLabel('Token').inputValue()).toBe('');
    expect(await form.getByLabel('Token').getAttribute('placeholder')).toBe('a token is saved');
    expect(await form.getByRole('status').textContent()).toContain('Saved');
    expect(await page.content()).not.toContain(token);
    expect((await stack.api('GET', `/api/v1/blueprints/${starter}/git-remote`)).body.remote).toMatchObject({ url: 'https://git.example.com/team/apps.git', username: 'bot', branch: null, hasToken: true });

    await page.reload();
    await form.waitFor({ timeout: 15_000 });
    expect(await form.getByLabel('Repository URL').inputValue()).toBe('https://git.example.com/team/apps.git');
    await form.getByRole('button', { name: 'Remove' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove the git remote?' });
    await dialog.getByRole('button', { name: 'Remove git remote' }).click();
    await expect.poll(() => form.getByLabel('Repository URL').inputValue()).toBe('');
    expect(await form.getByRole('button', { name: 'Remove' }).count()).toBe(0);
    expect((await stack.api('GET', `/api/v1/blueprints/${starter}/git-remote`)).body).toEqual({ remote: null });
  });
});

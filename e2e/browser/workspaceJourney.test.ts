import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../harness/browser.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TestStack } from '../harness/testStack.js';

describe('a builder in the browser', () => {
  let stack: TestStack;
  let chromium: { browser: Browser; close(): Promise<void> };
  beforeAll(async () => {
    [stack, chromium] = await Promise.all([TestStack.start(), launchChromium()]);
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  it('signs in, creates a workspace from Starter, runs a command, and still sees it after a reload', async () => {
    const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${stack.url}/`);
    await page.waitForURL(/\/login/);
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    const starter = page.getByTestId('blueprint-card').filter({ hasText: 'Starter' });
    await starter.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/workspaces\/[0-9a-f-]+$/);
    await expect.poll(() => page.getByTestId('workspace-state').textContent(), { timeout: 20_000 }).toBe('running');

    const terminal = page.getByTestId('terminal');
    const rows = terminal.locator('.xterm-rows');
    await expect.poll(() => rows.textContent(), { timeout: 10_000 }).toContain('$');
    await terminal.click();
    await page.keyboard.type('echo $((6*7))\n');
    await expect.poll(async () => (await rows.innerText()).split('\n').map((l) => l.trim()), { timeout: 10_000 }).toContain('42');

    await page.reload();
    await expect.poll(async () => (await page.getByTestId('terminal').locator('.xterm-rows').innerText()).split('\n').map((l) => l.trim()), { timeout: 15_000 }).toContain('42');

    // A mistyped address says so, inside the app's frame: the navigation is still there.
    await page.goto(`${stack.url}/no-such-page`);
    await expect.poll(() => page.getByText('Page not found').isVisible(), { timeout: 10_000 }).toBe(true);
    await page.getByRole('link', { name: 'My workspaces' }).click();
    await page.waitForURL(/\/workspaces$/);
    await page.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../harness/browser.js';
import { DEFAULT_RESOURCE_POLICY } from '@paddock/protocol';
import { HANDS_OFF_RESOURCE_POLICY } from '@paddock/portal/testing';
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

  it('offers to stop a running workspace when the running limit refuses another, and says when a workspace will stop', async () => {
    // The stack runs hands-off; this journey is the default limit of 2 running workspaces.
    expect((await stack.api('PUT', '/api/v1/admin/policies', DEFAULT_RESOURCE_POLICY)).status).toBe(200);
    const running = (await stack.api('GET', '/api/v1/workspaces')).body.workspaces.filter((w: { desiredState: string }) => w.desiredState === 'running');
    expect(running).toHaveLength(1);
    const second = await stack.api('POST', '/api/v1/workspaces', { blueprintId: await stack.starterId(), name: 'journey-second' });
    expect(second.status).toBe(201);

    const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${stack.url}/`);
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('blueprint-card').filter({ hasText: 'Starter' }).getByRole('button', { name: 'Create' }).click();

    const dialog = page.getByRole('dialog', { name: 'You can run 2 workspaces at once' });
    await expect.poll(() => dialog.isVisible(), { timeout: 10_000 }).toBe(true);
    const listed = dialog.getByRole('list', { name: 'Running workspaces' });
    expect(await listed.textContent()).toContain(running[0].name);
    expect(await listed.textContent()).toContain('journey-second');
    expect(await dialog.getByRole('button', { name: 'Create the workspace' }).isDisabled()).toBe(true);
    await dialog.getByRole('button', { name: 'Stop journey-second' }).click();
    await dialog.getByRole('button', { name: 'Create the workspace' }).click();
    await page.waitForURL(/\/workspaces\/[0-9a-f-]+$/);
    const id = page.url().split('/').pop()!;
    await expect.poll(() => page.getByTestId('workspace-state').textContent(), { timeout: 20_000 }).toBe('running');
    expect((await stack.api('GET', `/api/v1/workspaces/${second.body.id}`)).body.desiredState).toBe('stopped');

    // The header says when it stops; a shorter idle stop reaches the open page at once, with its warning.
    expect(await page.getByTestId('workspace-deadline').textContent()).toMatch(/^Stops at .+ if idle$/);
    expect((await stack.api('PUT', '/api/v1/admin/policies', { ...DEFAULT_RESOURCE_POLICY, idleStopMinutes: 5 })).status).toBe(200);
    const warning = page.getByRole('alert').filter({ hasText: 'This workspace stops in' });
    await expect.poll(() => warning.isVisible(), { timeout: 10_000 }).toBe(true);
    const before = (await stack.api('GET', `/api/v1/workspaces/${id}`)).body.stopsAt as string;
    await new Promise((r) => setTimeout(r, 1_100));
    await warning.getByRole('button', { name: 'Keep running' }).click();
    await expect.poll(async () => (await stack.api('GET', `/api/v1/workspaces/${id}`)).body.stopsAt > before, { timeout: 10_000 }).toBe(true);


    // The policy page says what a change would do before it is saved.
    await page.goto(`${stack.url}/admin/policies`);
    const limit = page.getByLabel('Running workspaces per person');
    await expect.poll(() => limit.inputValue(), { timeout: 10_000 }).toBe('2');
    await limit.fill('1');
    const impact = page.getByTestId('policy-impact');
    await expect.poll(() => impact.textContent(), { timeout: 10_000 }).toContain('puts 1 person over the running limit');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await expect.poll(async () => (await stack.api('GET', '/api/v1/admin/policies')).body.maxRunningPerUser, { timeout: 10_000 }).toBe(1);

    // A day before the cleanup deletes a stopped workspace, its owner's list says so.
    expect((await stack.api('PUT', '/api/v1/admin/policies', { ...DEFAULT_RESOURCE_POLICY, cleanupStoppedAfterDays: 1 })).status).toBe(200);
    await page.goto(`${stack.url}/workspaces`);
    const stoppedRow = page.getByTestId('workspace-row').filter({ hasText: 'journey-second' });
    await expect.poll(() => stoppedRow.getByTestId('cleanup-warning').textContent(), { timeout: 10_000 }).toMatch(/^Deleted .+ unless you start it$/);

    // A blueprint's own policy and its compute price, on its page.
    const starterId = await stack.starterId();
    await page.goto(`${stack.url}/admin/blueprints/${starterId}`);
    const idle = page.getByLabel('Stop after inactivity (minutes)');
    await idle.waitFor({ timeout: 10_000 });
    expect(await idle.getAttribute('placeholder')).toBe('120 (org)');
    await idle.fill('30');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await expect.poll(async () => (await stack.api('GET', `/api/v1/blueprints/${starterId}/policies`)).body.idleStopMinutes, { timeout: 10_000 }).toBe(30);
    await page.getByLabel('Compute price (US dollars per running hour)').fill('0.25');
    await page.getByRole('button', { name: 'Save details' }).click();
    await expect.poll(async () => (await stack.api('GET', `/api/v1/blueprints/${starterId}`)).body.hourlyRateUsd, { timeout: 10_000 }).toBe(0.25);
    expect((await stack.api('PUT', `/api/v1/blueprints/${starterId}/policies`, {})).status).toBe(200);

    expect((await stack.api('PUT', '/api/v1/admin/policies', HANDS_OFF_RESOURCE_POLICY)).status).toBe(200);
    await page.close();
  });
});

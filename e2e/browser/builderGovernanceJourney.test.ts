import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import type { HoldRequest } from '@paddock/protocol';
import { launchChromium, signIn } from '../harness/browser.js';
import { ADMIN_PASSWORD, TestStack } from '../harness/testStack.js';

/**
 * What a builder sees of governance on their workspace's page (issue 9: "the chat
 * and the Claude Code tab show 'Waiting for an admin to approve: …'", "builders see
 * why"), in Chromium against a real portal and agent. The holds are made by the
 * agent's own uplink, as paddock-guard's bridge makes them; an admin decides and
 * engages kill switches through the API. Nothing reloads the page: each change
 * arrives over the portal's event stream.
 */
describe("a builder sees what governance does to their workspace's agents", () => {
  let stack: TestStack;
  let chromium: { browser: Browser; close(): Promise<void> };
  let page: Page;
  let workspaceId: string;
  const email = 'bea@example.com';

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([TestStack.start(), launchChromium()]);
    const builder = await stack.userToken(email);
    workspaceId = await stack.runningWorkspace('bea-app', builder.token);
    page = await chromium.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, stack.url, email, ADMIN_PASSWORD);
    await page.goto(`${stack.url}/workspaces/${workspaceId}`);
    // Both places open once, so each keeps its panel (and the terminal its size) from here on.
    await page.getByRole('tab', { name: 'Claude Code' }).click();
    await claudeTab().getByTestId('terminal').waitFor({ timeout: 20_000 });
    await page.getByRole('tab', { name: 'AI chat' }).click();
    await chat().getByRole('region', { name: 'AI chat' }).waitFor({ timeout: 20_000 });
  }, 120_000);
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  // "Within about a second": the event stream's round trip, with room for a loaded test machine.
  const LIVE_MS = 3_000;
  const visible = (locator: Locator, timeout = 10_000) => expect.poll(() => locator.isVisible(), { timeout });
  const chat = () => page.getByRole('tabpanel', { name: 'AI chat' });
  const claudeTab = () => page.getByRole('tabpanel', { name: 'Claude Code' });
  const text = (locator: Locator) => locator.first().textContent({ timeout: 1_000 }).catch(() => null);
  const hold = (over: Partial<HoldRequest> = {}) => stack.agentParts.governanceUplink.hold({
    workspaceId, action: { class: 'git_push', remote: 'origin', ref: 'refs/heads/main', force: true, delete: false },
    summary: 'git push --force to origin/main', ruleId: 'default-force-push', timeoutSeconds: 300, ...over,
  });
  const decide = (id: string, decision: 'approve' | 'deny') =>
    stack.api('POST', `/api/v1/governance/approvals/${id}`, { decision, scope: 'once' });

  it('shows a held action, with its time left, in the chat and over the Claude Code terminal, and clears it once an admin approves', async () => {
    await page.getByRole('tab', { name: 'Claude Code' }).click();
    const terminal = claudeTab().getByTestId('terminal');
    const before = await terminal.boundingBox();

    const held = await hold();
    const waiting = claudeTab().getByTestId('governance-hold');
    await expect.poll(() => text(waiting), { timeout: LIVE_MS }).toMatch(/^Waiting for an admin to approve: git push --force to origin\/main · [45]:\d\d left$/);
    // Shown over the terminal, not beside it: its box, and so its rows and columns, stay as they were.
    expect(await terminal.boundingBox()).toEqual(before);

    await page.getByRole('tab', { name: 'AI chat' }).click();
    await expect.poll(() => text(chat().getByTestId('governance-hold')), { timeout: LIVE_MS }).toContain('Waiting for an admin to approve: git push --force to origin/main');

    expect((await decide(held.id, 'approve')).status).toBe(200);
    await visible(chat().getByTestId('governance-banner'), LIVE_MS).toBe(false);
    await page.getByRole('tab', { name: 'Claude Code' }).click();
    await visible(claudeTab().getByTestId('governance-banner'), LIVE_MS).toBe(false);
    // An approval leaves no note behind.
    expect(await claudeTab().getByTestId('governance-denied').count()).toBe(0);
  }, 60_000);

  it('says for a few seconds that an admin denied a held action the builder saw waiting', async () => {
    await page.getByRole('tab', { name: 'AI chat' }).click();
    const held = await hold({ action: { class: 'bash_command', command: 'dropdb prod' }, summary: 'dropdb prod', ruleId: 'default-dropdb' });
    await expect.poll(() => text(chat().getByTestId('governance-hold')), { timeout: LIVE_MS }).toContain('dropdb prod');
    expect((await decide(held.id, 'deny')).status).toBe(200);
    await expect.poll(() => text(chat().getByTestId('governance-denied')), { timeout: LIVE_MS }).toBe('An admin denied: dropdb prod');
    expect(await chat().getByTestId('governance-hold').count()).toBe(0);
    await visible(chat().getByTestId('governance-banner'), 15_000).toBe(false);
  }, 60_000);

  it("shows why a kill switch stopped the agents, org-wide and for the workspace's blueprint, and clears it once released", async () => {
    const killSwitch = (body: unknown) => stack.api('PUT', '/api/v1/governance/kill-switch', body);
    await page.getByRole('tab', { name: 'AI chat' }).click();
    expect((await killSwitch({ scope: 'org', engaged: true, reason: 'runaway agent drill' })).status).toBe(200);
    const stopped = chat().getByTestId('governance-kill-switch');
    await expect.poll(() => text(stopped), { timeout: LIVE_MS }).toMatch(/^Agents are stopped by an admin: runaway agent drill .*every workspace in the organisation/);
    await page.getByRole('tab', { name: 'Claude Code' }).click();
    await expect.poll(() => text(claudeTab().getByTestId('governance-kill-switch')), { timeout: LIVE_MS }).toContain('Agents are stopped by an admin: runaway agent drill');

    expect((await killSwitch({ scope: 'org', engaged: false })).status).toBe(200);
    await visible(claudeTab().getByTestId('governance-kill-switch'), LIVE_MS).toBe(false);

    const starter = await stack.starterId();
    expect((await killSwitch({ scope: 'blueprint', blueprintId: starter, engaged: true, reason: 'a leaked key in Starter' })).status).toBe(200);
    await expect.poll(() => text(claudeTab().getByTestId('governance-kill-switch')), { timeout: LIVE_MS })
      .toMatch(/^Agents are stopped by an admin: a leaked key in Starter .*this workspace's blueprint/);
    expect((await killSwitch({ scope: 'blueprint', blueprintId: starter, engaged: false })).status).toBe(200);
    await visible(claudeTab().getByTestId('governance-kill-switch'), LIVE_MS).toBe(false);
    await page.getByRole('tab', { name: 'AI chat' }).click();
    expect(await chat().getByTestId('governance-banner').count()).toBe(0);
  }, 60_000);
});

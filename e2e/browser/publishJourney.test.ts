import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signIn } from '../harness/browser.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TestStack } from '../harness/testStack.js';

/**
 * Issue 10's journey, in Chromium against a real portal and agent: a builder writes a
 * page, asks to publish it from the workspace header and sees it pending; an admin opens
 * the Approvals page, reads the diff (relayed from the agent) and approves; the builder's
 * header says it is live without a reload, and its Publish button waits for a change
 * before it can be used again. A colleague opens it at <sub>.apps.localhost, is sent to
 * sign in, and sees the page; an anonymous visitor never does.
 */
describe('a builder asks to publish, an admin approves', () => {
  let stack: TestStack;
  let chromium: { browser: Browser; close(): Promise<void> };
  let builderPage: Page;
  let adminPage: Page;
  let workspaceId: string;
  let builderToken: string;
  const page = `hello-${randomBytes(6).toString('hex')}`;
  const server = "import { createServer } from 'node:http';\nimport { readFileSync } from 'node:fs';\n"
    + "createServer((req, res) => { res.setHeader('content-type', 'text/html'); res.end(readFileSync('index.html')); }).listen(Number(process.env.PORT), '127.0.0.1');\n";

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([TestStack.start(), launchChromium()]);
    const builder = await stack.userToken('pat@example.com');
    builderToken = builder.token;
    workspaceId = await stack.runningWorkspace('pats-page', builder.token);
    for (const [path, body] of [['index.html', `<h1>${page}</h1>\n`], ['server.mjs', server]]) {
      const res = await fetch(`${stack.url}/api/v1/workspaces/${workspaceId}/files/content?path=${path}`, {
        method: 'PUT', headers: { authorization: `Bearer ${builder.token}`, 'content-type': 'text/plain' }, body,
      });
      expect(res.status).toBe(200);
    }
    await stack.userToken('sam@example.com');
    builderPage = await chromium.browser.newPage({ viewport: { width: 1280, height: 900 } });
    adminPage = await chromium.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(builderPage, stack.url, 'pat@example.com', ADMIN_PASSWORD);
    await signIn(adminPage, stack.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  it('goes from the Publish button to pending, and to live once an admin approves', async () => {
    await builderPage.goto(`${stack.url}/workspaces/${workspaceId}`);
    await builderPage.getByRole('button', { name: 'Publish' }).click();
    const dialog = builderPage.getByRole('dialog', { name: 'Publish this workspace' });
    await expect.poll(() => dialog.getByLabel('Subdomain').inputValue()).toBe('pats-page');
    await dialog.getByLabel('Start command').fill('node server.mjs');
    await dialog.getByLabel('Port').fill('8000');
    await dialog.getByLabel('Note for the reviewer').fill('my first page');
    await dialog.getByRole('button', { name: 'Ask to publish' }).click();
    await expect.poll(() => dialog.getByRole('status').textContent(), { timeout: 20_000 }).toContain('Pending review');
    // What changed, read from the agent: a first publish adds the page and its server.
    await expect.poll(() => dialog.getByTestId('diff-summary').textContent(), { timeout: 10_000 }).toBe('2 files added (a first publish)');
    await dialog.getByRole('button', { name: 'Done' }).click();
    const state = builderPage.getByTestId('publish-state');
    await expect.poll(() => state.textContent()).toBe('Pending review');

    await adminPage.goto(`${stack.url}/admin/governance/approvals`);
    const card = adminPage.getByRole('article', { name: 'Publish pats-page' });
    await card.waitFor({ timeout: 10_000 });
    await card.getByRole('button', { name: 'Show the changes' }).click();
    await expect.poll(() => card.locator('pre').textContent(), { timeout: 10_000 }).toContain(page);
    await card.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => adminPage.getByRole('article', { name: 'Publish pats-page' }).count(), { timeout: 5_000 }).toBe(0);

    // Over the event stream: no reload. Approved, publishing, then live with its address.
    await expect.poll(() => state.textContent(), { timeout: 60_000 }).toBe('Live');
    const app = builderPage.getByTestId('published-app');
    await expect.poll(() => app.getByRole('link').textContent(), { timeout: 5_000 }).toMatch(/^pats-page\.apps\.localhost:\d+$/);
  }, 120_000);

  it('sends a colleague to sign in and then shows them the page; an anonymous visitor never sees it', async () => {
    const appUrl = `http://pats-page.apps.localhost:${new URL(stack.url).port}/`;
    const colleague = await chromium.browser.newPage();
    await colleague.goto(appUrl);
    await colleague.waitForURL(/\/login/);
    await colleague.getByLabel('Email').fill('sam@example.com');
    await colleague.getByLabel('Password').fill(ADMIN_PASSWORD);
    await colleague.getByRole('button', { name: 'Sign in' }).click();
    await colleague.waitForURL(appUrl, { timeout: 15_000 });
    expect(await colleague.locator('h1').textContent()).toBe(page);
    // The app's origin holds no cookie of the portal's, and its own sign-in cookie is out of its scripts' reach.
    expect(await colleague.evaluate(() => document.cookie)).toBe('');
    await colleague.close();

    const anonymous = await chromium.browser.newPage();
    await anonymous.goto(appUrl);
    await anonymous.waitForURL(/\/login/);
    expect(await anonymous.content()).not.toContain(page);
    await anonymous.close();
  }, 60_000);

  it('disables the Publish button while nothing changed since the approved version, and enables it after a change', async () => {
    const publish = builderPage.getByRole('button', { name: 'Publish' });
    // The approval's publish event asks again.
    await expect.poll(() => publish.isDisabled(), { timeout: 10_000 }).toBe(true);
    expect(await publish.getAttribute('title')).toBe('Nothing changed since the last published version');
    const res = await fetch(`${stack.url}/api/v1/workspaces/${workspaceId}/files/content?path=about.html`, {
      method: 'PUT', headers: { authorization: `Bearer ${builderToken}`, 'content-type': 'text/plain' }, body: '<p>about</p>\n',
    });
    expect(res.status).toBe(200);
    // A file written elsewhere sends no event: the page asks again when it is opened (or every 30 s).
    await builderPage.reload();
    await expect.poll(() => publish.isDisabled(), { timeout: 10_000 }).toBe(false);
  }, 30_000);

  it("offers public access once an admin allows it on the blueprint's page", async () => {
    const starter = await stack.starterId();
    await builderPage.getByRole('button', { name: 'Publish' }).click();
    const publicOption = builderPage.getByRole('option', { name: 'Anyone, without signing in' });
    expect(await publicOption.isDisabled()).toBe(true);
    await builderPage.getByRole('button', { name: 'Cancel' }).click();

    await adminPage.goto(`${stack.url}/admin/blueprints/${starter}`);
    // The switch is a visually hidden checkbox: its label is what one clicks.
    await adminPage.getByText('Allow public apps (anyone, without signing in)').click();
    await expect.poll(async () => (await stack.api('GET', `/api/v1/blueprints/${starter}`)).body.allowPublicApps).toBe(true);

    await builderPage.reload();
    await builderPage.getByRole('button', { name: 'Publish' }).click();
    await expect.poll(() => builderPage.getByRole('option', { name: 'Anyone, without signing in' }).isDisabled()).toBe(false);
  }, 60_000);
});

import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { DEMO_MODEL_ID, startModelSim, type ModelSim } from '@paddock/model-sim';
import { launchChromium } from '../harness/browser.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TestStack } from '../harness/testStack.js';

const VITE_PORT = 5173;

/** A GET with any Host header (a preview origin's, say): Node can't resolve *.localhost itself. */
function get(stack: TestStack, host: string, path: string, cookie?: string) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; setCookie: string[] }>((resolve, reject) => {
    request({ host: '127.0.0.1', port: stack.portal.port, path, headers: { host, ...(cookie ? { cookie } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, setCookie: res.headers['set-cookie'] ?? [] }));
    }).on('error', reject).end();
  });
}

/** What a violated content security policy leaves behind on a page: the browser's report of it. */
async function recordViolations(context: BrowserContext): Promise<() => Promise<string[]>> {
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`));
  });
  const pages: Page[] = [];
  context.on('page', (p) => pages.push(p));
  return async () => (await Promise.all(pages.filter((p) => !p.isClosed()).map((p) => p.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])))).flat();
}

describe('framing and the content security policy', () => {
  let sim: ModelSim;
  let stack: TestStack;
  let chromium: { browser: Browser; close(): Promise<void> };
  let workspaceId: string;
  let previewHost: string;
  /** Another origin: a page anyone could put on the web, trying to frame Paddock. */
  let elsewhere: Server;
  let elsewhereUrl: string;
  let framedPage = '';

  beforeAll(async () => {
    sim = await startModelSim();
    [stack, chromium] = await Promise.all([
      TestStack.start({ llm: { baseUrl: sim.url, apiKey: 'sk-ant-provider-framing', model: DEMO_MODEL_ID } }),
      launchChromium(),
    ]);
    const blueprints = (await stack.api('GET', '/api/v1/blueprints')).body.blueprints as Array<{ id: string; name: string }>;
    const created = await stack.api('POST', '/api/v1/workspaces', { blueprintId: blueprints.find((b) => b.name === 'React + Vite')!.id, name: 'framing' });
    workspaceId = created.body.id;
    await stack.waitForState(workspaceId, 'running', undefined, 60_000);
    previewHost = `${VITE_PORT}--${workspaceId}.preview.localhost:${stack.portal.port}`;
    // Vite starts with the workspace (its command tab) and takes a moment to answer its first page.
    const link = new URL((await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: VITE_PORT })).body.url);
    const cookie = (await get(stack, previewHost, `${link.pathname}${link.search}`)).setCookie[0]!.split(';')[0]!;
    for (const deadline = Date.now() + 90_000; (await get(stack, previewHost, '/', cookie)).status !== 200; await new Promise((r) => setTimeout(r, 500))) {
      if (Date.now() > deadline) throw new Error('Vite never answered through the preview');
    }
    elsewhere = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(framedPage));
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/`;
  }, 180_000);
  afterAll(async () => {
    if (elsewhere) await new Promise((r) => elsewhere.close(r));
    await chromium?.close();
    await stack?.close();
    await sim?.close();
  });

  it('sends frame-ancestors \'none\' and a strict policy on portal pages, and only the portal as ancestor on previews', async () => {
    for (const path of ['/', '/login', `/workspaces/${workspaceId}`, '/api/v1/auth/me', '/favicon.svg']) {
      const res = await get(stack, `127.0.0.1:${stack.portal.port}`, path);
      const csp = String(res.headers['content-security-policy']);
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(res.headers['x-frame-options'], path).toBe('DENY');
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain(`frame-src http://*.preview.localhost:${stack.portal.port}`);
      expect(csp).not.toContain('upgrade-insecure-requests'); // http: it would send the preview frame to https
    }
    // A preview: its own page, the sign-in redirect and the app's answers may be framed by the portal only.
    const ancestors = `frame-ancestors ${stack.url}`;
    const anonymous = await get(stack, previewHost, '/');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['content-security-policy']).toBe(ancestors);
    const link = new URL((await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: VITE_PORT })).body.url);
    const signIn = await get(stack, previewHost, `${link.pathname}${link.search}`);
    expect(signIn.status).toBe(302);
    expect(signIn.headers['content-security-policy']).toBe(ancestors);
    const app = await get(stack, previewHost, '/', signIn.setCookie[0]!.split(';')[0]!);
    expect(app.status).toBe(200);
    expect(app.headers['content-security-policy']).toBe(ancestors);
    expect(app.headers['x-frame-options']).toBeUndefined();
  }, 90_000);

  it('lets no other origin frame the portal or a preview', async () => {
    const link = (await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: VITE_PORT })).body.url as string;
    framedPage = `<!doctype html><body>
      <iframe id="portal" src="${stack.url}/login" onload="this.dataset.loaded = 'yes'"></iframe>
      <iframe id="preview" src="${link}" onload="this.dataset.loaded = 'yes'"></iframe>
      <iframe id="control" src="${elsewhereUrl}?inner" onload="this.dataset.loaded = 'yes'"></iframe></body>`;
    const page = await chromium.browser.newPage();
    try {
      await page.goto(elsewhereUrl);
      const frameOf = async (id: string): Promise<Frame> => {
        await expect.poll(() => page.locator(`#${id}`).getAttribute('data-loaded'), { timeout: 30_000 }).toBe('yes');
        return (await (await page.locator(`#${id}`).elementHandle())!.contentFrame())!;
      };
      // The control frame (same origin as the page) loads: frames work here at all.
      expect((await frameOf('control')).url()).toBe(`${elsewhereUrl}?inner`);
      // Chromium shows its own error page instead of a refused frame.
      expect((await frameOf('portal')).url()).not.toContain(stack.url);
      expect((await frameOf('preview')).url()).not.toContain('.preview.localhost');
    } finally {
      await page.close();
    }
  }, 60_000);

  it('runs the whole workspace page under the policy: preview frame with hot reload, terminal, code editor, AI chat, new tab', async () => {
    const context = await chromium.browser.newContext({ viewport: { width: 1440, height: 900 } });
    const violations = await recordViolations(context);
    try {
      const page = await context.newPage();
      const consoleLines: string[] = [];
      page.on('console', (m) => consoleLines.push(m.text()));
      await page.goto(`${stack.url}/login`);
      await page.getByLabel('Email').fill(ADMIN_EMAIL);
      await page.getByLabel('Password').fill(ADMIN_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => !url.pathname.startsWith('/login'));
      await page.goto(`${stack.url}/workspaces/${workspaceId}`);

      // The preview frame: Vite's page, its modules and its hot-reload WebSocket, from the preview origin.
      const preview = page.frameLocator('[data-testid="preview-frame"]');
      await expect.poll(() => preview.locator('body').innerText({ timeout: 2_000 }).catch(() => ''), { timeout: 60_000 }).toContain('Hello from React + Vite');
      await expect.poll(() => consoleLines.some((l) => l.includes('[vite] connected')), { timeout: 30_000 }).toBe(true);

      // The shell tab (xterm over the terminal WebSocket).
      await page.getByRole('tab', { name: 'Shell' }).click();
      const terminal = page.getByRole('tabpanel', { name: 'Shell' }).getByTestId('terminal');
      const rows = terminal.locator('.xterm-rows');
      await expect.poll(() => rows.textContent(), { timeout: 20_000 }).toContain('$');
      await terminal.click();
      await page.keyboard.type('echo $((6*7))\n');
      await expect.poll(async () => (await rows.innerText()).split('\n').map((l) => l.trim()), { timeout: 20_000 }).toContain('42');

      // The code editor (CodeMirror's injected styles) on a file of the template.
      await page.getByRole('tab', { name: 'Code editor' }).click();
      await page.getByRole('treeitem', { name: 'src' }).getByRole('button').first().click();
      await page.getByRole('treeitem', { name: 'App.jsx' }).getByRole('button').first().click();
      await expect.poll(() => page.locator('.cm-content').innerText(), { timeout: 20_000 }).toContain('Hello from React + Vite');
      expect(await page.locator('.cm-editor').evaluate((el) => getComputedStyle(el).display)).toBe('flex'); // its styles applied

      // The AI chat: its model over fetch, its events over the relayed event stream.
      await page.getByRole('tab', { name: 'AI chat' }).click();
      const chat = page.getByRole('region', { name: 'AI chat' });
      await expect.poll(() => chat.getByText('Demo model — scripted responses').isVisible(), { timeout: 60_000 }).toBe(true);

      // Open in new tab: a fresh link in a tab of its own.
      const [tab] = await Promise.all([
        context.waitForEvent('page'),
        page.getByRole('region', { name: 'Preview', exact: true }).last().getByRole('button', { name: 'Open in new tab' }).click(),
      ]);
      await expect.poll(() => tab.url(), { timeout: 30_000 }).toMatch(new RegExp(`^http://${VITE_PORT}--${workspaceId}\\.preview\\.localhost:${stack.portal.port}/$`));
      await expect.poll(() => tab.locator('body').innerText({ timeout: 2_000 }).catch(() => ''), { timeout: 60_000 }).toContain('Hello from React + Vite');

      expect(await violations()).toEqual([]);
    } finally {
      await context.close();
    }
  }, 240_000);
});

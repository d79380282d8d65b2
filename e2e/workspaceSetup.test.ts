import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { runInWorkspace } from '@paddock/agent';
import { DEMO_MODEL_ID, startModelSim, type ModelSim, type SeenRequest } from '@paddock/model-sim';
import { launchChromium } from './harness/browser.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TestStack } from './harness/testStack.js';
import { filesUnder } from './harness/filesUnder.js';

// Set on the blueprint only; the portal's default provider has another key.
const BLUEPRINT_KEY = `sk-ant-blueprint-${Math.random().toString(36).slice(2)}-secret`;
const PORTAL_KEY = 'portal-default-key-not-this-one';
const PROMPT = 'You help the finance team. Always answer in plain words.';
const NOTES = 'The ledger lives in ledger.json.';


describe("a workspace set up from its blueprint", () => {
  let sim: ModelSim;
  let stack: TestStack;
  let chromium: { browser: Browser; close(): Promise<void> };
  const seen: SeenRequest[] = [];
  let blueprintId: string;
  let workspaceId: string;

  beforeAll(async () => {
    sim = await startModelSim({ onRequest: (r) => seen.push(r) });
    [stack, chromium] = await Promise.all([
      TestStack.start({ llm: { baseUrl: sim.url, apiKey: PORTAL_KEY, model: DEMO_MODEL_ID } }),
      launchChromium(),
    ]);
    const created = await stack.api('POST', '/api/v1/blueprints', {
      name: 'Finance helper',
      systemPrompt: PROMPT,
      dataSourceNotes: NOTES,
      model: DEMO_MODEL_ID,
      llm: { kind: 'anthropic-compatible', baseUrl: sim.url },
      tabs: [
        { id: 'chat', kind: 'ai-chat', title: 'AI chat' },
        { id: 'hello', kind: 'command', title: 'Hello server', command: 'echo "hello-from-$((6*7))"; sleep 600' },
        { id: 'claude', kind: 'claude', title: 'Claude Code' },
        { id: 'shell', kind: 'shell', title: 'Shell' },
        { id: 'editor', kind: 'editor', title: 'Code editor' },
      ],
      defaultTab: 'hello',
      layoutLocked: true,
      previewPorts: [8000],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    blueprintId = created.body.id;
    const key = await stack.api('PUT', `/api/v1/blueprints/${blueprintId}/llm-key`, { value: BLUEPRINT_KEY });
    expect(key.status).toBe(200);
    expect(key.body).toEqual({ set: true, updatedAt: expect.any(String) });
    const ws = await stack.api('POST', '/api/v1/workspaces', { blueprintId, name: 'finance' });
    expect(ws.status).toBe(201);
    workspaceId = ws.body.id;
    await stack.waitForState(workspaceId, 'running');
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
    await sim?.close();
  });

  it('carries the config through the API and refuses an inconsistent one', async () => {
    const got = await stack.api('GET', `/api/v1/blueprints/${blueprintId}`);
    expect(got.body).toMatchObject({ systemPrompt: PROMPT, dataSourceNotes: NOTES, defaultTab: 'hello', layoutLocked: true, previewPorts: [8000] });
    expect(JSON.stringify(got.body)).not.toContain(BLUEPRINT_KEY);
    const bad = await stack.api('PATCH', `/api/v1/blueprints/${blueprintId}`, { defaultTab: 'nope' });
    expect(bad.status).toBe(400);
    const noCommand = await stack.api('PATCH', `/api/v1/blueprints/${blueprintId}`, { tabs: [{ id: 'x', kind: 'command', title: 'X' }] });
    expect(noCommand.status).toBe(400);
  });

  it('writes the system prompt and data-source notes to AGENTS.md and CLAUDE.md', async () => {
    const out = await runInWorkspace(stack.runtime, workspaceId, 'cat /workspace/AGENTS.md; echo ====; cat /workspace/CLAUDE.md');
    const [agents, claude] = out.output.split('====');
    for (const file of [agents!, claude!]) {
      expect(file).toContain(PROMPT);
      expect(file).toContain(NOTES);
    }
  });

  it("runs a command tab's command as the session cmd-<tab id>", async () => {
    const term = await stack.terminal(workspaceId, undefined, 'cmd-hello');
    await term.waitFor('hello-from-42');
    term.close();
  });

  it('runs the real claude in the session "claude", straight into a conversation with the blueprint\'s provider key', async () => {
    const term = await stack.terminal(workspaceId, undefined, 'claude');
    // The TUI draws with cursor moves between words; read its text without the escape sequences.
    const screen = () => term.output.replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '').replace(/\x1b\[[0-9;?>=]*[a-zA-Z~]/g, '').replace(/[\r\n]/g, '');
    const waitScreen = async (pattern: RegExp, timeoutMs: number) => {
      for (const deadline = Date.now() + timeoutMs; !pattern.test(screen());) {
        if (Date.now() > deadline) throw new Error(`claude never showed ${pattern}; screen: ${JSON.stringify(screen().slice(-800))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    // Straight into the conversation on the gateway's key: onboarding, the API-key question and folder trust were pre-answered.
    await waitScreen(/API Usage Billing/, 60_000);
    expect(screen()).not.toMatch(/Choose the text style|Do you want to use this API key|trust the files/);
    term.type('say hello');
    await new Promise((r) => setTimeout(r, 500));
    term.type('\r');
    // Its words are placed by cursor moves, so spaces may be missing from the stream.
    await waitScreen(/Hello\s*from\s*the\s*Paddock\s*demo\s*model/, 60_000);
    term.close();
    const calls = seen.filter((r) => r.path === '/v1/messages');
    expect(calls.length).toBeGreaterThan(0);
    // The gateway swapped the workspace's virtual key for the blueprint's provider key, not the portal default.
    for (const r of calls) expect(r.headers['x-api-key']).toBe(BLUEPRINT_KEY);
  }, 150_000);

  it("never lets the provider key into the workspace's environment or files", async () => {
    const env = await runInWorkspace(stack.runtime, workspaceId, 'for p in /proc/[0-9]*; do timeout 2 tr "\\0" "\\n" < $p/environ; done 2>/dev/null | grep -E "^[A-Z_]*(KEY|TOKEN|SECRET)[A-Z_]*=" | sort -u', 30_000);
    expect(env.output).toContain('ANTHROPIC_API_KEY=pdk-vk-');
    expect(env.output).not.toContain(BLUEPRINT_KEY);
    const root = join(stack.dataDir, 'agent', 'workspaces', workspaceId);
    for (const dir of ['workspace', 'home', 'run']) {
      for (const f of filesUnder(join(root, dir))) expect(f.content.includes(BLUEPRINT_KEY), f.path).toBe(false);
    }
    expect(stack.logs.text).not.toContain(BLUEPRINT_KEY);
  }, 60_000);

  const signedInPage = async (path: string) => {
    const page = await chromium.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${stack.url}/login`);
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
    await page.goto(`${stack.url}${path}`);
    return page;
  };

  it('drives the real claude from the Claude Code tab in the browser, through the gateway', async () => {
    const page = await signedInPage(`/workspaces/${workspaceId}?tab=claude`);
    const panel = page.getByRole('tabpanel', { name: 'Claude Code' });
    const rows = panel.locator('.xterm-rows');
    await expect.poll(() => rows.innerText(), { timeout: 30_000 }).toMatch(/API Usage Billing|demo/);
    const modelCalls = () => seen.filter((r) => r.path === '/v1/messages').length;
    const before = modelCalls();
    await panel.locator('.xterm').click();
    await page.keyboard.type('say hello');
    await page.waitForTimeout(500);
    await page.keyboard.press('Enter');
    // The browser's keystrokes reached claude, which called the scripted model through the gateway…
    await expect.poll(modelCalls, { timeout: 60_000 }).toBeGreaterThan(before);
    // …and its answer is drawn in the tab.
    await expect.poll(async () => (await rows.innerText()).replace(/\s+/g, ' '), { timeout: 60_000 }).toMatch(/Hello ?from ?the ?Paddock ?demo ?model/);
    await page.close();
  }, 150_000);

  it('shows the tabs in the browser: layout lock hides shell and editor, switching keeps terminals, reload keeps the tab', async () => {
    const page = await signedInPage(`/workspaces/${workspaceId}`);

    const tablist = page.getByRole('tablist', { name: 'Workspace tabs' });
    await tablist.waitFor({ timeout: 20_000 });
    const names = async () => (await tablist.getByRole('tab').allInnerTexts()).map((t) => t.trim());
    await expect.poll(() => names()).toEqual(['AI chat', 'Hello server', 'Claude Code']);

    // The default tab opens first, attached to its command's session.
    const hello = page.getByRole('tab', { name: 'Hello server' });
    await expect.poll(() => hello.getAttribute('aria-selected')).toBe('true');
    const helloPanel = page.getByRole('tabpanel', { name: 'Hello server' });
    await expect.poll(() => helloPanel.locator('.xterm-rows').innerText(), { timeout: 15_000 }).toContain('hello-from-42');

    // Switch: the chat shows, the terminal stays mounted (hidden) with its output.
    await page.getByRole('tab', { name: 'AI chat' }).click();
    await expect.poll(() => page.getByRole('tab', { name: 'AI chat' }).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.getByRole('tabpanel', { name: 'AI chat' }).isVisible()).toBe(true);
    await expect.poll(() => page.locator('#ws-panel-hello').isVisible()).toBe(false);
    expect(await page.locator('#ws-panel-hello .xterm-rows').textContent()).toContain('hello-from-42');
    expect(page.url()).toContain('tab=chat');

    // A reload keeps the chosen tab.
    await page.goto(`${stack.url}/workspaces/${workspaceId}`);
    await tablist.waitFor({ timeout: 20_000 });
    await expect.poll(() => page.getByRole('tab', { name: 'AI chat' }).getAttribute('aria-selected')).toBe('true');

    // Unlocked, the shell and the editor come back.
    expect((await stack.api('PATCH', `/api/v1/blueprints/${blueprintId}`, { layoutLocked: false })).status).toBe(200);
    await page.reload();
    await tablist.waitFor({ timeout: 20_000 });
    await expect.poll(() => names()).toEqual(['AI chat', 'Hello server', 'Claude Code', 'Shell', 'Code editor']);
    await page.close();
  });
});

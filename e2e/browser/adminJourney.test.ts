import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { runInWorkspace } from '@paddock/agent';
import { DEMO_MODEL_ID, startModelSim, type ModelSim } from '@paddock/model-sim';
import { launchChromium, signIn } from '../harness/browser.js';
import { runAdminCommand } from '@paddock/portal';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TestStack } from '../harness/testStack.js';

/** A 2×1 PNG (orange, white): the Acme logo of the branding journey. */
const ACME_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAAD0lEQVR4nGM45Mjz//9/AAwCBA3XatfIAAAAAElFTkSuQmCC', 'base64');

describe('an admin confirming destructive actions in the browser', () => {
  let sim: ModelSim;
  let stack: TestStack;
  let chromium: { browser: Browser; close(): Promise<void> };
  let page: Page;

  beforeAll(async () => {
    sim = await startModelSim();
    // The portal's default model is not the demo one: a workspace answering as the demo model got it from its blueprint.
    [stack, chromium] = await Promise.all([TestStack.start({ llm: { baseUrl: sim.url, apiKey: 'sk-ant-admin-journey', model: 'portal-default-model' } }), launchChromium()]);
    page = await chromium.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, stack.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
    await sim?.close();
  });

  const dialog = (name: string) => page.getByRole('dialog', { name });
  const row = (text: string) => page.getByRole('row').filter({ hasText: text });
  const visible = (locator: Locator) => expect.poll(() => locator.isVisible(), { timeout: 10_000 });
  const authenticates = async (token: string) => (await stack.api('GET', '/api/v1/auth/me', undefined, token)).status;

  it('opens on the overview: the topology shows a new workspace, live, and the timeline its running bar and who made it', async () => {
    const owner = await stack.userToken('olive@example.com');
    const id = await stack.runningWorkspace('overview-ws', owner.token);
    await page.goto(`${stack.url}/admin`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/admin/overview');
    await visible(page.getByLabel('Running: 1')).toBe(true);

    const graph = page.getByTestId('topology-graph');
    const node = graph.getByTestId('topology-workspace').filter({ hasText: 'overview-ws' });
    await expect.poll(() => node.getAttribute('data-state'), { timeout: 10_000 }).toBe('running');
    expect(await graph.getByTestId('topology-user').filter({ hasText: 'olive' }).count()).toBe(1);
    expect(await graph.getByTestId('topology-blueprint').filter({ hasText: 'Starter' }).count()).toBe(1);
    expect(await graph.getByTestId('topology-agent').first().textContent()).toContain('Connected');

    await page.getByRole('tab', { name: 'Timeline' }).click();
    const row = page.locator(`[data-testid="timeline-row"][data-workspace-id="${id}"]`);
    await visible(row).toBe(true);
    expect(await row.locator('[data-testid="timeline-bar"][data-kind="running"]').count()).toBe(1);
    expect(await row.locator('[data-testid="timeline-marker"][data-action="create"]').getAttribute('title')).toMatch(/^Created by olive, /);
    const view = await page.getByTestId('timeline-view').textContent();
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await expect.poll(() => page.getByTestId('timeline-view').textContent()).not.toBe(view);
    await page.getByRole('button', { name: 'Show the whole range' }).click();
    await expect.poll(() => page.getByTestId('timeline-view').textContent()).toBe(view);

    // Stopped from its node, after a confirmation; the graph follows, and "running only" leaves it out.
    await page.getByRole('tab', { name: 'Topology' }).click();
    await node.getByRole('button', { name: 'Stop overview-ws' }).click();
    await dialog('Stop overview-ws?').getByRole('button', { name: 'Stop workspace' }).click();
    await stack.waitForState(id, 'stopped');
    await expect.poll(() => node.getAttribute('data-state'), { timeout: 15_000 }).toBe('stopped');
    await visible(page.getByLabel('Running: 0')).toBe(true);
    await page.getByRole('switch', { name: 'Running only' }).check({ force: true });
    await expect.poll(() => node.count()).toBe(0);
    await page.getByRole('switch', { name: 'Running only' }).uncheck({ force: true });

    // A node opens what it shows.
    await node.click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/workspaces/${id}`);
  });

  it('keeps the topology readable at 500 workspaces: a long blueprint collapsed to one node, expanded on a click without stalling', async () => {
    // The portal's answer for 500 workspaces (their layout is unit-tested in topologyLayout.test.ts); what this checks is the browser drawing it.
    const nodes = [
      { id: 'agent:a', kind: 'agent', ref: 'a', label: 'cluster-eu', state: 'connected' },
      { id: 'blueprint:b', kind: 'blueprint', ref: 'b', label: 'Data app' },
      ...Array.from({ length: 40 }, (_, u) => ({ id: `user:u${u}`, kind: 'user', ref: `u${u}`, label: `Person ${u}` })),
      ...Array.from({ length: 500 }, (_, i) => ({ id: `workspace:w${i}`, kind: 'workspace', ref: `w${i}`, label: `big-${i}`, state: i % 4 === 0 ? 'running' : 'stopped' })),
    ];
    const edges = [{ from: 'agent:a', to: 'blueprint:b' }, ...Array.from({ length: 500 }, (_, i) => [
      { from: 'blueprint:b', to: `workspace:w${i}` }, { from: `workspace:w${i}`, to: `user:u${i % 40}` }]).flat()];
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route('**/api/v1/admin/topology', (r) => r.fulfill({ json: { nodes, edges } }));
    try {
      await page.goto(`${stack.url}/admin/overview`);
      const more = page.getByTestId('topology-more');
      await visible(more).toBe(true);
      expect(await more.textContent()).toContain('480 more workspaces');
      expect(await more.textContent()).toContain('105 running');
      const started = Date.now();
      await more.click();
      await expect.poll(() => more.count(), { timeout: 10_000 }).toBe(0);
      // Fitted to the view, the page still answers at once.
      await page.getByRole('tab', { name: 'Timeline' }).click();
      await visible(page.getByRole('button', { name: 'Last 7 days' })).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(errors).toEqual([]);
    } finally {
      await page.unroute('**/api/v1/admin/topology');
    }
  });

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
  it('ends a builder\'s terminal from Security, then stops two workspaces at once from Workspaces, each audited', async () => {
    const wendy = await stack.userToken('wendy@example.com');
    const builders = await stack.runningWorkspace('journey-a', wendy.token);
    const starter = await stack.starterId();
    const admins = (await stack.api('POST', '/api/v1/workspaces', { blueprintId: starter, name: 'journey-b' })).body.id as string;
    const terminal = await stack.terminal(builders, wendy.token);

    await page.goto(`${stack.url}/admin/security`);
    const connection = page.getByTestId('connection-terminal-journey-a');
    await visible(connection).toBe(true);
    expect(await connection.textContent()).toContain('wendy@example.com');
    await connection.getByRole('button', { name: 'End' }).click();
    await dialog('End this connection?').getByRole('button', { name: 'End connection' }).click();
    await expect.poll(() => connection.count()).toBe(0);
    expect((await terminal.waitClosed()).code).toBe(4408);
    await visible(page.getByTestId('blocks-total')).toBe(true);
    expect(await page.getByTestId('security-admins').textContent()).toContain(ADMIN_EMAIL);

    await page.goto(`${stack.url}/admin/workspaces`);
    await page.getByRole('searchbox', { name: 'Search workspaces' }).fill('journey-');
    await expect.poll(() => page.getByTestId('count-total').textContent()).toContain('2');
    await visible(page.getByTestId('admin-workspace-journey-a')).toBe(true);
    expect(await page.getByTestId('admin-workspace-journey-a').textContent()).toContain('wendy@example.com');
    await page.getByRole('checkbox', { name: 'Select all' }).check();
    await page.getByTestId('bulk-bar').getByRole('button', { name: 'Stop' }).click();
    await visible(page.getByText('2 of 2 stopped')).toBe(true);
    for (const id of [builders, admins]) expect((await stack.api('GET', `/api/v1/workspaces/${id}`)).body.desiredState).toBe('stopped');
    const stops = (await stack.api('GET', '/api/v1/audit?action=workspace.stop')).body.entries as Array<{ targetId: string; actorEmail: string }>;
    for (const id of [builders, admins]) expect(stops.find((e) => e.targetId === id)?.actorEmail).toBe(ADMIN_EMAIL);
  });

  it('edits every blueprint field in the UI, and a builder\'s new workspace has them all', async () => {
    const PROMPT = 'You build budget pages for the finance team. Plain words only.';
    const NOTES = 'The budget lives in budget.json.';
    const IDEA = 'Build a page that says Hello Budget';
    const names = async () => ((await stack.api('GET', '/api/v1/blueprints')).body.blueprints as Array<{ name: string }>).map((b) => b.name);

    // A 300-character name is refused at the field, not cut.
    await page.goto(`${stack.url}/admin/blueprints`);
    await page.getByRole('button', { name: 'New blueprint' }).first().click();
    const create = dialog('New blueprint');
    await create.getByLabel('Name').fill('n'.repeat(300));
    await create.getByRole('button', { name: 'Create blueprint' }).click();
    await visible(create.getByText('At most 64 characters')).toBe(true);
    expect((await names()).some((n) => n.startsWith('nnnn'))).toBe(false);
    await create.getByLabel('Name').fill('Journey budget');
    await create.getByRole('button', { name: 'Create blueprint' }).click();
    await page.waitForURL(/\/admin\/blueprints\/[0-9a-f-]+$/);
    const blueprintId = page.url().split('/').pop()!;
    const saved = (section: Locator) => visible(section.getByRole('status').filter({ hasText: 'Saved' }));

    const details = page.locator('#bp-details');
    await details.getByLabel('What it is for').fill('Plan and track your team budget, month by month.');
    await details.getByRole('radio', { name: 'Chart' }).click();
    await details.getByRole('button', { name: 'Save details' }).click();
    await saved(details).toBe(true);

    const ai = page.locator('#bp-ai');
    await ai.getByLabel('Model', { exact: true }).fill(DEMO_MODEL_ID);
    await ai.getByLabel('Instructions for the AI').fill(PROMPT);
    await ai.getByLabel('Data-source notes').fill(NOTES);
    await ai.getByRole('button', { name: 'Add a suggested prompt' }).click();
    await ai.getByLabel('Suggested prompt 1', { exact: true }).fill(IDEA);
    await ai.getByRole('button', { name: 'Add a suggested prompt' }).click();
    await ai.getByLabel('Suggested prompt 2', { exact: true }).fill('x'.repeat(201));
    await ai.getByRole('button', { name: 'Save AI settings' }).click();
    // Checked in the browser with the API's schema: the message sits at its field, and nothing was sent.
    await visible(ai.getByText('At most 200 characters')).toBe(true);
    expect((await stack.api('GET', `/api/v1/blueprints/${blueprintId}`)).body.systemPrompt).toBe('');
    await ai.getByLabel('Suggested prompt 2', { exact: true }).fill('What can you do?');
    await ai.getByRole('button', { name: 'Save AI settings' }).click();
    await saved(ai).toBe(true);
    // The provider key is write-only: saved, then only said to be set.
    await ai.getByLabel('New provider key').fill('sk-journey-provider-key');
    await ai.getByRole('button', { name: 'Save key' }).click();
    await expect.poll(() => ai.getByTestId('llm-key-status').textContent()).toMatch(/^A key is set/);
    expect(await ai.getByLabel('New provider key').inputValue()).toBe('');
    expect((await stack.api('GET', `/api/v1/blueprints/${blueprintId}/llm-key`)).body.set).toBe(true);
    expect(await page.content()).not.toContain('sk-journey-provider-key');

    // Tabs: [chat, claude, shell, editor] → add a command tab, move it to second, remove Claude Code, open on the chat.
    const layout = page.locator('#bp-layout');
    await layout.getByRole('button', { name: 'Add a tab' }).click();
    await layout.getByLabel('Tab 5 title').fill('Budget server');
    await layout.getByLabel('Tab 5 id').fill('budget');
    for (const n of [5, 4, 3]) await layout.getByRole('button', { name: `Move tab ${n} up` }).click();
    await layout.getByRole('button', { name: 'Remove tab 3' }).click();
    await layout.getByTestId('bp-tab-row').nth(0).getByLabel('Opens first').check();
    // A switch is its label (the checkbox itself is visually hidden).
    await layout.getByText('Lock the layout', { exact: true }).click();
    await layout.getByText('Show the code editor', { exact: true }).click();
    expect(await layout.getByRole('switch', { name: 'Lock the layout' }).isChecked()).toBe(true);
    expect(await layout.getByRole('switch', { name: 'Show the code editor' }).isChecked()).toBe(false);
    await layout.getByLabel('Preview ports').fill('8000, 5173');
    await layout.getByRole('button', { name: 'Save layout' }).click();
    await visible(layout.getByText('a command tab needs its command')).toBe(true);
    await layout.getByLabel('Tab 2 command').fill('echo budget-$((6*7)); sleep 600');
    await layout.getByRole('button', { name: 'Save layout' }).click();
    await saved(layout).toBe(true);

    expect((await stack.api('GET', `/api/v1/blueprints/${blueprintId}`)).body).toMatchObject({
      name: 'Journey budget', illustration: 'chart', model: DEMO_MODEL_ID, systemPrompt: PROMPT, dataSourceNotes: NOTES,
      suggestedPrompts: [IDEA, 'What can you do?'],
      tabs: [
        { id: 'chat', kind: 'ai-chat', title: 'AI chat' },
        { id: 'budget', kind: 'command', title: 'Budget server', command: 'echo budget-$((6*7)); sleep 600' },
        { id: 'shell', kind: 'shell', title: 'Shell' },
        { id: 'editor', kind: 'editor', title: 'Code editor' },
      ],
      defaultTab: 'chat', layoutLocked: true, editorEnabled: false, previewPorts: [8000, 5173], enabled: true,
    });
    // The preview shows what a builder gets: the locked layout's two tabs, opening on the chat with its ideas.
    const preview = page.getByTestId('bp-preview');
    await expect.poll(() => preview.getByTestId('bp-preview-tab').allTextContents()).toEqual(['AI chat', 'Budget server']);
    expect(await preview.getByTestId('bp-preview-tab').first().getAttribute('data-default')).toBe('true');
    expect(await preview.getByText(IDEA).count()).toBe(1);

    // Disabled, builders don't see it; enabled again, they do.
    const builder = await stack.userToken('budget-builder@example.com');
    const builderNames = async () => ((await stack.api('GET', '/api/v1/blueprints', undefined, builder.token)).body.blueprints as Array<{ name: string }>).map((b) => b.name);
    const availability = page.locator('#bp-availability');
    await availability.getByText('Enabled: builders can pick it').click();
    await visible(page.getByTestId('bp-state').filter({ hasText: 'Disabled' })).toBe(true);
    expect(await builderNames()).not.toContain('Journey budget');
    await availability.getByText('Disabled: hidden from builders').click();
    await expect.poll(builderNames).toContain('Journey budget');

    // The builder's card, then the workspace: its tabs, the one it opens on, the chat's ideas, AGENTS.md, the command, the model.
    const context = await chromium.browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      const builderPage = await context.newPage();
      await signIn(builderPage, stack.url, 'budget-builder@example.com', ADMIN_PASSWORD);
      const card = builderPage.getByTestId('blueprint-card').filter({ hasText: 'Journey budget' });
      await visible(card).toBe(true);
      expect(await card.locator('[data-illustration="chart"]').count()).toBe(1);
      expect(await card.textContent()).toContain('Plan and track your team budget, month by month.');
      await card.getByRole('button', { name: 'Create' }).click();
      await builderPage.waitForURL(/\/workspaces\/[0-9a-f-]+$/);
      const workspaceId = builderPage.url().split('/').pop()!;
      await expect.poll(() => builderPage.getByTestId('workspace-state').textContent(), { timeout: 60_000 }).toBe('running');
      const tabs = builderPage.getByRole('tablist', { name: 'Workspace tabs' }).getByRole('tab');
      await expect.poll(() => tabs.allTextContents()).toEqual(['AI chat', 'Budget server']);
      expect(await builderPage.getByRole('tab', { name: 'AI chat' }).getAttribute('aria-selected')).toBe('true');
      const chat = builderPage.getByRole('region', { name: 'AI chat' });
      await expect.poll(() => chat.getByText('Demo model — scripted responses').isVisible(), { timeout: 60_000 }).toBe(true);
      await visible(chat.getByRole('button', { name: IDEA })).toBe(true);
      await chat.getByRole('button', { name: IDEA }).click();
      expect(await chat.getByRole('textbox', { name: 'Message' }).inputValue()).toBe(IDEA);

      const agents = await runInWorkspace(stack.runtime, workspaceId, 'cat /workspace/AGENTS.md');
      expect(agents.output).toContain(PROMPT);
      expect(agents.output).toContain(NOTES);
      const env = await runInWorkspace(stack.runtime, workspaceId, 'for p in /proc/[0-9]*; do tr "\\0" "\\n" < $p/environ; done 2>/dev/null | grep "^ANTHROPIC_MODEL=" | sort -u', 30_000);
      expect(env.output.trim()).toBe(`ANTHROPIC_MODEL=${DEMO_MODEL_ID}`);
      const term = await stack.terminal(workspaceId, builder.token, 'cmd-budget');
      await term.waitFor('budget-42');
      term.close();

      // Publishing asks nothing technical: the blueprint already says how its app starts, and one app runs.
      await builderPage.getByRole('button', { name: 'Publish' }).click();
      const publish = builderPage.getByRole('dialog', { name: 'Publish this workspace' });
      await visible(publish.getByText("It starts the way this blueprint's app always does.")).toBe(true);
      expect(await publish.getByLabel('Start command').count()).toBe(0);
      await publish.getByRole('button', { name: 'Change how it starts' }).click();
      await visible(publish.getByLabel('Start command')).toBe(true);
      expect(await publish.getByLabel('Port').getAttribute('placeholder')).toBe('8000');
      await publish.getByRole('button', { name: 'Cancel' }).click();
    } finally {
      await context.close();
    }

    // Duplicate (saying what is not copied), archive the copy, then delete it: it has no workspaces.
    await page.goto(`${stack.url}/admin/blueprints/${blueprintId}`);
    await page.locator('#bp-availability').getByRole('button', { name: 'Duplicate' }).click();
    const duplicate = dialog('Duplicate Journey budget');
    expect(await duplicate.getByTestId('bp-not-copied').textContent()).toContain('Not copied: its credentials, its provider key and its git remote');
    await duplicate.getByLabel('Name of the copy').fill('Journey budget (team B)');
    await duplicate.getByRole('button', { name: 'Duplicate' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain('Journey budget (team B)');
    const copyId = page.url().split('/').pop()!;
    expect(copyId).not.toBe(blueprintId);
    await visible(page.getByTestId('bp-state').filter({ hasText: 'Disabled' })).toBe(true);
    expect((await stack.api('GET', `/api/v1/blueprints/${copyId}/llm-key`)).body.set).toBe(false);
    await page.locator('#bp-availability').getByRole('button', { name: 'Archive' }).click();
    await dialog('Archive Journey budget (team B)?').getByRole('button', { name: 'Archive blueprint' }).click();
    await visible(page.getByTestId('bp-archived-note')).toBe(true);
    await page.locator('#bp-availability').getByRole('button', { name: 'Delete' }).click();
    await dialog('Delete Journey budget (team B)?').getByRole('button', { name: 'Delete blueprint' }).click();
    await page.waitForURL(`${stack.url}/admin/blueprints`);
    expect((await stack.api('GET', `/api/v1/blueprints/${copyId}`)).status).toBe(404);
    // The original has the builder's workspace: its delete says so, and it stays.
    await page.goto(`${stack.url}/admin/blueprints/${blueprintId}`);
    await page.locator('#bp-availability').getByRole('button', { name: 'Delete' }).click();
    const refused = dialog('Delete Journey budget?');
    await refused.getByRole('button', { name: 'Delete blueprint' }).click();
    await expect.poll(() => refused.getByRole('alert').textContent()).toContain('1 workspace uses this blueprint');
  }, 240_000);

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

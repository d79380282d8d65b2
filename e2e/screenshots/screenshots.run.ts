import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, signIn } from '../harness/browser.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TestStack } from '../harness/testStack.js';

/**
 * The screenshot pass of issue 12: every page of the web app, at 1280 and 1920 wide, in the
 * light and the dark theme, from a stack seeded the way a small team would use it. The files
 * are JPEG (a tenth of PNG's size, and they live in git) and docs/screenshots/README.md lists
 * them. Each page must render without an error banner: a broken page fails the pass.
 */
const outDir = join(new URL('../..', import.meta.url).pathname, 'docs', 'screenshots');
const widths = [1280, 1920] as const;
const schemes = ['light', 'dark'] as const;

interface Shot {
  name: string;
  title: string;
  path: (ids: Seeded) => string;
  /** Signed out pages are taken in a fresh context. */
  signedOut?: boolean;
}

interface Seeded { workspaceId: string; blueprintId: string }

const allShots: Shot[] = [
  { name: 'sign-in', title: 'Sign in', path: () => '/login', signedOut: true },
  { name: 'home', title: 'Builder home', path: () => '/' },
  { name: 'workspaces', title: 'My workspaces', path: () => '/workspaces' },
  { name: 'workspace', title: 'A workspace', path: (s) => `/workspaces/${s.workspaceId}` },
  { name: 'usage', title: 'Usage & cost', path: () => '/usage' },
  { name: 'account', title: 'Account', path: () => '/account' },
  { name: 'admin-overview', title: 'Admin: overview', path: () => '/admin/overview' },
  { name: 'admin-workspaces', title: 'Admin: workspaces', path: () => '/admin/workspaces' },
  { name: 'admin-security', title: 'Admin: security', path: () => '/admin/security' },
  { name: 'admin-members', title: 'Admin: members', path: () => '/admin/members' },
  { name: 'admin-blueprints', title: 'Admin: blueprints', path: () => '/admin/blueprints' },
  { name: 'admin-blueprint', title: 'Admin: a blueprint', path: (s) => `/admin/blueprints/${s.blueprintId}` },
  { name: 'admin-policies', title: 'Admin: resource policies', path: () => '/admin/policies' },
  { name: 'admin-governance', title: 'Admin: governance', path: () => '/admin/governance' },
  { name: 'admin-governance-activity', title: 'Admin: agent activity', path: () => '/admin/governance/activity' },
  { name: 'admin-approvals', title: 'Admin: approvals', path: () => '/admin/governance/approvals' },
  { name: 'admin-apps', title: 'Admin: published apps', path: () => '/admin/apps' },
  { name: 'admin-agents', title: 'Admin: agents', path: () => '/admin/agents' },
  { name: 'admin-audit', title: 'Admin: audit log', path: () => '/admin/audit' },
  { name: 'admin-sso', title: 'Admin: single sign-on', path: () => '/admin/sso' },
  { name: 'admin-scim', title: 'Admin: SCIM', path: () => '/admin/scim' },
  { name: 'admin-ip-allowlist', title: 'Admin: IP allowlist', path: () => '/admin/ip-allowlist' },
  { name: 'admin-branding', title: 'Admin: branding', path: () => '/admin/branding' },
];

/** `PADDOCK_SHOTS=home,workspace npm run screenshots` retakes only those (and keeps the others' files). */
const only = process.env.PADDOCK_SHOTS?.split(',').filter(Boolean);
const shots = only ? allShots.filter((s) => only.includes(s.name)) : allShots;

/** Waits until the page shows no skeletons or spinners, then a moment for charts to draw. */
async function settled(page: Page): Promise<void> {
  await page.waitForLoadState('domcontentloaded');
  await expect.poll(() => page.locator('.animate-pulse, .animate-spin').count(), { timeout: 20_000 }).toBe(0);
  await page.waitForTimeout(400);
}

describe('screenshots of every page', () => {
  let stack: TestStack;
  let chromium: { browser: Browser; close(): Promise<void> };
  let seeded: Seeded;
  const taken: { shot: Shot; files: string[] }[] = [];

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([TestStack.start(), launchChromium()]);
    const maya = await stack.api('POST', '/api/v1/users', { email: 'maya.chen@example.com', name: 'Maya Chen', role: 'builder', password: ADMIN_PASSWORD });
    expect(maya.status).toBe(201);
    const mayaToken = (await stack.portal.services.identity.createToken(maya.body.id, 'screenshots')).token;
    await stack.api('POST', '/api/v1/invites', { email: 'sam.ortiz@example.com', role: 'builder' });
    const workspaceId = await stack.runningWorkspace('retention-dashboard');
    await stack.runningWorkspace('churn-explorer', mayaToken);
    seeded = { workspaceId, blueprintId: await stack.starterId() };
    if (!only) rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  it('photographs each page at each width and theme', async () => {
    const contexts = new Map<string, BrowserContext>();
    const contextFor = async (scheme: (typeof schemes)[number], signedOut: boolean) => {
      const key = `${scheme}:${signedOut}`;
      let context = contexts.get(key);
      if (!context) {
        context = await chromium.browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 800 } });
        if (!signedOut) await signIn(await context.newPage(), stack.url, ADMIN_EMAIL, ADMIN_PASSWORD);
        contexts.set(key, context);
      }
      return context;
    };
    for (const shot of shots) {
      const files: string[] = [];
      for (const scheme of schemes) {
        const page = await (await contextFor(scheme, shot.signedOut ?? false)).newPage();
        for (const width of widths) {
          await page.setViewportSize({ width, height: Math.round(width * 0.5625) });
          await page.goto(`${stack.url}${shot.path(seeded)}`);
          await settled(page);
          expect(await page.getByText('Page not found').count(), `${shot.name}: the page exists`).toBe(0);
          const file = `${shot.name}-${width}-${scheme}.jpg`;
          await page.screenshot({ path: join(outDir, file), type: 'jpeg', quality: 80 });
          files.push(file);
        }
        await page.close();
      }
      taken.push({ shot, files });
    }
    for (const context of contexts.values()) await context.close();

    if (only) return;
    const rows = taken.map(({ shot, files }) => `| ${shot.title} | ${files.map((f) => `[${f.replace(`${shot.name}-`, '').replace('.jpg', '')}](${f})`).join(' · ')} |`);
    writeFileSync(join(outDir, 'README.md'), [
      '# Screenshots',
      '',
      'Every page at 1280 and 1920 pixels wide, in the light and the dark theme (which follows the system).',
      'Made by `npm run screenshots` from a freshly seeded stack; do not edit by hand.',
      '',
      '| page | shots |',
      '| --- | --- |',
      ...rows,
      '',
    ].join('\n'));
    expect(readdirSync(outDir).filter((f) => f.endsWith('.jpg'))).toHaveLength(shots.length * widths.length * schemes.length);
  });
});

import { createHash } from 'node:crypto';
import { chownSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { SESSION_COOKIE } from '@paddock/protocol';
import { previewCookieName } from '@paddock/portal';
import { launchChromium } from './harness/browser.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TestStack } from './harness/testStack.js';
import { previewGet, redeem } from './harness/previewClient.js';

const DEV_PORT = 5173;
const fixture = new URL('./fixtures/hotReloadServer.cjs', import.meta.url).pathname;

/** Puts the fixture dev server into a workspace and starts it from the workspace's own shell. */
export async function startDevServer(stack: TestStack, workspaceId: string, token?: string, port = DEV_PORT): Promise<void> {
  const dir = join(stack.dataDir, 'agent', 'workspaces', workspaceId, 'workspace');
  copyFileSync(fixture, join(dir, 'server.cjs'));
  writeFileSync(join(dir, 'message.txt'), 'Hello Preview\n');
  if (process.getuid?.() === 0) for (const f of ['server.cjs', 'message.txt']) chownSync(join(dir, f), 100_000, 100_000);
  const t = await stack.terminal(workspaceId, token, port === DEV_PORT ? 'dev' : `dev-${port}`);
  t.type(`node /workspace/server.cjs ${port} /workspace\n`);
  await t.waitFor(`dev server on ${port}`);
  t.close();
}

describe('live preview through the tunnel', () => {
  let stack: TestStack;
  let chromium: { browser: Browser; close(): Promise<void> };
  let workspaceId: string;
  let host: string;

  beforeAll(async () => {
    [stack, chromium] = await Promise.all([TestStack.start(), launchChromium()]);
    workspaceId = await stack.runningWorkspace('preview');
    host = `${DEV_PORT}--${workspaceId}.preview.localhost:${stack.portal.port}`;
    await startDevServer(stack, workspaceId);
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  it('lists the dev server the workspace started', async () => {
    const res = await stack.api('GET', `/api/v1/workspaces/${workspaceId}/previews`);
    expect(res.status).toBe(200);
    expect(res.body.ports).toContainEqual({ port: DEV_PORT, listening: true, sources: ['detected'] });
    expect(res.body.ports.map((p: { port: number }) => p.port)).not.toContain(4141);
  });

  it('signs a browser in with a one-time link on the preview origin, and hot reload reaches the page', async () => {
    const link = await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: DEV_PORT });
    expect(link.status).toBe(201);
    expect(link.body.url).toMatch(new RegExp(`^http://${DEV_PORT}--${workspaceId}\\.preview\\.localhost:${stack.portal.port}/__paddock/auth\\?token=`));
    const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(link.body.url);
    expect(new URL(page.url()).pathname).toBe('/');
    await expect.poll(() => page.locator('#msg').textContent()).toBe('Hello Preview');
    // The page's script opened a WebSocket to its own origin: upgraded through the proxy and tunnel.
    await expect.poll(() => page.locator('body').getAttribute('data-hmr'), { timeout: 10_000 }).toBe('open');
    writeFileSync(join(stack.dataDir, 'agent', 'workspaces', workspaceId, 'workspace', 'message.txt'), 'Changed by a save\n');
    await expect.poll(() => page.locator('#msg').textContent(), { timeout: 10_000 }).toBe('Changed by a save');
    writeFileSync(join(stack.dataDir, 'agent', 'workspaces', workspaceId, 'workspace', 'message.txt'), 'Hello Preview\n');
    // Admin → Security lists the page's hot-reload socket as a live preview; ending it closes the page's socket.
    const previews = async () => ((await stack.api('GET', '/api/v1/admin/security')).body.connections as Array<{ id: string; kind: string; workspaceId: string; detail: string; userEmail: string }>)
      .filter((c) => c.kind === 'preview' && c.workspaceId === workspaceId);
    const [hmr, ...more] = await previews();
    expect(more).toEqual([]);
    expect(hmr).toMatchObject({ detail: `port ${DEV_PORT}`, userEmail: 'admin@example.com' });
    expect((await stack.api('DELETE', `/api/v1/admin/connections/${hmr!.id}`)).status).toBe(204);
    await expect.poll(() => page.locator('body').getAttribute('data-hmr'), { timeout: 10_000 }).toBe('closed');
    expect(await previews()).toEqual([]);
    await context.close();
  });

  it('refuses a replayed link, a link for another port, and requests without the cookie', async () => {
    const link = (await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: DEV_PORT })).body.url as string;
    const u = new URL(link);
    const otherPort = await previewGet(stack, `5174--${workspaceId}.preview.localhost`, `${u.pathname}${u.search}`);
    expect(otherPort.status).toBe(401); // and it burned the token
    expect((await redeem(stack, link)).status).toBe(401);

    const fresh = (await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: DEV_PORT })).body.url as string;
    const first = await redeem(stack, fresh);
    expect(first.status).toBe(302);
    expect(first.setCookie).toMatch(/HttpOnly/);
    expect(first.setCookie).not.toMatch(/Domain=/i);
    expect((await redeem(stack, fresh)).status).toBe(401);

    const anonymous = await previewGet(stack, host, '/');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toContain('Open this preview from Paddock');
    const forged = await previewGet(stack, host, '/', `${previewCookieName(host.split(':')[0]!, false)}=pvs_${'f'.repeat(43)}`);
    expect(forged.status).toBe(401);
    // The cookie is bound to its origin: another port of the same workspace refuses it.
    expect((await previewGet(stack, `5174--${workspaceId}.preview.localhost`, '/', first.cookie)).status).toBe(401);
    // With it: the app, which never sees the preview cookie, and gets the dev server's own Host.
    const headers = JSON.parse((await previewGet(stack, host, '/headers', `${first.cookie}; app=1`)).body) as Record<string, string>;
    expect(headers.host).toBe(`127.0.0.1:${DEV_PORT}`);
    expect(headers.cookie).toBe('app=1');
    expect(headers['x-forwarded-host']).toBe(host);
  });

  it('retries a GET once when the dev server drops it on a pooled connection (its keep-alive ran out meanwhile)', async () => {
    const { cookie } = await redeem(stack, (await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: DEV_PORT })).body.url);
    expect((await previewGet(stack, host, '/drop-next', cookie)).body).toBe('armed');
    const next = await previewGet(stack, host, '/message', cookie);
    expect(next.status).toBe(200);
    expect(next.body).toBe('Hello Preview');
  });

  it('lets a dev server set cookies for its own origin only', async () => {
    const { cookie } = await redeem(stack, (await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: DEV_PORT })).body.url);
    const res = await previewGet(stack, host, '/set-cookies', cookie);
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toEqual(['own=1; Path=/']);
  });

  it('refuses previews of the workspace\'s own services, and no dial reaches them', async () => {
    for (const port of [4096, 4141]) {
      const res = await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(new RegExp(`port ${port} is the workspace's own service`));
    }
    // A stand-in on OpenCode's port (this blueprint has no model route, so no OpenCode runs here).
    const t = await stack.terminal(workspaceId, undefined, 'opencode-standin');
    t.type(`node -e "require('http').createServer((q, s) => s.end('opencode-config')).listen(4096, '127.0.0.1', () => console.log('standin up on ' + 4096))"\n`);
    await t.waitFor('standin up on 4096');
    t.close();
    const listed = await stack.api('GET', `/api/v1/workspaces/${workspaceId}/previews`);
    expect(listed.body.ports.map((p: { port: number }) => p.port)).not.toContain(4096);
    const agentId = (await stack.portal.services.workspaces.agentOf(workspaceId))!;
    await expect(stack.portal.services.hub.dial(agentId, workspaceId, { port: 4096 })).rejects.toThrow(/own service/);

    // Even a preview link for that port, however it came to exist, signs nothing in and shows nothing.
    const me = await stack.api('GET', '/api/v1/auth/me');
    const token = `pvt_planted_${Date.now()}`;
    await stack.db.insertInto('preview_tokens').values({
      token_hash: createHash('sha256').update(token).digest('hex'), user_id: me.body.user.id, workspace_id: workspaceId, port: 4096,
      portal_session_hash: null, expires_at: new Date(Date.now() + 60_000), used_at: null,
    }).execute();
    const planted = await redeem(stack, `http://4096--${workspaceId}.preview.localhost:${stack.portal.port}/__paddock/auth?token=${token}`);
    expect(planted.status).toBe(404);
    expect(planted.cookie).toBeUndefined();
    const res = await previewGet(stack, `4096--${workspaceId}.preview.localhost`, '/');
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('opencode-config');
    // Nor is a malformed preview host ever the portal.
    expect((await previewGet(stack, `portal.preview.localhost`, '/api/v1/auth/me')).status).toBe(404);
  });

  it('keeps working when another preview origin tosses a cookie onto the whole preview domain', async () => {
    await startDevServer(stack, workspaceId, undefined, DEV_PORT + 1);
    const victim = `http://${DEV_PORT + 1}--${workspaceId}.preview.localhost:${stack.portal.port}`;
    const context = await chromium.browser.newContext();
    try {
      const attacker = await context.newPage();
      await attacker.goto((await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: DEV_PORT })).body.url);
      await expect.poll(() => attacker.locator('#msg').textContent()).toBe('Hello Preview');
      // Every name the victim's sign-in cookie could have, for the whole domain, on every path the victim will ask for.
      const names = ['__paddock_preview', previewCookieName(new URL(victim).hostname, false)];
      await attacker.evaluate((names) => {
        for (const name of names) for (const path of ['/', '/message']) document.cookie = `${name}=pvs_tossed; domain=preview.localhost; path=${path}`;
      }, names);
      const tossed = (await context.cookies(victim)).filter((c) => c.value === 'pvs_tossed').map((c) => c.name);
      expect(new Set(tossed)).toEqual(new Set(names)); // the browser really sends them to the victim

      const page = await context.newPage();
      const landed = await page.goto((await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: DEV_PORT + 1 })).body.url);
      expect(landed?.status()).toBe(200);
      await expect.poll(() => page.locator('#msg').textContent()).toBe('Hello Preview');
      expect(await page.evaluate(async () => (await fetch('/message')).status)).toBe(200);
    } finally {
      await context.close();
    }
  });

  it('never hands the dev server Paddock\'s cookies, Authorization, or an HTTP authentication prompt', async () => {
    const context = await chromium.browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto((await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: DEV_PORT })).body.url);
      await expect.poll(() => page.locator('#msg').textContent()).toBe('Hello Preview');
      const headers = await page.evaluate(async (sessionCookie) => {
        for (const c of [`${sessionCookie}=stolen`, 'paddock_oidc=stolen', '__paddock_preview=stale', 'app=1']) document.cookie = `${c}; path=/`;
        return await (await fetch('/headers', { headers: { authorization: 'Bearer pdk_someone_elses_token' } })).json() as Record<string, string>;
      }, SESSION_COOKIE);
      expect(headers.cookie).toBe('app=1');
      expect(headers).not.toHaveProperty('authorization');
      expect(JSON.stringify(headers)).not.toMatch(/paddock|pvs_|pdk_|stolen/i);
    } finally {
      await context.close();
    }
    // The app's own 401 still arrives, but never a browser prompt for credentials on a Paddock-served origin.
    const { cookie } = await redeem(stack, (await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: DEV_PORT })).body.url);
    const challenge = await previewGet(stack, host, '/challenge', cookie);
    expect(challenge.status).toBe(401);
    expect(challenge.body).toBe('who are you?');
    expect(challenge.headers['www-authenticate']).toBeUndefined();
  });

  it('keeps the portal session out of reach of preview code', async () => {
    const context = await chromium.browser.newContext();
    const page = await context.newPage();
    // Signed in to the portal on localhost: the closest host to *.preview.localhost there is.
    const portal = `http://localhost:${stack.portal.port}`;
    await page.goto(`${portal}/login`);
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
    expect((await context.cookies(portal)).map((c) => c.name)).toContain(SESSION_COOKIE);
    // The preview link is asked for by the portal page itself, with its session.
    const url = await page.evaluate(async ({ id, port }) => {
      const me = await (await fetch('/api/v1/auth/me')).json() as { csrfToken: string };
      const res = await fetch(`/api/v1/workspaces/${id}/previews`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken }, body: JSON.stringify({ port }) });
      return (await res.json() as { url: string }).url;
    }, { id: workspaceId, port: DEV_PORT });
    expect(url).toContain(`.preview.localhost:${stack.portal.port}/`);
    await page.goto(url);
    await expect.poll(() => page.locator('#msg').textContent()).toBe('Hello Preview');

    const seen = await page.evaluate(async (portalOrigin) => {
      const cookies = document.cookie;
      const received = await (await fetch('/headers')).json() as { cookie?: string };
      let api: string;
      try {
        const res = await fetch(`${portalOrigin}/api/v1/auth/me`, { credentials: 'include' });
        api = `status ${res.status}`;
      } catch {
        api = 'blocked';
      }
      let sameOriginApi: number | undefined;
      try { sameOriginApi = (await fetch('/api/v1/auth/me')).status; } catch { sameOriginApi = undefined; }
      return { cookies, received: received.cookie ?? '', api, sameOriginApi };
    }, portal);
    expect(seen.cookies).not.toContain(SESSION_COOKIE);
    expect(seen.cookies).not.toContain('__paddock_preview');
    expect(seen.received).not.toContain(SESSION_COOKIE);
    expect(['blocked', 'status 401']).toContain(seen.api);
    // /api/v1 on the preview origin is the dev server's, never the portal's.
    expect(seen.sameOriginApi).toBe(200);
    await context.close();
  });

  it('shows the preview in the workspace page at desktop and mobile sizes', async () => {
    const page = await chromium.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${stack.url}/login`);
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
    await page.goto(`${stack.url}/workspaces/${workspaceId}`);
    const panel = page.getByRole('region', { name: 'Preview', exact: true }).last();
    const frame = panel.getByTestId('preview-frame');
    const content = page.frameLocator('[data-testid="preview-frame"]');
    await expect.poll(() => content.locator('#msg').textContent(), { timeout: 20_000 }).toBe('Hello Preview');
    // The frame may still be settling into the split layout: wait for its desktop width.
    const pageWidth = async () => Number((await content.locator('#width').textContent())?.replace('width ', ''));
    await expect.poll(pageWidth, { timeout: 10_000 }).toBeGreaterThan(390);

    await panel.getByRole('button', { name: 'Mobile' }).click();
    await expect.poll(() => frame.evaluate((el: HTMLIFrameElement) => [el.offsetWidth, el.offsetHeight])).toEqual([390, 844]);
    await expect.poll(() => content.locator('#width').textContent(), { timeout: 10_000 }).toBe('width 390');
    await expect.poll(() => content.locator('#msg').textContent()).toBe('Hello Preview');
    await panel.getByRole('button', { name: 'Turn to landscape' }).click();
    await expect.poll(() => frame.evaluate((el: HTMLIFrameElement) => [el.offsetWidth, el.offsetHeight])).toEqual([844, 390]);
    // Scaled to fit the panel, never cut off.
    const box = (await frame.boundingBox())!;
    const area = (await panel.boundingBox())!;
    expect(box.width).toBeLessThanOrEqual(area.width);
    await panel.getByRole('button', { name: 'Desktop' }).click();
    await panel.getByRole('button', { name: 'Reload preview' }).click();
    await expect.poll(() => content.locator('#msg').textContent({ timeout: 1_000 }).catch(() => null), { timeout: 20_000 }).toBe('Hello Preview').catch(async (err: unknown) => {
      const inside = page.frames().map((f) => f.url()).join(', ');
      const shown = await content.locator('body').innerText({ timeout: 1_000 }).catch((e: Error) => e.message);
      throw new Error(`${String(err)}\nframes: ${inside}\nthe preview frame shows: ${shown}`);
    });
    await page.close();
  }, 90_000);

  it('refuses other users, and ends previews when the user is deactivated or the workspace stops', async () => {
    const builder = await stack.userToken('pat@example.com');
    const other = await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: DEV_PORT }, builder.token);
    expect(other.status).toBe(404);

    const own = await stack.runningWorkspace('pats', builder.token);
    await startDevServer(stack, own, builder.token);
    const ownHost = `${DEV_PORT}--${own}.preview.localhost`;
    const { cookie } = await redeem(stack, (await stack.api('POST', `/api/v1/workspaces/${own}/previews`, { port: DEV_PORT }, builder.token)).body.url);
    expect((await previewGet(stack, ownHost, '/message', cookie)).body).toBe('Hello Preview');
    // Pat's cookie opens nothing of the admin's.
    expect((await previewGet(stack, host, '/message', cookie)).status).toBe(401);
    expect((await stack.api('DELETE', `/api/v1/users/${builder.id}`)).status).toBeLessThan(300);
    await expect.poll(async () => (await previewGet(stack, ownHost, '/message', cookie)).status, { timeout: 5_000 }).toBe(401);

    const { cookie: adminCookie } = await redeem(stack, (await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: DEV_PORT })).body.url);
    expect((await previewGet(stack, host, '/message', adminCookie)).status).toBe(200);
    await stack.api('POST', `/api/v1/workspaces/${workspaceId}/stop`);
    await stack.waitForState(workspaceId, 'stopped');
    await expect.poll(async () => (await previewGet(stack, host, '/message', adminCookie)).status, { timeout: 5_000 }).toBe(401);
    expect((await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: DEV_PORT })).status).toBe(409);
  });
});

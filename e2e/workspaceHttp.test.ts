import { chownSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, type TunnelHttpTimeouts } from '@paddock/portal';
import { ADMIN_TOKEN, TestStack } from './harness/testStack.js';

/**
 * HTTP from the portal to workspaces over the tunnel (tunnel/workspaceHttp.ts), through the real
 * stack: each caller (the files API, the previews' port list, the AI routes, the preview proxy)
 * gives up on a workspace that accepts and never answers within its own timeout, with the one
 * mapping of tunnel errors to API errors; pools close when their workspace stops or goes unused.
 */
const timeouts: TunnelHttpTimeouts = {
  dialMs: 1_500, filesMs: 2_000, portsMs: 2_000, aiHeadersMs: 2_000, aiMs: 2_000, previewHeadersMs: 2_000, poolIdleMs: 60_000,
};
/** A hung request would hold until the harness gives up (45 s): failing "within its timeout" is far below that, even under load. */
const WITHIN = 20_000;
const SILENT_PORT = 5180;
const RESET_PORT = 5181;
const DEV_PORT = 5173;

const fixtures = new URL('./fixtures/', import.meta.url).pathname;

describe('HTTP to workspaces over the tunnel', () => {
  const clock = new FakeClock(new Date());
  let stack: TestStack;
  let hung: string;

  beforeAll(async () => {
    stack = await TestStack.start({ clock, portal: { tunnelHttp: timeouts } });
    hung = await stack.runningWorkspace('hung');
    // Listeners that accept and never answer, on a dev port and on OpenCode's (this stack has no model
    // route, so no OpenCode runs), and one that hangs up on every connection.
    putFile(hung, 'standin.cjs', STANDIN);
    const t = await stack.terminal(hung, undefined, 'standin');
    t.type(`node /workspace/standin.cjs ${SILENT_PORT},4096 ${RESET_PORT}\n`);
    await t.waitFor('stand-ins up');
    t.close();
  }, 120_000);
  afterAll(async () => { await stack?.close(); });

  function putFile(workspaceId: string, name: string, content: string | { copyOf: string }) {
    const path = join(stack.dataDir, 'agent', 'workspaces', workspaceId, 'workspace', name);
    if (typeof content === 'string') writeFileSync(path, content);
    else copyFileSync(content.copyOf, path);
    if (process.getuid?.() === 0) chownSync(path, 100_000, 100_000);
  }

  async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
    const started = performance.now();
    const value = await work();
    return { value, ms: performance.now() - started };
  }

  const api = (path: string, init: RequestInit = {}) => timed(async () => {
    const res = await fetch(`${stack.url}${path}`, {
      ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...init.headers }, signal: AbortSignal.timeout(45_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  });

  /** A preview origin's request, signed in with a fresh link (Node can't resolve *.localhost itself). */
  async function preview(workspaceId: string, port: number, path: string): Promise<{ value: { status: number; body: string }; ms: number }> {
    const link = new URL((await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port })).body.url);
    const signIn = await get(link.host, `${link.pathname}${link.search}`);
    expect(signIn.status).toBe(302);
    const cookie = String(signIn.setCookie ?? '').split(';')[0];
    return timed(() => get(link.host, path, cookie));
  }

  function get(host: string, path: string, cookie?: string): Promise<{ status: number; body: string; setCookie: string | undefined }> {
    return new Promise((resolve, reject) => {
      const r = request({
        host: '127.0.0.1', port: stack.portal.port, path, headers: { host, ...(cookie ? { cookie } : {}) }, signal: AbortSignal.timeout(45_000),
      }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, setCookie: ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0] }));
      });
      r.on('error', reject);
      r.end();
    });
  }

  /** The daemon's pid, as the host sees it: the sandbox init's first child. */
  function daemonPid(workspaceId: string): number {
    const state = JSON.parse(readFileSync(join(stack.dataDir, 'agent', 'workspaces', workspaceId, 'state.json'), 'utf8')) as { sandboxInit: { pid: number } };
    const init = state.sandboxInit.pid;
    return Number(readFileSync(`/proc/${init}/task/${init}/children`, 'utf8').trim().split(' ')[0]);
  }

  it('gives up on the AI and on a dev server that accept and never answer, each within its timeout', async () => {
    const ai = await api(`/api/v1/workspaces/${hung}/ai/sessions`);
    expect(ai.value).toEqual({ status: 504, body: { error: { code: 'workspace_timeout', message: "the workspace's AI did not answer within 2 s" } } });
    expect(ai.ms).toBeLessThan(WITHIN);

    const page = await preview(hung, SILENT_PORT, '/');
    expect(page.value.status).toBe(504);
    expect(page.value.body).toContain('did not answer in time');
    expect(page.ms).toBeLessThan(WITHIN);
  }, 120_000);

  it('says a workspace hung up, or has nothing listening, as the same errors everywhere', async () => {
    const reset = await preview(hung, RESET_PORT, '/');
    expect(reset.value.status).toBe(502);
    expect(reset.value.body).toContain('closed the connection');
    const nothing = await preview(hung, 5199, '/');
    expect(nothing.value.status).toBe(502);
    expect(nothing.value.body).toContain('Nothing answered on this port');

    // OpenCode not (yet) listening is a refused dial: a 502 the web app retries, with the daemon's reason.
    const other = await stack.runningWorkspace('no-ai');
    const ai = await api(`/api/v1/workspaces/${other}/ai/sessions`);
    expect(ai.value.status).toBe(502);
    expect(ai.value.body.error).toEqual({ code: 'workspace_unreachable', message: expect.stringMatching(/^the workspace's AI can't be reached: .*port 4096/) });
  }, 120_000);

  it('gives up on a daemon that accepts and never answers: files, the port list, the AI and previews each within its timeout', async () => {
    const daemon = daemonPid(hung);
    process.kill(daemon, 'SIGSTOP');
    try {
      const files = await api(`/api/v1/workspaces/${hung}/files`);
      expect(files.value).toEqual({ status: 504, body: { error: { code: 'workspace_timeout', message: 'the workspace did not answer within 2 s' } } });
      expect(files.ms).toBeLessThan(WITHIN);

      // A change that timed out is on record as tried and failed, with why.
      const put = await api(`/api/v1/workspaces/${hung}/files/content?path=hung.txt`, { method: 'PUT', body: 'x', headers: { 'content-type': 'text/plain' } });
      expect(put.value.status).toBe(504);
      const audit = await stack.api('GET', '/api/v1/audit?limit=20');
      const writes = audit.body.entries.filter((e: { action: string; targetId: string }) => e.action === 'workspace.file.write' && e.targetId === hung);
      expect(writes.slice(0, 2).map((e: { outcome: string; detail: unknown }) => [e.outcome, e.detail])).toEqual([
        ['failure', { path: 'hung.txt', error: 'workspace_timeout' }], ['attempt', { path: 'hung.txt' }],
      ]);

      // The port list still answers, in time, with what the blueprint declares; what went wrong is logged.
      const ports = await api(`/api/v1/workspaces/${hung}/previews`);
      expect(ports.value.status).toBe(200);
      expect(ports.value.body.ports.filter((p: { listening: boolean }) => p.listening)).toEqual([]);
      expect(ports.ms).toBeLessThan(WITHIN);
      const logged = stack.logs.text.split('\n').filter((l) => l.includes('listing preview ports failed')).map((l) => JSON.parse(l) as { error: unknown });
      expect(logged.at(-1)?.error).toEqual({ code: 'workspace_timeout', message: 'the workspace did not answer within 2 s' });

      // The AI and previews are reached through the daemon (CONNECT): their dial itself goes unanswered.
      const ai = await api(`/api/v1/workspaces/${hung}/ai/sessions`);
      expect(ai.value).toEqual({ status: 504, body: { error: { code: 'workspace_timeout', message: "the workspace's AI can't be reached: the workspace's agent did not connect within 1.5 s" } } });
      expect(ai.ms).toBeLessThan(WITHIN);
      const page = await preview(hung, SILENT_PORT, '/');
      expect(page.value.status).toBe(504);
      expect(page.ms).toBeLessThan(WITHIN);
    } finally {
      process.kill(daemon, 'SIGCONT');
    }
    // Nothing stays wedged: once the daemon runs again, so do the calls.
    await expect.poll(async () => (await api(`/api/v1/workspaces/${hung}/files`)).value.status, { timeout: 30_000 }).toBe(200);
  }, 180_000);

  describe('pools', () => {
    let dev: string;
    const pools = (workspaceId: string) => stack.portal.services.workspaceHttp.poolCount(workspaceId);

    beforeAll(async () => {
      dev = await stack.runningWorkspace('pooled');
      putFile(dev, 'server.cjs', { copyOf: join(fixtures, 'hotReloadServer.cjs') });
      putFile(dev, 'message.txt', 'Hello Pool\n');
      const t = await stack.terminal(dev, undefined, 'dev');
      t.type(`node /workspace/server.cjs ${DEV_PORT} /workspace\n`);
      await t.waitFor(`dev server on ${DEV_PORT}`);
      t.close();
    }, 120_000);

    it('closes a pool nobody used for its idle time, and opens a new one when needed', async () => {
      expect((await preview(dev, DEV_PORT, '/message')).value).toMatchObject({ status: 200, body: 'Hello Pool' });
      expect(pools(dev)).toBe(1);
      // The clock has not moved: however many sweeps pass meanwhile, the pool stays.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(pools(dev)).toBe(1);
      clock.advance(timeouts.poolIdleMs);
      await expect.poll(() => pools(dev), { timeout: 60_000 }).toBe(0);
      expect((await preview(dev, DEV_PORT, '/message')).value).toMatchObject({ status: 200, body: 'Hello Pool' });
      expect(pools(dev)).toBe(1);
    }, 120_000);

    it('closes a workspace\'s pools when it stops', async () => {
      expect((await preview(dev, DEV_PORT, '/message')).value.status).toBe(200);
      expect((await api(`/api/v1/workspaces/${dev}/files`)).value.status).toBe(200);
      expect(pools(dev)).toBe(2); // the preview's (this user, this port) and the daemon's
      const before = stack.portal.services.workspaceHttp.poolCount();
      expect((await stack.api('POST', `/api/v1/workspaces/${dev}/stop`)).status).toBe(202);
      await expect.poll(() => pools(dev), { timeout: 60_000 }).toBe(0);
      // Only its own: the other workspace's pools stay.
      expect(stack.portal.services.workspaceHttp.poolCount()).toBe(before - 2);
    }, 120_000);
  });

  it('says so when the workspace\'s agent is not connected', async () => {
    await stack.agent.stop();
    await expect.poll(() => stack.portal.services.hub.connectedAgentIds().length, { timeout: 30_000 }).toBe(0);
    const files = await api(`/api/v1/workspaces/${hung}/files`);
    expect(files.value).toEqual({ status: 503, body: { error: { code: 'unavailable', message: "the workspace can't be reached: the workspace's agent is not connected" } } });
  });
});

/** Usage: node standin.cjs <silent port,…> <reset port> */
const STANDIN = `
const net = require('node:net');
const [silent, reset] = process.argv.slice(2);
const held = [];
let up = 0;
const ready = () => { if (++up === silent.split(',').length + 1) console.log('stand-ins ' + 'up'); };
for (const port of silent.split(',')) net.createServer((s) => { held.push(s); s.on('error', () => {}); }).listen(Number(port), '127.0.0.1', ready);
net.createServer((s) => s.destroy()).listen(Number(reset), '127.0.0.1', ready);
`;

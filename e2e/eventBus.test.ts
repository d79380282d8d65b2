import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { configFromEnv, createLogger, startPortal, type Portal } from '@paddock/portal';
import { openTestDatabase, type TestDatabase } from '@paddock/portal/testing';
import { launchChromium } from './harness/browser.js';
import { freePort } from './harness/freePort.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN, LogCapture } from './harness/testStack.js';
import { engineSpecific } from '@paddock/portal/testing';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Waits for a condition, generously: the machine is shared and slow. */
async function until<T>(what: string, value: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  let last: unknown;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    try {
      const v = await value();
      if (v) return v;
    } catch (err) {
      last = err;
    }
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

async function api(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function createWorkspace(base: string, name: string): Promise<string> {
  const blueprints = await api(base, 'GET', '/api/v1/blueprints');
  const starter = blueprints.body.blueprints.find((b: { name: string }) => b.name === 'Starter');
  const created = await api(base, 'POST', '/api/v1/workspaces', { blueprintId: starter.id, name });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

/** Reads GET /api/v1/events as text, until the stream says `needle` (a real SSE client over HTTP, no browser). */
async function eventStreamUntil(base: string, needle: string, start: () => Promise<unknown>): Promise<string> {
  const controller = new AbortController();
  const res = await fetch(`${base}/api/v1/events`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: controller.signal });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const timer = setTimeout(() => controller.abort(), 30_000);
  try {
    await start();
    while (!text.includes(needle)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return text;
}

describe('live events', () => {
  describe('in one portal', () => {
    let database: TestDatabase;
    let portal: Portal;
    const dataDir = mkdtempSync(join(tmpdir(), 'paddock-events-'));
    beforeAll(async () => {
      database = await openTestDatabase();
      portal = await startPortal({
        config: {
          ...configFromEnv({}), host: '127.0.0.1', port: 0, tunnelPort: 0, dataDir,
          adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD, adminToken: ADMIN_TOKEN, logLevel: 'warn',
          // On PostgreSQL, the bus a replica has; on PGlite, the embedded default's in-process bus.
          databaseUrl: database.url,
        },
        db: database.db, log: createLogger('warn', new LogCapture()),
      });
    });
    afterAll(async () => {
      await portal?.close();
      await database?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('sends a workspace created through the API to an event-stream client at once', async () => {
      const base = `http://127.0.0.1:${portal.port}`;
      let id = '';
      const text = await eventStreamUntil(base, '"state":"pending"', async () => { id = await createWorkspace(base, 'live'); });
      expect(text).toContain('event: workspace');
      expect(text).toContain(`"id":"${id}"`);
    });
  });

  // Two portals on one database need PostgreSQL (PGlite lives inside one process): this runs in the PostgreSQL pass.
  engineSpecific('postgres', 'several portal replicas share one PostgreSQL; PGlite belongs to one process', () => {
    describe('across two portal processes on one PostgreSQL', () => {
      let database: TestDatabase;
      let chromium: { browser: Browser; close(): Promise<void> };
      const dataDir = mkdtempSync(join(tmpdir(), 'paddock-replicas-'));
      const masterKey = randomBytes(32).toString('hex');
      const processes: Array<{ child: ChildProcess; output: string; base: string }> = [];

      /** `node packages/portal/dist/main.js`, as a replica runs, with its own port and data dir. */
      async function startReplica(name: string) {
        const port = await freePort();
        const base = `http://127.0.0.1:${port}`;
        const child = spawn(process.execPath, [join(root, 'packages/portal/dist/main.js')], {
          cwd: root,
          env: {
            PATH: process.env.PATH, DATABASE_URL: database.url, HOST: '127.0.0.1', PORT: String(port), PADDOCK_PUBLIC_URL: base,
            PADDOCK_DATA_DIR: join(dataDir, name), PADDOCK_TUNNEL_PORT: '0', PADDOCK_MASTER_KEY: masterKey,
            PADDOCK_ADMIN_EMAIL: ADMIN_EMAIL, PADDOCK_ADMIN_PASSWORD: ADMIN_PASSWORD, PADDOCK_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'info',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const replica = { child, output: '', base };
        child.stdout!.on('data', (c: Buffer) => { replica.output += c.toString(); });
        child.stderr!.on('data', (c: Buffer) => { replica.output += c.toString(); });
        processes.push(replica);
        await until(`portal ${name} to answer`, async () => {
          if (child.exitCode !== null) throw new Error(`portal ${name} exited: ${replica.output}`);
          return (await fetch(`${base}/healthz`).catch(() => undefined))?.ok;
        }, 60_000);
        return replica;
      }

      /** A page on the portal, signed in, with its own EventSource on GET /api/v1/events counting what it hears. */
      async function signedInPage(base: string, options: { empty?: boolean } = {}): Promise<Page> {
        const page = await chromium.browser.newPage();
        await page.goto(`${base}/`);
        await page.waitForURL(/\/login/);
        await page.getByLabel('Email').fill(ADMIN_EMAIL);
        await page.getByLabel('Password').fill(ADMIN_PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('link', { name: 'My workspaces' }).click();
        await page.waitForURL(/\/workspaces$/);
        if (options.empty) await until('the empty list', () => page.getByText('No workspaces yet').isVisible());
        else await until('the list', () => page.getByTestId('workspace-row').first().isVisible());
        await page.evaluate(() => {
          const seen = { opens: 0, workspaces: [] as string[] };
          (window as unknown as { seen: typeof seen }).seen = seen;
          const source = new EventSource('/api/v1/events', { withCredentials: true });
          source.addEventListener('open', () => { seen.opens += 1; });
          source.addEventListener('workspace', (e) => { seen.workspaces.push((JSON.parse((e as MessageEvent<string>).data) as { workspace: { id: string } }).workspace.id); });
        });
        await until("the page's event stream to open", () => page.evaluate(() => (window as unknown as { seen: { opens: number } }).seen.opens === 1));
        return page;
      }
      const seen = (page: Page) => page.evaluate(() => (window as unknown as { seen: { opens: number; workspaces: string[] } }).seen);

      beforeAll(async () => {
        [database, chromium] = await Promise.all([openTestDatabase(), launchChromium()]);
        // One after the other: the first creates the admin, the second finds it.
        await startReplica('a');
        await startReplica('b');
      }, 120_000);
      afterAll(async () => {
        for (const { child } of processes) {
          if (child.exitCode === null) {
            const exited = new Promise((resolve) => child.once('exit', resolve));
            child.kill('SIGTERM');
            await exited;
          }
        }
        await chromium?.close();
        await database?.close();
        rmSync(dataDir, { recursive: true, force: true });
      });

      it("shows a workspace created through the first portal's API live in a browser on the second", async () => {
        const [a, b] = processes;
        const page = await signedInPage(b!.base, { empty: true });
        const id = await createWorkspace(a!.base, 'made-on-a');
        // The list was empty, so nothing polls: only the second portal's event stream can bring it.
        await until('the workspace on the second portal\'s page', () => page.getByTestId('workspace-row').filter({ hasText: 'made-on-a' }).isVisible());
        expect((await seen(page)).workspaces).toContain(id);
        await page.close();
      }, 120_000);

      it('ends its event streams when it lost its listening connection, so browsers refetch, and hears the other portal again', async () => {
        const [a, b] = processes;
        const page = await signedInPage(b!.base);
        const admin = new pg.Client({ connectionString: database.url });
        await admin.connect();
        try {
          // Both portals' listening connections (named in pg_stat_activity, docs/operations.md), as a database failover would.
          const ended = await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'paddock-event-bus'");
          expect(ended.rowCount).toBe(2);
        } finally {
          await admin.end();
        }
        // Made while the second portal may not be listening: its page gets it from the refetch after its stream reopens, if not as an event.
        await createWorkspace(a!.base, 'made-in-the-gap');
        await until('the page\'s stream to end and open again', async () => (await seen(page)).opens >= 2);
        await until('the gap\'s workspace on the page', () => page.getByTestId('workspace-row').filter({ hasText: 'made-in-the-gap' }).isVisible());
        const later = await createWorkspace(a!.base, 'made-after');
        await until('an event after the reconnect', async () => (await seen(page)).workspaces.includes(later));
        await until('it on the page', () => page.getByTestId('workspace-row').filter({ hasText: 'made-after' }).isVisible());
        expect(b!.output).toContain("the connection listening for other portals' events was lost");
        expect(b!.child.exitCode).toBeNull();
        await page.close();
      }, 120_000);
    });
  });
});

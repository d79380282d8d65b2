// A published app's requests (browser → portal's app origin → gRPC tunnel → agent → daemon CONNECT
// → the app in its own sandbox) against the same server code run on the host and hit directly.
import { spawn } from 'node:child_process';
import { chownSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, get, load } from './lib/http.mjs';
import { createAndWaitRunning, repoRoot, sleep } from './lib/stack.mjs';

const APP_PORT = 8000;
const fixture = join(repoRoot, 'e2e/fixtures/hotReloadServer.cjs');

/** Publishes the fixture server from a workspace (the admin made trusted: approved at once), then loads both paths. */
export async function runPublishedApp(stack, { connections = 10, durationS = 5 } = {}) {
  const id = await createAndWaitRunning(stack, 'bench-app');
  const dir = join(stack.dir, 'agent', 'workspaces', id, 'workspace');
  copyFileSync(fixture, join(dir, 'server.cjs'));
  writeFileSync(join(dir, 'message.txt'), 'bench\n');
  if (process.getuid?.() === 0) for (const f of ['server.cjs', 'message.txt']) chownSync(join(dir, f), 100_000, 100_000);
  const me = await stack.api('GET', '/api/v1/auth/me');
  await stack.api('PATCH', `/api/v1/users/${me.user.id}`, { trusted: true });
  const asked = await stack.api('POST', `/api/v1/workspaces/${id}/publish-requests`, { subdomain: 'bench-app', access: 'organization', command: 'node server.cjs $PORT /workspace', port: APP_PORT });
  if (asked.state !== 'publishing') throw new Error(`the publish request is ${asked.state}: ${JSON.stringify(asked.checks)}`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const app = await stack.api('GET', '/api/v1/apps/bench-app');
    if (app.state === 'live') break;
    if (app.state === 'failed' || Date.now() > deadline) throw new Error(`the app did not go live: ${app.state} ${app.message}`);
    await sleep(100);
  }
  const { url } = await stack.api('GET', '/api/v1/apps/bench-app/sign-in-link?path=%2F');
  const link = new URL(url);
  const host = link.host;
  const signIn = await get(stack.port, `${link.pathname}${link.search}`, { host });
  const cookie = String([].concat(signIn.headers['set-cookie'] ?? [])[0] ?? '').split(';')[0];
  if (signIn.statusCode !== 302 || !cookie) throw new Error(`app sign-in answered ${signIn.statusCode}`);

  const directPort = await freePort();
  const direct = spawn(process.execPath, [fixture, String(directPort), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise((resolve, reject) => {
      direct.stdout.on('data', (c) => { if (String(c).includes('dev server on')) resolve(); });
      direct.once('exit', (code) => reject(new Error(`direct server exited ${code}`)));
    });
    const out = { connections, durationS };
    for (const size of ['small', 'large']) {
      await load(`http://127.0.0.1:${stack.port}/${size}`, { host, cookie }, { connections, durationS: 1 });
      await load(`http://127.0.0.1:${directPort}/${size}`, {}, { connections, durationS: 1 });
      out[size] = {
        direct: await load(`http://127.0.0.1:${directPort}/${size}`, {}, { connections, durationS }),
        proxied: await load(`http://127.0.0.1:${stack.port}/${size}`, { host, cookie }, { connections, durationS }),
      };
    }
    return out;
  } finally {
    direct.kill('SIGTERM');
    await stack.api('POST', '/api/v1/apps/bench-app/unpublish').catch(() => {});
    await stack.api('DELETE', `/api/v1/workspaces/${id}`).catch(() => {});
    await sleep(100);
  }
}

/** The report section for docs/performance.md. */
export function publishedAppReport(p, { fmt, ratio }, L) {
  L('## 8. Published app');
  L();
  L('Method: the same server code as the preview bench (e2e/fixtures/hotReloadServer.cjs) published from a workspace (trusted builder: approved at once) and served from its own app sandbox, ' +
    'reached by autocannon at the app\'s origin (`Host: bench-app.apps.localhost`, with the app\'s sign-in cookie): the app session check (cached 2 s), a pooled keep-alive stream through the gRPC tunnel (TLS, loopback), the agent and the daemon\'s CONNECT into the app sandbox. ' +
    `Direct: the same server on the host, hit on loopback. autocannon, ${p.connections} connections, ${p.durationS} s per figure after a 1 s warm-up of each path. Ratios are through Paddock ÷ direct.`);
  L();
  L('| response | figure | published app | direct | ratio |');
  L('| --- | --- | --- | --- | --- |');
  for (const size of ['small', 'large']) {
    const { proxied: x, direct: d } = p[size];
    const label = size === 'small' ? '100 B' : '1 MiB';
    L(`| ${label} | req/s | ${fmt(x.reqPerSec, 0)} | ${fmt(d.reqPerSec, 0)} | ${ratio(x.reqPerSec, d.reqPerSec)} |`);
    L(`| ${label} | p50 latency | ${fmt(x.p50, 1)} ms | ${fmt(d.p50, 1)} ms | ${ratio(x.p50, d.p50)} |`);
    L(`| ${label} | p99 latency | ${fmt(x.p99, 1)} ms | ${fmt(d.p99, 1)} ms | ${ratio(x.p99, d.p99)} |`);
    L(`| ${label} | MB/s | ${fmt(x.mbPerSec, 1)} MiB/s | ${fmt(d.mbPerSec, 1)} MiB/s | ${ratio(x.mbPerSec, d.mbPerSec)} |`);
  }
  L();
}

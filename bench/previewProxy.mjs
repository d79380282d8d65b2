// The preview proxy (browser → portal → gRPC tunnel → agent → daemon CONNECT → dev server in the
// sandbox) against the same dev server code run on the host and hit directly on loopback.
import { spawn } from 'node:child_process';
import { chownSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, get, load } from './lib/http.mjs';
import { createAndWaitRunning, repoRoot, sleep } from './lib/stack.mjs';
import { openPortalTerminal } from './lib/terminal.mjs';

const DEV_PORT = 5173;
const fixture = join(repoRoot, 'e2e/fixtures/hotReloadServer.cjs');

/** Runs both paths for a small and a large response; returns the figures per size and path. */
export async function runPreviewProxy(stack, { connections = 10, durationS = 5 } = {}) {
  const id = await createAndWaitRunning(stack, 'bench-preview');
  const dir = join(stack.dir, 'agent', 'workspaces', id, 'workspace');
  copyFileSync(fixture, join(dir, 'server.cjs'));
  writeFileSync(join(dir, 'message.txt'), 'bench\n');
  if (process.getuid?.() === 0) for (const f of ['server.cjs', 'message.txt']) chownSync(join(dir, f), 100_000, 100_000);
  const term = await openPortalTerminal(stack, id, 'dev');
  await term.opened;
  const ready = term.waitFor(`dev server on ${DEV_PORT}`);
  term.send(`node /workspace/server.cjs ${DEV_PORT} /workspace\n`);
  await ready;

  const { url } = await stack.api('POST', `/api/v1/workspaces/${id}/previews`, { port: DEV_PORT });
  const link = new URL(url);
  const host = link.host;
  const signIn = await get(stack.port, `${link.pathname}${link.search}`, { host });
  const cookie = String([].concat(signIn.headers['set-cookie'] ?? [])[0] ?? '').split(';')[0];
  if (signIn.statusCode !== 302 || !cookie) throw new Error(`preview sign-in answered ${signIn.statusCode}`);

  const directPort = await freePort();
  const direct = spawn(process.execPath, [fixture, String(directPort), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise((resolve, reject) => {
      direct.stdout.on('data', (c) => { if (String(c).includes('dev server on')) resolve(); });
      direct.once('exit', (code) => reject(new Error(`direct dev server exited ${code}`)));
    });
    const out = { connections, durationS };
    for (const size of ['small', 'large']) {
      // Warm both paths (pooled tunnel streams, JIT) before measuring.
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
    term.ws.close();
    await stack.api('DELETE', `/api/v1/workspaces/${id}`).catch(() => {});
    await sleep(100);
  }
}

/** The report section for docs/performance.md. */
export function previewReport(p, { fmt, ratio }, L) {
  L('## 4. Live preview proxy');
  L();
  L(`Method: the same dev server (e2e/fixtures/hotReloadServer.cjs, node's http) serves \`/small\` (100 B) and \`/large\` (1 MiB). ` +
    'Proxied: inside a workspace sandbox, reached by autocannon through the portal\'s preview origin (`Host: 5173--<id>.preview.localhost`, with the preview cookie), ' +
    'so every request passes the preview session check (cached 2 s), a pooled keep-alive stream dialed through the gRPC tunnel (TLS, loopback), the agent, and the daemon\'s CONNECT into the sandbox. ' +
    `Direct: the same server code on the host, hit on loopback. autocannon, ${p.connections} connections, ${p.durationS} s per figure after a 1 s warm-up of each path. Ratios are proxied ÷ direct (latency: higher is worse; req/s and MB/s: lower is worse).`);
  L();
  L('| response | figure | proxied | direct | ratio |');
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

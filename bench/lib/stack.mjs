// Starts a throwaway portal + local agent in a temp dir and tears both down again.
import { spawn } from 'node:child_process';
import { mkdtempSync, chmodSync, existsSync, rmSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './http.mjs';

export const repoRoot = new URL('../../', import.meta.url).pathname;

export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

function startProcess(name, file, env, logs) {
  const child = spawn(process.execPath, [file], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so stop() can reach sandboxes too
  });
  const keep = (chunk) => { logs.push(`[${name}] ${chunk}`); if (logs.length > 400) logs.splice(0, 200); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return child;
}

/** Starts portal + agent; resolves once the agent is connected and the Starter blueprint is visible. */
export async function startStack({ timeoutMs = 60_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-bench-'));
  chmodSync(dir, 0o755); // uid 100000 (sandbox) must be able to traverse it
  const port = await freePort();
  const tunnelPort = await freePort();
  const adminToken = `bench-${Math.random().toString(36).slice(2)}${Date.now()}`;
  const tokenFile = join(dir, 'enroll.token');
  const logs = [];
  const portal = startProcess('portal', 'packages/portal/dist/main.js', {
    PADDOCK_DATA_DIR: join(dir, 'portal'),
    PORT: String(port),
    PADDOCK_TUNNEL_PORT: String(tunnelPort),
    PADDOCK_ADMIN_PASSWORD: 'bench-password-1234',
    PADDOCK_ADMIN_TOKEN: adminToken,
    PADDOCK_ENROLLMENT_TOKEN_FILE: tokenFile,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  }, logs);
  const base = `http://127.0.0.1:${port}`;
  const stack = {
    dir, port, base, adminToken, portal, agent: null, logs,
    async api(method, path, body) {
      const res = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      let json; try { json = text ? JSON.parse(text) : undefined; } catch { json = text; }
      if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
      return json;
    },
    stop: () => stopStack(stack),
  };
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (portal.exitCode !== null) throw new Error(`portal exited with ${portal.exitCode}`);
      try { if ((await fetch(`${base}/healthz`)).ok) break; } catch {}
      if (Date.now() > deadline) throw new Error('portal did not become healthy');
      await sleep(100);
    }
    const portalDataDir = join(dir, 'portal');
    const cert = [join(portalDataDir, 'tls/tunnel-cert.pem'), join(dir, 'tls/tunnel-cert.pem')].find((p) => existsSync(p));
    if (!cert) throw new Error('tunnel certificate not found');
    while (!existsSync(tokenFile) || readFileSync(tokenFile, 'utf8').trim() === '') {
      if (Date.now() > deadline) throw new Error('enrollment token not written');
      await sleep(50);
    }
    stack.agent = startProcess('agent', 'packages/agent/dist/main.js', {
      PADDOCK_PORTAL_TUNNEL: `localhost:${tunnelPort}`,
      PADDOCK_TUNNEL_CA: cert,
      PADDOCK_AGENT_DATA_DIR: join(dir, 'agent'),
      PADDOCK_ENROLLMENT_TOKEN_FILE: tokenFile,
      LOG_LEVEL: 'warn',
    }, logs);
    const { blueprints } = await stack.api('GET', '/api/v1/blueprints');
    const starter = blueprints.find((b) => b.name === 'Starter') ?? blueprints[0];
    if (!starter) throw new Error('no blueprint');
    stack.blueprintId = starter.id;
    // Wait until the agent is enrolled and connected: a probe workspace must reach running.
    const probe = await createAndWaitRunning(stack, 'bench-probe', deadline);
    await stack.api('DELETE', `/api/v1/workspaces/${probe}`);
    return stack;
  } catch (err) {
    console.error(logs.slice(-40).join(''));
    await stopStack(stack);
    throw err;
  }
}

export async function createAndWaitRunning(stack, name, deadline = Date.now() + 60_000) {
  const ws = await stack.api('POST', '/api/v1/workspaces', { blueprintId: stack.blueprintId, name });
  await waitRunning(stack, ws.id, deadline);
  return ws.id;
}

export async function waitRunning(stack, id, deadline, pollMs = 20) {
  for (;;) {
    const ws = await stack.api('GET', `/api/v1/workspaces/${id}`);
    if (ws.state === 'running') return ws;
    if (['failed', 'error', 'deleted', 'stopped'].includes(ws.state)) throw new Error(`workspace ${id} is ${ws.state}`);
    if (Date.now() > deadline) throw new Error(`workspace ${id} still ${ws.state} at deadline`);
    await sleep(pollMs);
  }
}

function killGroup(child, signal) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try { process.kill(-child.pid, signal); } catch { try { child.kill(signal); } catch {} }
}

async function waitExit(child, ms) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await Promise.race([new Promise((r) => child.once('exit', r)), sleep(ms)]);
}

/** Pids of processes whose command line mentions `needle` (the stack's temp dir): its sandboxes. */
function pidsMentioning(needle) {
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try { if (readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes(needle)) out.push(Number(entry)); } catch {}
  }
  return out;
}

export async function stopStack(stack) {
  // Delete what is left through the API, so the agent tears its sandboxes down itself.
  if (stack.agent && stack.portal.exitCode === null) {
    try {
      const { workspaces } = await stack.api('GET', '/api/v1/workspaces');
      await Promise.all(workspaces.filter((w) => w.state !== 'deleted').map((w) => stack.api('DELETE', `/api/v1/workspaces/${w.id}`).catch(() => {})));
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const left = (await stack.api('GET', '/api/v1/workspaces')).workspaces.filter((w) => w.state !== 'deleted');
        if (left.length === 0) break;
        await sleep(100);
      }
    } catch {}
  }
  // Agent first (it owns the sandboxes), then the portal; SIGKILL the groups if they linger.
  killGroup(stack.agent, 'SIGTERM');
  await waitExit(stack.agent, 5000);
  killGroup(stack.agent, 'SIGKILL');
  killGroup(stack.portal, 'SIGTERM');
  await waitExit(stack.portal, 5000);
  killGroup(stack.portal, 'SIGKILL');
  await sleep(200);
  // Sandboxes are detached from the agent (they survive its restarts): end any the agent left behind.
  for (const pid of pidsMentioning(stack.dir)) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  await sleep(200);
  try { rmSync(stack.dir, { recursive: true, force: true }); } catch {}
}

/** Reads a /proc/<pid>/status field in kB. */
export function procStatusKb(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch { return undefined; }
}

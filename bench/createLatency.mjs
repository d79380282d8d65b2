// Workspace create → terminal ready: POST create, poll state until running, get a ticket,
// open the terminal WebSocket, first binary frame (the shell prompt). Baselines: spawning a
// bare `node -e 0`, and a bare bubblewrap sandbox (fresh namespaces, read-only /usr) running it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { sleep } from './lib/stack.mjs';
import { waitRunning } from './lib/stack.mjs';
import { openPortalTerminal } from './lib/terminal.mjs';
import { nowMs, summary } from './lib/stats.mjs';

function timeSpawn(file, args) {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    // A clean environment, as the sandbox gets (--clearenv): e.g. NODE_EXTRA_CA_CERTS alone adds ~35 ms to node's start.
    const child = spawn(file, args, { stdio: 'ignore', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${file} took too long`)); }, 10_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(nowMs() - t0); else reject(new Error(`${file} exited ${code}`));
    });
  });
}

export function bareBwrapArgs(cmd) {
  const args = ['--unshare-all', '--die-with-parent', '--new-session', '--clearenv', '--cap-drop', 'ALL', '--ro-bind', '/usr', '/usr',
    '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib'];
  if (existsSync('/usr/lib64')) args.push('--symlink', 'usr/lib64', '/lib64');
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--', ...cmd);
  return args;
}

export async function runBaselines({ samples = 15 } = {}) {
  const node = [], bwrap = [];
  await timeSpawn(process.execPath, ['-e', '0']); // warm the page cache
  for (let i = 0; i < samples; i++) node.push(await timeSpawn(process.execPath, ['-e', '0']));
  let bwrapError;
  try {
    await timeSpawn('bwrap', bareBwrapArgs([process.execPath, '-e', '0']));
    for (let i = 0; i < samples; i++) bwrap.push(await timeSpawn('bwrap', bareBwrapArgs([process.execPath, '-e', '0'])));
  } catch (err) { bwrapError = String(err); }
  return { node: summary(node), bwrap: summary(bwrap), bwrapError };
}

/** One create → first prompt byte; returns timings in ms (and the id, for cleanup). */
async function createToPrompt(stack, name, deadline) {
  const t0 = nowMs();
  const ws = await stack.api('POST', '/api/v1/workspaces', { blueprintId: stack.blueprintId, name });
  const tCreated = nowMs();
  await waitRunning(stack, ws.id, deadline, 20);
  const tRunning = nowMs();
  const term = await openPortalTerminal(stack, ws.id, 'main');
  try {
    await term.opened;
    const tOpen = nowMs();
    await Promise.race([term.firstFrame, sleep(Math.max(0, deadline - Date.now())).then(() => { throw new Error('no prompt before deadline'); })]);
    const tPrompt = nowMs();
    return { id: ws.id, total: tPrompt - t0, post: tCreated - t0, toRunning: tRunning - t0, wsOpen: tOpen - tRunning, firstFrame: tPrompt - tOpen };
  } finally { term.close(); }
}

async function deleteAll(stack, ids, timeoutMs = 60_000) {
  await Promise.all(ids.map((id) => stack.api('DELETE', `/api/v1/workspaces/${id}`).catch(() => {})));
  const deadline = Date.now() + timeoutMs;
  // Wait until the agent has torn them down, so the next phase starts from an idle machine.
  for (const id of ids) {
    while (Date.now() < deadline) {
      const res = await fetch(`${stack.base}/api/v1/workspaces/${id}`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
      if (res.status === 404) break;
      const body = await res.json().catch(() => ({}));
      if (body.state === 'deleted') break;
      await sleep(50);
    }
  }
}

const breakdown = (rows) => ({
  total: summary(rows.map((r) => r.total)),
  post: summary(rows.map((r) => r.post)),
  toRunning: summary(rows.map((r) => r.toRunning)),
  wsOpen: summary(rows.map((r) => r.wsOpen)),
  firstFrame: summary(rows.map((r) => r.firstFrame)),
});

export async function runCreateLatency(stack, { sequential = 15, concurrent = 20, rounds = 2, budgetMs = 150_000 } = {}) {
  const tag = Date.now().toString(36);
  const deadline = Date.now() + budgetMs;
  const seq = [];
  for (let i = 0; i < sequential && Date.now() < deadline; i++) {
    const r = await createToPrompt(stack, `bench-s${i}-${tag}`, deadline);
    seq.push(r);
    await deleteAll(stack, [r.id]);
  }
  const conc = [];
  const failures = [];
  for (let round = 0; round < rounds && Date.now() < deadline; round++) {
    const settled = await Promise.allSettled(Array.from({ length: concurrent }, (_, i) =>
      createToPrompt(stack, `bench-c${round}-${i}-${tag}`, Math.min(deadline, Date.now() + 60_000))));
    const ok = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
    for (const s of settled) if (s.status === 'rejected') failures.push(String(s.reason?.message ?? s.reason));
    conc.push(...ok);
    await deleteAll(stack, ok.map((r) => r.id));
  }
  // Anything left behind by a failure is swept up by name.
  try {
    const { workspaces } = await stack.api('GET', '/api/v1/workspaces');
    const left = workspaces.filter((w) => w.name.endsWith(tag) && w.state !== 'deleted').map((w) => w.id);
    if (left.length) await deleteAll(stack, left);
  } catch {}
  return { sequential: breakdown(seq), concurrent: { ...breakdown(conc), concurrency: concurrent, rounds, failures } };
}

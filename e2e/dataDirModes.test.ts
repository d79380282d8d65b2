import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '@paddock/agent';
import { startEmbedded, type Embedded } from '@paddock/cli';
import { freePort } from './harness/freePort.js';
import { TerminalConnection } from './harness/testStack.js';

const SANDBOX_UID = 100_000;

interface Entry { path: string; mode: number; kind: 'dir' | 'file' | 'socket' | 'link' | 'other'; uid: number }

/** Every entry under root, except inside directories the sandbox user owns (a workspace's own files are the builder's). */
function walk(root: string): Entry[] {
  const out: Entry[] = [];
  const visit = (path: string) => {
    const st = lstatSync(path);
    const kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSocket() ? 'socket' : st.isSymbolicLink() ? 'link' : 'other';
    out.push({ path: relative(root, path) || '.', mode: st.mode & 0o7777, kind, uid: st.uid });
    if (kind === 'dir' && st.uid !== SANDBOX_UID) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(root);
  return out;
}

/**
 * The group/other bits an entry may carry, and why. Everything else under the data
 * dir (database, keys, TLS material, tokens, the agent's state) is its owner's only.
 */
function allowedBits(entry: Entry): { bits: number; why: string } | undefined {
  const p = entry.path;
  // bwrap runs as the sandbox uid and must walk down to the folders it binds: search (x), never read or write.
  if (entry.kind === 'dir' && (p === '.' || p === 'agent' || p === 'agent/workspaces' || /^agent\/workspaces\/[^/]+$/.test(p))) {
    return { bits: 0o011, why: 'search only: the sandbox user walks through it to its own workspace folders' };
  }
  // The agent's bridges (the model gateway): the sandbox binds this directory and connects to the sockets in it.
  if (entry.kind === 'dir' && /^agent\/workspaces\/[^/]+\/bridges$/.test(p)) return { bits: 0o011, why: "search only: bound into the sandbox for the agent's bridge sockets" };
  if (entry.kind === 'socket' && /^agent\/workspaces\/[^/]+\/bridges\/[a-z][a-z0-9-]*\.sock$/.test(p)) return { bits: 0o066, why: 'the sandbox connects to a bridge of the agent through it (a socket holds no data)' };
  // A bridge socket between its listen and its rename into place (unixListeners.ts), a moment a scan can land in:
  // the umask's mode, without a write bit, so nothing can connect to it yet.
  if (entry.kind === 'socket' && /^agent\/workspaces\/[^/]+\/bridges\/\.[0-9a-f]{6}$/.test(p)) return { bits: 0o055, why: 'a bridge socket not yet renamed into place: no one can connect to it' };
  return undefined;
}

function looseEntries(root: string): string[] {
  return walk(root).flatMap((e) => {
    const loose = e.mode & 0o077;
    const allowed = allowedBits(e);
    if ((loose & ~(allowed?.bits ?? 0)) === 0) return [];
    return [`${e.kind} ${e.path} ${e.mode.toString(8)}${allowed ? ` (may only have ${allowed.bits.toString(8).padStart(3, '0')}: ${allowed.why})` : ''}`];
  });
}

describe("the portal's data dir is readable and writable by its own user only", () => {
  let dataDir: string;
  let embedded: Embedded | undefined;
  let port: number;
  let tunnelPort: number;
  const token = 'pdk_data_dir_modes_admin_token';

  const start = async () => {
    embedded = await startEmbedded({
      dataDir, port, tunnelPort,
      env: { ...process.env, PADDOCK_ADMIN_TOKEN: token, PADDOCK_ADMIN_PASSWORD: 'data-dir-password-123', LOG_LEVEL: 'warn' },
    });
    // Ready once the agent is connected (on a first start it has spent its enrollment token by then).
    for (const deadline = Date.now() + 60_000; ;) {
      const agents = (await api('GET', '/api/v1/agents')).body.agents as Array<{ connected: boolean }>;
      if (agents[0]?.connected) return;
      if (Date.now() > deadline) throw new Error('the agent did not connect');
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const api = (method: string, path: string, body?: unknown) => fetch(`http://localhost:${port}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  }).then(async (r) => ({ status: r.status, body: await r.json() as any }));

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'paddock-modes-'));
    [port, tunnelPort] = [await freePort(), await freePort()];
    await start();
  });
  afterAll(async () => {
    await embedded?.stop();
    // Workspaces outlive the agent by design: end the ones this test started, or their sandboxes outlive the test.
    const runtime = new LocalRuntime({ dataDir: join(dataDir, 'agent') });
    for (const w of await runtime.list()) await runtime.ensureDeleted(w.workspaceId);
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('after a first start: no group or other bits on anything but the data dir itself, which is search-only', () => {
    const entries = walk(dataDir);
    // The walk saw the database, the keys and the TLS material.
    for (const p of ['pglite/PG_VERSION', 'master.key', 'tls/tunnel-key.pem', 'tls/tunnel-cert.pem', 'agent/credentials.json']) {
      expect(entries.map((e) => e.path), p).toContain(p);
    }
    expect(entries.length).toBeGreaterThan(500);
    expect(looseEntries(dataDir)).toEqual([]);
    expect(entries.find((e) => e.path === '.')!.mode).toBe(0o711);
  });

  it('with a workspace running: only the way down to its folders is traversable, and the workspace works', async () => {
    const bp = (await api('GET', '/api/v1/blueprints')).body.blueprints.find((b: { name: string }) => b.name === 'Starter');
    const ws = await api('POST', '/api/v1/workspaces', { blueprintId: bp.id, name: 'modes' });
    expect(ws.status).toBe(201);
    let state = '';
    for (const deadline = Date.now() + 60_000; state !== 'running' && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      state = (await api('GET', `/api/v1/workspaces/${ws.body.id}`)).body.state;
    }
    expect(state).toBe('running');
    expect(existsSync(join(dataDir, 'agent', 'workspaces', ws.body.id, 'workspace'))).toBe(true);
    expect(looseEntries(dataDir)).toEqual([]);
    const { ticket } = (await api('POST', `/api/v1/workspaces/${ws.body.id}/terminal-tickets`)).body;
    const term = await TerminalConnection.open(`ws://localhost:${port}/api/v1/workspaces/${ws.body.id}/terminal?ticket=${ticket}`);
    term.type('echo kept > /workspace/f.txt && cat /workspace/f.txt && echo $((6*7))\n');
    await term.waitFor(/kept\r\n42\r\n/);
    term.close();
  });

  it('tightens what an older version left loose, on the next start', async () => {
    await embedded!.stop();
    embedded = undefined;
    chmodSync(join(dataDir, 'pglite'), 0o755);
    chmodSync(join(dataDir, 'pglite', 'PG_VERSION'), 0o666);
    chmodSync(join(dataDir, 'tls', 'tunnel-cert.pem'), 0o644);
    expect(looseEntries(dataDir).length).toBeGreaterThan(0);
    await start();
    expect(looseEntries(dataDir)).toEqual([]);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ptySessionInfoSchema } from '@paddock/protocol';
import { createDaemon, type Daemon, type DaemonOptions } from './createDaemon.js';
import { TerminalClient } from './testing/terminalClient.js';

let dir: string;
let socketPath: string;
let daemon: Daemon | undefined;
const clients: TerminalClient[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'workspaced-'));
  socketPath = join(dir, 'daemon.sock');
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.terminate();
  await daemon?.close();
  daemon = undefined;
  // A session's shell may still be writing its last file as it ends (ENOTEMPTY mid-removal): retried.
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

async function start(options: Partial<DaemonOptions> = {}): Promise<void> {
  // A plain shell without profile keeps prompts predictable.
  daemon = await createDaemon({
    socketPath,
    workspaceDir: dir,
    shell: { file: '/bin/bash', args: ['--norc', '--noprofile'] },
    env: { PATH: '/usr/bin:/bin', PS1: '$ ', HOME: dir },
    ...options,
  });
}

async function attach(name = 'main', query = ''): Promise<TerminalClient> {
  const client = await TerminalClient.open(`ws+unix://${socketPath}:/v1/sessions/${name}/attach${query}`);
  clients.push(client);
  return client;
}

function http(method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('workspace daemon', () => {
  it('answers healthz and unknown paths with the error shape', async () => {
    await start();
    expect(await http('GET', '/v1/healthz')).toEqual({ status: 200, body: '{"ok":true}' });
    const missing = await http('GET', '/v1/nope');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: { code: 'not_found', message: 'no such endpoint' } });
  });

  it('runs commands in an attached shell in the workspace dir', async () => {
    await start();
    const term = await attach();
    term.type('echo $((6*7)); pwd\r');
    await term.waitFor(/[\r\n]42\r\n/);
    await term.waitFor(new RegExp(`\\r\\n${dir}\\r\\n`));
  });

  it('replays the scrollback to a client that reattaches, then streams live output', async () => {
    await start();
    const first = await attach();
    first.type('echo before-$((1+1))\r');
    await first.waitFor(/before-2/);
    first.close();
    await first.closed;

    const second = await attach();
    await second.waitFor(/before-2/);
    const mark = second.output.length;
    second.type('echo after-$((2+1))\r');
    await second.waitFor(/after-3/, 5000, mark);
  });

  it('resizes the pty from a control message and from the attach query', async () => {
    await start();
    const term = await attach('main', '?cols=100&rows=30');
    term.type('stty size\r');
    await term.waitFor(/30 100/);
    term.control({ type: 'resize', cols: 120, rows: 40 });
    const mark = term.output.length;
    term.type('stty size\r');
    await term.waitFor(/40 120/, 5000, mark);
  });

  it('ignores malformed control frames and keeps the session alive', async () => {
    await start();
    const term = await attach();
    term.control('not json {');
    term.control({ type: 'resize', cols: 'wide' });
    term.control({ type: 'resize', cols: 1, rows: 1 });
    term.control({ type: 'explode' });
    term.type('echo alive-$((3*3))\r');
    await term.waitFor(/alive-9/);
    const list = JSON.parse((await http('GET', '/v1/sessions')).body) as { sessions: Array<{ cols: number }> };
    expect(list.sessions[0]?.cols).toBe(80);
  });

  it('lists and deletes sessions', async () => {
    await start();
    const a = await attach('alpha');
    await attach('beta');
    a.type('echo ready\r');
    await a.waitFor(/ready/);

    const listed = JSON.parse((await http('GET', '/v1/sessions')).body) as { sessions: unknown[] };
    const sessions = listed.sessions.map((s) => ptySessionInfoSchema.parse(s));
    expect(sessions.map((s) => s.name).sort()).toEqual(['alpha', 'beta']);
    expect(sessions.every((s) => s.attached === 1 && !s.exited && s.pid > 0)).toBe(true);

    expect((await http('DELETE', '/v1/sessions/alpha')).status).toBe(204);
    expect(await a.closed).toBe(1000);
    const after = JSON.parse((await http('GET', '/v1/sessions')).body) as { sessions: Array<{ name: string }> };
    expect(after.sessions.map((s) => s.name)).toEqual(['beta']);

    const missing = await http('DELETE', '/v1/sessions/alpha');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error.code).toBe('not_found');
  });

  it('rejects invalid session names on attach', async () => {
    await start();
    await expect(TerminalClient.open(`ws+unix://${socketPath}:/v1/sessions/-bad/attach`)).rejects.toThrow(/400/);
  });

  it('shows output to every attached client and takes input from any', async () => {
    await start();
    const one = await attach();
    const two = await attach();
    one.type('echo from-one-$((5+5))\r');
    await two.waitFor(/from-one-10/);
    two.type('echo from-two-$((6+6))\r');
    await one.waitFor(/from-two-12/);
  });

  it('sends an exit message, closes clients and forgets the session when the process ends', async () => {
    await start();
    const term = await attach();
    const pid = JSON.parse((await http('GET', '/v1/sessions')).body).sessions[0].pid as number;
    term.type('exit 3\r');
    expect(await term.closed).toBe(1000);
    expect(term.controls).toEqual([{ type: 'exit', code: 3, signal: null }]);
    expect(JSON.parse((await http('GET', '/v1/sessions')).body)).toEqual({ sessions: [] });

    const next = await attach();
    next.type('echo again\r');
    await next.waitFor(/again/);
    const newPid = JSON.parse((await http('GET', '/v1/sessions')).body).sessions[0].pid as number;
    expect(newPid).not.toBe(pid);
  });

  it('keeps only the newest bytes in a bounded scrollback', async () => {
    await start({ scrollbackBytes: 4096 });
    const term = await attach();
    term.type('for i in $(seq 1 2000); do echo line-$i; done; echo DONE-$((1+1))\r');
    await term.waitFor(/DONE-2\r\n/);
    term.close();
    await term.closed;

    const late = await attach();
    await late.waitFor(/line-2000/);
    // Wait a moment so any replay is complete, then check nothing old came back.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(Buffer.byteLength(late.output)).toBeLessThanOrEqual(4096 + 200);
    expect(late.output).not.toMatch(/line-1\r\n/);
  });

  it('pauses a fast writer for a client that does not read, keeping memory bounded', async () => {
    await start({ flow: { highWaterBytes: 64 * 1024, lowWaterBytes: 16 * 1024, slowClientTimeoutMs: 60_000 } });
    const reader = await attach();
    reader.type('echo go; head -c 300M /dev/zero | base64\r');
    await reader.waitFor(/go/);
    // Stop reading from the socket: the daemon's send buffer must stop growing.
    const raw = (reader.socket as unknown as { _socket: import('node:net').Socket })._socket;
    raw.pause();
    const before = process.memoryUsage().rss;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const grown = process.memoryUsage().rss - before;
    expect(grown).toBeLessThan(64 * 1024 * 1024);
    const info = JSON.parse((await http('GET', '/v1/sessions')).body).sessions[0];
    expect(info.exited).toBe(false);
    raw.resume();
  });

  it('disconnects a client that stays stalled so others keep the session', async () => {
    await start({ flow: { highWaterBytes: 32 * 1024, lowWaterBytes: 8 * 1024, slowClientTimeoutMs: 300, pollMs: 10 } });
    const stalled = await attach();
    const healthy = await attach();
    stalled.type('echo go\r');
    await stalled.waitFor(/go/);
    (stalled.socket as unknown as { _socket: import('node:net').Socket })._socket.pause();
    healthy.type('head -c 20M /dev/zero | base64 | tail -c 100000 >/dev/null; yes | head -c 2M; echo FIN-$((8*8))\r');
    await healthy.waitFor(/FIN-64/, 20_000);
    const list = JSON.parse((await http('GET', '/v1/sessions')).body).sessions[0];
    expect(list.attached).toBe(1);
  });
});

describe('what an attach may create', () => {
  const names = async () => (JSON.parse((await http('GET', '/v1/sessions')).body).sessions as Array<{ name: string }>).map((s) => s.name).sort();
  /** Polls the session list until `done` holds (the daemon acts on its own timers). */
  const waitForSessions = async (done: (names: string[]) => boolean, timeoutMs = 20_000) => {
    for (const deadline = Date.now() + timeoutMs; ;) {
      const now = await names();
      if (done(now)) return now;
      if (Date.now() > deadline) throw new Error(`sessions never matched; last: ${JSON.stringify(now)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const q = (params: Record<string, string | number>) => `?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`;

  it('refuses a new session beyond the cap with 429, and still attaches to live ones', async () => {
    await start({ maxSessions: 2 });
    const a = await attach('a');
    await attach('b');
    await expect(TerminalClient.open(`ws+unix://${socketPath}:/v1/sessions/c/attach`)).rejects.toThrow(/429/);
    // The cap the attach states (the portal's) is the one that holds.
    await expect(TerminalClient.open(`ws+unix://${socketPath}:/v1/sessions/c/attach${q({ maxSessions: 1 })}`)).rejects.toThrow(/429/);
    const second = await attach('a');
    second.type('echo both-$((2+2))\r');
    await a.waitFor(/both-4/);
    expect(await names()).toEqual(['a', 'b']);
    // An ended session frees its place.
    a.type('exit\r');
    await a.closed;
    await waitForSessions((n) => n.length === 1);
    (await attach('c')).type('echo c-ok\r');
    expect(await names()).toEqual(['b', 'c']);
  });

  it('ends a session that no client has been attached to for its idle time, even one that ignores SIGHUP', async () => {
    await start({ sessionIdleMs: 60_000 });
    const kept = await attach('kept', q({ idleMs: 300 }));
    const forever = await attach('forever', q({ idleMs: 0 }));
    forever.close();
    const stubborn = await attach('stubborn', q({ idleMs: 300 }));
    stubborn.type('trap "" HUP; echo trapped-$((1+1))\r');
    await stubborn.waitFor(/trapped-2/);
    stubborn.close();
    const idle = await attach('idle', q({ idleMs: 300 }));
    idle.type('echo hello\r');
    await idle.waitFor(/hello/);
    idle.close();
    // Detached ones end; an attached one and one with no idle end stay.
    expect(await waitForSessions((n) => !n.includes('idle') && !n.includes('stubborn'))).toEqual(['forever', 'kept']);
    kept.type('echo still-$((3+4))\r');
    await kept.waitFor(/still-7/);
  });

  it('runs the command the attach names, again after it exits, and never falls back to a shell', async () => {
    await start();
    const spec = q({ run: 'command', command: 'echo ready-$((2*3)); read line; echo "got:$line"' });
    const first = await attach('cmd-x', spec);
    await first.waitFor(/ready-6/);
    first.type('echo $((6*7))\r');
    await first.waitFor(/got:echo \$\(\(6\*7\)\)/);
    expect(await first.closed).toBe(1000);
    const again = await attach('cmd-x', spec);
    await again.waitFor(/ready-6/);
    again.type('echo $((6*7))\r');
    await again.waitFor(/got:/);
    expect(again.output).not.toContain('42');
    // A shell is only what the attach asks for.
    const shell = await attach('sh', q({ run: 'shell' }));
    shell.type('echo $((6*7))\r');
    await shell.waitFor(/\r42\r\n/);
  });

  it('refuses an attach whose options do not make sense', async () => {
    await start();
    const bads: Array<Record<string, string | number>> = [{ run: 'command' }, { run: 'shell', command: 'id' }, { run: 'telnet' }, { idleMs: -1 }, { maxSessions: 0 }, { idleMs: 'soon' }];
    for (const bad of bads) {
      await expect(TerminalClient.open(`ws+unix://${socketPath}:/v1/sessions/x/attach${q(bad)}`), JSON.stringify(bad)).rejects.toThrow(/400/);
    }
    expect(await names()).toEqual([]);
  });
});

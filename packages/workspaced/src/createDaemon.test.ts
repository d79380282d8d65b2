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
  rmSync(dir, { recursive: true, force: true });
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

import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDaemon, type Daemon } from '../createDaemon.js';
import { daemonConnectTarget } from '@paddock/protocol';
import { parseProcNetTcp } from './listeningPorts.js';

let dir: string;
let socketPath: string;
let daemon: Daemon;
let echo: Server;
let echoPort: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'workspaced-ports-'));
  socketPath = join(dir, 'daemon.sock');
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as { port: number }).port;
  daemon = await createDaemon({ socketPath, workspaceDir: dir, shell: { file: '/bin/true', args: [] } });
});

afterEach(async () => {
  await daemon.close();
  await new Promise((r) => echo.close(r));
  rmSync(dir, { recursive: true, force: true });
});

/** Sends CONNECT over the daemon socket; resolves with the status line and the socket. */
function connect(target: string): Promise<{ head: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!text.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      resolve({ head: text, socket });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  });
}

describe('port dial through the daemon', () => {
  it('turns a CONNECT into a raw TCP stream to a loopback port, both ways', async () => {
    const { head, socket } = await connect(`127.0.0.1:${echoPort}`);
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    let received = 0;
    const done = new Promise<void>((r) => socket.on('data', (c: Buffer) => { received += c.length; if (received >= big.length) r(); }));
    socket.write(big);
    await done;
    expect(received).toBe(big.length);
    socket.destroy();
  });

  it('refuses privileged ports, reserved ports and other hosts, and says when nothing listens', async () => {
    expect((await connect('127.0.0.1:22')).head).toMatch(/^HTTP\/1\.1 403/);
    expect((await connect('127.0.0.1:4141')).head).toMatch(/^HTTP\/1\.1 403/);
    expect((await connect('10.0.0.1:8080')).head).toMatch(/^HTTP\/1\.1 403/);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const freePort = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const refused = await connect(`127.0.0.1:${freePort}`);
    expect(refused.head).toMatch(/^HTTP\/1\.1 502/);
  });

  it('lists listening ports, without the reserved ones', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      request({ socketPath, path: '/v1/ports' }, (res) => {
        let t = '';
        res.on('data', (c) => (t += c));
        res.on('end', () => resolve(t));
      }).on('error', reject).end();
    });
    const ports = (JSON.parse(body) as { ports: Array<{ port: number }> }).ports.map((p) => p.port);
    expect(ports).toContain(echoPort);
    expect(ports).not.toContain(4141);
  });

  it('refuses the workspace\'s own service ports (OpenCode, the model gateway) even when nothing is configured or listens', async () => {
    await daemon.close();
    daemon = await createDaemon({ socketPath, workspaceDir: dir, shell: { file: '/bin/true', args: [] } });
    for (const port of [4096, 4141]) {
      const { head } = await connect(`127.0.0.1:${port}`);
      expect(head).toMatch(/^HTTP\/1\.1 403/);
      expect(head).toContain('own service');
    }
  });

  it('reaches OpenCode only by its service name, never as a port', async () => {
    await daemon.close();
    daemon = await createDaemon({ socketPath, workspaceDir: dir, servicePorts: { opencode: echoPort }, shell: { file: '/bin/true', args: [] } });
    expect(await listedPorts()).not.toContain(echoPort);
    expect((await connect(`127.0.0.1:${echoPort}`)).head).toMatch(/^HTTP\/1\.1 403/);
    expect((await connect(`localhost:${echoPort}`)).head).toMatch(/^HTTP\/1\.1 403/);
    expect((await connect(`unknown:${echoPort}`)).head).toMatch(/^HTTP\/1\.1 403/);
    const { head, socket } = await connect(daemonConnectTarget({ service: 'opencode' }));
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    const echoed = new Promise<string>((r) => socket.once('data', (c: Buffer) => r(c.toString())));
    socket.write('ping');
    expect(await echoed).toBe('ping');
    socket.destroy();
  });
});

function listedPorts(): Promise<number[]> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path: '/v1/ports' }, (res) => {
      let t = '';
      res.on('data', (c) => (t += c));
      res.on('end', () => resolve((JSON.parse(t) as { ports: Array<{ port: number }> }).ports.map((p) => p.port)));
    }).on('error', reject).end();
  });
}

describe('parseProcNetTcp', () => {
  it('keeps LISTEN sockets on loopback or any address', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1435 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1',
      '   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2',
      '   2: 0100007F:1436 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 3',
      '   3: 0200000A:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4',
    ].join('\n');
    expect(parseProcNetTcp(text)).toEqual([{ port: 5173, address: '127.0.0.1' }, { port: 8080, address: '0.0.0.0' }]);
    const six = 'header\n   0: 00000000000000000000000000000000:0BB8 00000000000000000000000000000000:0000 0A 0 0 0 0 0 0 0';
    expect(parseProcNetTcp(six)).toEqual([{ port: 3000, address: '::' }]);
  });
});

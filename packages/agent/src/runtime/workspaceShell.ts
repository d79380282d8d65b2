import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { RuntimeDriver } from './driver.js';

let counter = 0;

/**
 * Runs one shell command in a workspace through its daemon, the way the
 * portal's terminal does (a WebSocket attach over a stream from connect), and
 * returns the command's output and exit code. For tests of runtime drivers.
 */
export async function runInWorkspace(
  driver: RuntimeDriver,
  workspaceId: string,
  command: string,
  timeoutMs = 10_000,
): Promise<{ output: string; code: number }> {
  const stream: Duplex = await driver.connect(workspaceId, { kind: 'daemon' });
  const session = `probe-${process.pid}-${++counter}`;
  const ws = new WebSocket(`ws://workspace/v1/sessions/${session}/attach?cols=200&rows=50`, {
    createConnection: () => stream as Socket,
  });
  let output = '';
  ws.on('message', (data: Buffer, isBinary) => {
    if (isBinary) output += data.toString('utf8');
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  // Quoting splits the markers in the echoed command line, so only real output matches.
  ws.send(Buffer.from(`stty -echo; echo BEGIN''MARK; ${command}; echo END''MARK:$?; exit\r`), { binary: true });
  const pattern = /BEGINMARK\r?\n([\s\S]*?)ENDMARK:(\d+)/;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const match = pattern.exec(output);
      if (match) return { output: (match[1] ?? '').replace(/\r\n/g, '\n'), code: Number(match[2]) };
      if (Date.now() > deadline) throw new Error(`command timed out: ${command}; output: ${JSON.stringify(output.slice(-500))}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    ws.terminate();
  }
}

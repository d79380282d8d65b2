import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { RuntimeDriver } from './driver.js';
import { deadlineIn } from '../clock.js';

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
  let ended: string | undefined;
  ws.on('message', (data: Buffer, isBinary) => {
    if (isBinary) output += data.toString('utf8');
    else ended = `the session sent ${data.toString('utf8')}`;
  });
  ws.on('close', (code, reason) => {
    ended = `${ended ? `${ended}; ` : ''}the connection closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`;
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  // Quoting splits the markers in the echoed command line, so only real output matches.
  ws.send(Buffer.from(`stty -echo; echo BEGIN''MARK; ${command}; echo END''MARK:$?\r`), { binary: true });
  const pattern = /BEGINMARK\r?\n([\s\S]*?)ENDMARK:(\d+)/;
  const deadline = deadlineIn(timeoutMs);
  try {
    for (;;) {
      const match = pattern.exec(output);
      if (match) {
        // The shell leaves only after its output is in: a probe never races a process's last bytes against its exit.
        ws.send(Buffer.from('exit\r'), { binary: true });
        return { output: (match[1] ?? '').replace(/\r\n/g, '\n'), code: Number(match[2]) };
      }
      if (ended !== undefined || deadline.passed()) {
        const why = ended ?? `no end mark after ${timeoutMs} ms`;
        throw new Error(`command failed: ${command}; ${why}; workspace ${await driver.status(workspaceId)}; output: ${JSON.stringify(output.slice(-500))}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    ws.close();
  }
}

/**
 * A shell command that starts `command` in its own session, detached from the
 * terminal, and returns once that process has exec'd: a probe that followed at
 * once could otherwise look while it was still a fork of the shell.
 */
export function startDetached(command: string): string {
  // One line per process, its argv joined by spaces.
  const pattern = `^${command} $`;
  const processes = `for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done 2>/dev/null`;
  return `(setsid ${command} </dev/null >/dev/null 2>&1 &); until ${processes} | grep -q '${pattern}'; do sleep 0.05; done`;
}

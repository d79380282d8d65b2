import type WebSocket from 'ws';

const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

export interface RelayOptions {
  /** Drops (returns null) or rewrites a text frame going from `a` to `b`. */
  filterAtoB?: (text: string) => string | null;
}

/**
 * Relays frames between two open WebSockets, keeping binary and text apart, and
 * never buffers without bound: when one side has more than HIGH_WATER bytes
 * queued, the other side is paused until the queue drains below LOW_WATER.
 * Bytes pass through memory only; nothing is logged.
 */
export function relayWebSockets(a: WebSocket, b: WebSocket, options: RelayOptions = {}): void {
  pipe(a, b, options.filterAtoB);
  pipe(b, a);
  const closeBoth = (code?: number, reason?: Buffer) => {
    const c = code && code >= 1000 && code !== 1005 && code !== 1006 ? code : 1000;
    for (const ws of [a, b]) if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(c, reason?.toString());
  };
  a.on('close', closeBoth);
  b.on('close', closeBoth);
  a.on('error', () => closeBoth(1011));
  b.on('error', () => closeBoth(1011));
}

function pipe(from: WebSocket, to: WebSocket, filter?: (text: string) => string | null) {
  let queued = 0;
  let paused = false;
  from.on('message', (data: Buffer, isBinary: boolean) => {
    if (to.readyState !== to.OPEN) return;
    let payload: Buffer | string = data;
    if (!isBinary && filter) {
      const out = filter(data.toString('utf8'));
      if (out === null) return;
      payload = out;
    }
    const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    queued += size;
    to.send(payload, { binary: isBinary }, () => {
      queued -= size;
      if (paused && queued < LOW_WATER) { paused = false; from.resume(); }
    });
    if (!paused && queued > HIGH_WATER) { paused = true; from.pause(); }
  });
}

import WebSocket from 'ws';
import type { TerminalControl } from '@paddock/protocol';

/**
 * A test-side terminal: collects output bytes and control messages from one
 * attached WebSocket and waits for text to appear.
 */
export class TerminalClient {
  output = '';
  readonly controls: TerminalControl[] = [];
  readonly closed: Promise<number>;
  private waiters: Array<() => void> = [];

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) this.output += data.toString('utf8');
      else this.controls.push(JSON.parse(data.toString('utf8')) as TerminalControl);
      for (const wake of this.waiters) wake();
    });
    this.closed = new Promise((resolve) => socket.on('close', (code) => resolve(code)));
  }

  static async open(url: string, options: WebSocket.ClientOptions = {}): Promise<TerminalClient> {
    const socket = new WebSocket(url, options);
    const client = new TerminalClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  type(text: string): void {
    this.socket.send(Buffer.from(text), { binary: true });
  }

  control(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Resolves once the output (from `from` on) matches (a string: literally), or rejects after `timeoutMs`. */
  async waitFor(wanted: RegExp | string, timeoutMs = 5000, from = 0): Promise<RegExpMatchArray> {
    const pattern = typeof wanted === 'string' ? new RegExp(wanted.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : wanted;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.output.slice(from).match(pattern);
      if (match) return match;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${pattern}; output tail: ${JSON.stringify(this.output.slice(-300))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.waiters = [];
    }
  }

  close(): void {
    this.socket.close();
  }
}

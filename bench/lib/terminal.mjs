// Terminal clients: through the portal (full path) and straight to an in-process daemon (baseline).
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { repoRoot, sleep } from './stack.mjs';

/** Opens the portal terminal WebSocket for a running workspace. */
export async function openPortalTerminal(stack, workspaceId, session = 'main') {
  const { ticket } = await stack.api('POST', `/api/v1/workspaces/${workspaceId}/terminal-tickets`, {});
  const url = `ws://127.0.0.1:${stack.port}/api/v1/workspaces/${workspaceId}/terminal?ticket=${encodeURIComponent(ticket)}&session=${session}`;
  return new Terminal(new WebSocket(url, { perMessageDeflate: false }));
}

/** Starts a workspace daemon in this process on a temp Unix socket (no sandbox, no portal, no tunnel). */
export async function startDirectDaemon() {
  const { createDaemon } = await import(join(repoRoot, 'packages/workspaced/dist/index.js'));
  const dir = mkdtempSync(join(tmpdir(), 'paddock-bench-daemon-'));
  const socketPath = join(dir, 'd.sock');
  const daemon = await createDaemon({ socketPath, workspaceDir: dir });
  return {
    socketPath,
    open(session = 'main') {
      return new Terminal(new WebSocket(`ws://x/v1/sessions/${session}/attach`, {
        createConnection: () => net.connect(socketPath),
        perMessageDeflate: false,
      }));
    },
    async close() { await daemon.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

/** A terminal WebSocket with a single pluggable binary-frame listener. */
export class Terminal {
  constructor(ws) {
    this.ws = ws;
    this.onData = null;
    this.closed = false;
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`terminal upgrade answered ${res.statusCode}`)));
    });
    this.firstFrame = new Promise((resolve, reject) => {
      ws.on('message', (data, isBinary) => {
        if (!isBinary) return;
        resolve(data);
        this.onData?.(data);
      });
      ws.once('close', (code, reason) => { this.closed = true; reject(new Error(`terminal closed ${code} ${reason}`)); });
      ws.once('error', reject);
    });
    this.firstFrame.catch(() => {});
    this.opened.catch(() => {});
  }

  send(text) { this.ws.send(Buffer.from(text), { binary: true }); }

  /** Resolves once `marker` appears in the output (searched across frame boundaries). */
  waitFor(marker, timeoutMs = 15_000) {
    return new Promise((resolve, reject) => {
      let tail = '';
      const timer = setTimeout(() => { this.onData = null; reject(new Error(`timed out waiting for ${JSON.stringify(marker)}; last output ${JSON.stringify(tail.slice(-200))}`)); }, timeoutMs);
      this.onData = (data) => {
        tail = (tail + data.toString('latin1')).slice(-4096);
        if (tail.includes(marker)) { clearTimeout(timer); this.onData = null; resolve(); }
      };
    });
  }

  /** Turns the session into a raw-mode `cat`: every byte sent comes straight back, once. */
  async startRawCat() {
    await this.opened;
    await this.firstFrame; // the prompt
    const ready = this.waitFor('CAT_READY');
    // The quotes keep the command line's own echo from matching the marker.
    this.send("stty raw -echo; echo CAT_RE''ADY; exec cat\r");
    await ready;
    await sleep(50);
  }

  close() {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}

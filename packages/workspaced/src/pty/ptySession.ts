import * as pty from 'node-pty';
import type { WebSocket } from 'ws';
import { terminalControlSchema, type PtySessionInfo, type TerminalControl } from '@paddock/protocol';
import { ScrollbackRing } from './scrollbackRing.js';

export interface PtySessionOptions {
  name: string;
  cols: number;
  rows: number;
  shell: { file: string; args: string[] };
  cwd: string;
  env: Record<string, string>;
  scrollbackBytes: number;
  flow: FlowControlOptions;
  /** With no client attached for this long the session is ended (0: never). */
  idleMs: number;
  onExit: (session: PtySession) => void;
}

/**
 * Flow control policy: the PTY is paused while any attached socket holds more
 * than `highWaterBytes` unsent, and resumed once every socket is under
 * `lowWaterBytes`. A socket that stays above the high mark for
 * `slowClientTimeoutMs` is disconnected so it can't stall the session for
 * everyone; its client may reattach and gets the scrollback. So memory per
 * session stays near scrollback + clients × high mark whatever the process writes.
 */
export interface FlowControlOptions {
  highWaterBytes: number;
  lowWaterBytes: number;
  slowClientTimeoutMs: number;
  pollMs: number;
}

export const defaultFlowControl: FlowControlOptions = {
  highWaterBytes: 1024 * 1024,
  lowWaterBytes: 256 * 1024,
  slowClientTimeoutMs: 10_000,
  pollMs: 20,
};

const MAX_FRAME_BYTES = 256 * 1024;
/** A process still there this long after SIGHUP (it may ignore it) gets SIGKILL. */
const KILL_GRACE_MS = 3000;

export class PtySession {
  readonly name: string;
  readonly createdAt = new Date();
  private readonly process: pty.IPty;
  private readonly ring: ScrollbackRing;
  /** Each client, with when it went over the high mark (undefined while under). */
  private readonly clients = new Map<WebSocket, number | undefined>();
  private readonly flow: FlowControlOptions;
  private cols: number;
  private rows: number;
  private paused = false;
  private drainTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private exitedFlag = false;
  private exitMessage: TerminalControl | undefined;
  /** Output not yet sent: chunks read in one turn of the event loop go out as one frame. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;

  constructor(private readonly options: PtySessionOptions) {
    this.name = options.name;
    this.cols = options.cols;
    this.rows = options.rows;
    this.flow = options.flow;
    this.ring = new ScrollbackRing(options.scrollbackBytes);
    this.process = pty.spawn(options.shell.file, options.shell.args, {
      name: 'xterm-256color',
      cols: options.cols,
      rows: options.rows,
      cwd: options.cwd,
      env: { ...options.env, TERM: 'xterm-256color' },
      // null keeps output as bytes: no UTF-8 decoding cost and no split characters in the ring.
      encoding: null,
    });
    this.process.onData((data: string | Buffer) => this.broadcast(typeof data === 'string' ? Buffer.from(data) : data));
    this.process.onExit(({ exitCode, signal }) => this.handleExit(exitCode, signal));
    // Created with no client yet: the attach that asked for it follows at once.
    this.armIdleEnd();
  }

  get pid(): number {
    return this.process.pid;
  }

  get exited(): boolean {
    return this.exitedFlag;
  }

  info(): PtySessionInfo {
    return {
      name: this.name,
      pid: this.process.pid,
      cols: this.cols,
      rows: this.rows,
      createdAt: this.createdAt.toISOString(),
      attached: this.clients.size,
      exited: this.exitedFlag,
    };
  }

  /** Sends what the client missed, then streams live output; synchronous so no byte falls between the two. */
  attach(socket: WebSocket): void {
    if (this.exitedFlag) {
      // Exited between being looked up and the upgrade completing: say so, as a live client would have heard.
      socket.send(JSON.stringify(this.exitMessage ?? { type: 'exit', code: null, signal: null }));
      socket.close(1000, 'process exited');
      return;
    }
    this.disarmIdleEnd();
    this.flush();
    const missed = this.ring.snapshot();
    if (missed.length > 0) socket.send(missed, { binary: true });
    this.clients.set(socket, undefined);
    socket.on('message', (data, isBinary) => this.handleMessage(toBuffer(data), isBinary));
    socket.on('close', () => this.detach(socket));
    socket.on('error', () => this.detach(socket));
    this.checkPressure(socket);
  }

  resize(cols: number, rows: number): void {
    if (this.exitedFlag) return;
    this.cols = cols;
    this.rows = rows;
    this.process.resize(cols, rows);
  }

  /** Ends the session's process (SIGHUP, then SIGKILL if it holds on) and disconnects its clients. */
  kill(reason = 'session deleted'): void {
    if (!this.exitedFlag) {
      this.signal('SIGHUP');
      this.killTimer ??= setTimeout(() => this.signal('SIGKILL'), KILL_GRACE_MS);
      this.killTimer.unref();
    }
    for (const socket of this.clients.keys()) socket.close(1000, reason);
  }

  private signal(name: 'SIGHUP' | 'SIGKILL'): void {
    if (this.exitedFlag) return;
    try {
      this.process.kill(name);
    } catch {
      // Already gone: the exit handler cleans up.
    }
  }

  /** Starts the idle clock when the last client has left. */
  private armIdleEnd(): void {
    if (this.options.idleMs <= 0 || this.exitedFlag || this.clients.size > 0 || this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.clients.size > 0 || this.exitedFlag) return;
      // Lifecycle only, never terminal bytes.
      process.stderr.write(`workspaced: ending session ${this.name}: no client attached for ${Math.round(this.options.idleMs / 1000)} s\n`);
      this.kill('idle');
    }, this.options.idleMs);
    this.idleTimer.unref();
  }

  private disarmIdleEnd(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private handleMessage(data: Buffer, isBinary: boolean): void {
    if (this.exitedFlag) return;
    if (isBinary) {
      this.process.write(data);
      return;
    }
    const control = parseControl(data);
    if (control?.type === 'resize') this.resize(control.cols, control.rows);
  }

  /**
   * A PTY hands over output a few KiB at a time; a frame per read would cost a
   * WebSocket frame, a tunnel message and a relay send at every hop. Reads in the
   * same event-loop turn are joined (up to MAX_FRAME_BYTES) and sent once.
   * The ring is written at flush time, so attach() never sees a byte twice.
   */
  private broadcast(data: Buffer): void {
    this.pending.push(data);
    this.pendingBytes += data.length;
    if (this.pendingBytes >= MAX_FRAME_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pendingBytes === 0) return;
    const frame = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.ring.write(frame);
    for (const socket of this.clients.keys()) {
      if (socket.readyState !== socket.OPEN) continue;
      socket.send(frame, { binary: true });
      this.checkPressure(socket);
    }
  }

  private checkPressure(socket: WebSocket): void {
    if (socket.bufferedAmount <= this.flow.highWaterBytes) return;
    if (this.clients.get(socket) === undefined) this.clients.set(socket, Date.now());
    if (!this.paused) {
      this.paused = true;
      this.process.pause();
    }
    this.drainTimer ??= setInterval(() => this.pollDrain(), this.flow.pollMs);
  }

  private pollDrain(): void {
    const now = Date.now();
    let allDrained = true;
    for (const [socket, slowSince] of this.clients) {
      const buffered = socket.bufferedAmount;
      if (buffered <= this.flow.lowWaterBytes) {
        this.clients.set(socket, undefined);
        continue;
      }
      if (slowSince !== undefined && now - slowSince > this.flow.slowClientTimeoutMs) {
        // Terminate rather than close: a close frame would queue behind the backlog it is meant to drop.
        socket.terminate();
        this.detach(socket);
        continue;
      }
      if (buffered > this.flow.highWaterBytes && slowSince === undefined) this.clients.set(socket, now);
      allDrained = false;
    }
    if (!allDrained) return;
    this.stopDrainTimer();
    if (this.paused && !this.exitedFlag) {
      this.paused = false;
      this.process.resume();
    }
  }

  private detach(socket: WebSocket): void {
    if (!this.clients.delete(socket)) return;
    // The client that held the PTY back may be the one leaving.
    if (this.paused) this.pollDrain();
    this.armIdleEnd();
  }

  private stopDrainTimer(): void {
    if (this.drainTimer) clearInterval(this.drainTimer);
    this.drainTimer = undefined;
  }

  private handleExit(exitCode: number, signal: number | undefined): void {
    this.flush();
    this.exitedFlag = true;
    this.stopDrainTimer();
    this.disarmIdleEnd();
    clearTimeout(this.killTimer);
    const message: TerminalControl = { type: 'exit', code: exitCode, signal: signal ? signal : null };
    this.exitMessage = message;
    const text = JSON.stringify(message);
    for (const socket of this.clients.keys()) {
      if (socket.readyState !== socket.OPEN) continue;
      socket.send(text);
      socket.close(1000, 'process exited');
    }
    this.clients.clear();
    this.options.onExit(this);
  }
}

function parseControl(data: Buffer): TerminalControl | undefined {
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = terminalControlSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

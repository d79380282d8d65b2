import { terminalControlSchema, type TerminalControl } from '@paddock/protocol';
import { createTerminalTicket } from '../../api/workspaces';
import { errorMessage, isApiError } from '../../api/client';
import { describeExit } from '../workspaces/processExit';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'exited' | 'unavailable';

interface TerminalConnectionOptions {
  workspaceId: string;
  session?: string;
  /** Current terminal size, sent on every (re)connect. */
  size: () => { cols: number; rows: number };
  /** Called on every open, before the server replays the session's scrollback. */
  onReset: () => void;
  onOutput: (bytes: Uint8Array) => void;
  onStatus: (status: ConnectionStatus, detail?: string) => void;
}

// Close codes the portal uses on the terminal WebSocket.
const CLOSE_BAD_TICKET = 4401;
const CLOSE_NOT_PERMITTED = 4403;
const CLOSE_NOT_FOUND = 4404;
/** An admin ended the session (Admin → Security): reconnecting on our own would undo it. */
const CLOSE_ENDED_BY_ADMIN = 4408;
const CLOSE_TOO_MANY_SESSIONS = 4429;

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;

const encoder = new TextEncoder();

/**
 * One terminal session over the portal's WebSocket. Each connection takes a
 * fresh single-use ticket; after a drop it reconnects with exponential backoff
 * until disposed, the shell exits, or the workspace is gone.
 */
export class TerminalConnection {
  private readonly options: TerminalConnectionOptions;
  private socket: WebSocket | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private connectedOnce = false;
  private exited = false;
  private disposed = false;

  constructor(options: TerminalConnectionOptions) {
    this.options = options;
    window.addEventListener('online', this.reconnectNow);
  }

  start(): void {
    void this.connect();
  }

  /** Starts over after the shell exited (the daemon creates a new session). */
  restart(): void {
    this.exited = false;
    this.attempt = 0;
    this.reconnectNow();
  }

  sendInput(data: string): void {
    this.sendBytes(encoder.encode(data));
  }

  /** xterm's onBinary hands over a string of byte values (mouse reports). */
  sendBinaryString(data: string): void {
    this.sendBytes(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff));
  }

  resize(cols: number, rows: number): void {
    this.sendControl({ type: 'resize', cols: clamp(cols, 2, 1000), rows: clamp(rows, 1, 500) });
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.retryTimer);
    window.removeEventListener('online', this.reconnectNow);
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'closed by the page');
  }

  private readonly reconnectNow = (): void => {
    if (this.disposed || this.exited || this.socket) return;
    clearTimeout(this.retryTimer);
    void this.connect();
  };

  private async connect(): Promise<void> {
    if (this.disposed) return;
    this.options.onStatus(this.connectedOnce || this.attempt > 0 ? 'reconnecting' : 'connecting');

    let ticket: string;
    try {
      ticket = (await createTerminalTicket(this.options.workspaceId)).ticket;
    } catch (error) {
      if (this.disposed) return;
      if (isApiError(error) && (error.status === 401 || error.status === 403 || error.status === 404)) {
        this.options.onStatus('unavailable', errorMessage(error));
        return;
      }
      this.scheduleReconnect();
      return;
    }
    if (this.disposed || this.socket) return;

    const socket = new WebSocket(this.url(ticket));
    socket.binaryType = 'arraybuffer';
    this.socket = socket;

    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.connectedOnce = true;
      // The server starts with the session's scrollback: clear what we show
      // so a reconnect does not print it twice.
      this.options.onReset();
      this.options.onStatus('connected');
      const { cols, rows } = this.options.size();
      this.resize(cols, rows);
    };

    socket.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      if (this.socket !== socket) return;
      if (typeof event.data !== 'string') {
        this.options.onOutput(new Uint8Array(event.data));
        return;
      }
      const control = parseControl(event.data);
      if (control?.type === 'exit') {
        this.exited = true;
        this.options.onStatus('exited', exitMessage(control));
      }
    };

    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.disposed || this.exited) return;
      if (event.code === CLOSE_ENDED_BY_ADMIN) {
        this.options.onStatus('unavailable', 'An admin ended this terminal session. Reload the page to open it again.');
        return;
      }
      if (event.code === CLOSE_NOT_FOUND) {
        this.options.onStatus('unavailable', 'This workspace no longer exists.');
        return;
      }
      // Retrying can't help: the blueprint has no such session, or the workspace is at its cap.
      if (event.code === CLOSE_NOT_PERMITTED || event.code === CLOSE_TOO_MANY_SESSIONS) {
        this.options.onStatus('unavailable', sentence(event.reason) || 'This terminal is not available in this workspace.');
        return;
      }
      // A stale ticket only needs a fresh one; anything else (not running yet,
      // tunnel or agent trouble, network) gets a backoff.
      if (event.code === CLOSE_BAD_TICKET && this.attempt === 0) {
        this.attempt = 1;
        void this.connect();
        return;
      }
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.disposed) return;
    this.options.onStatus('reconnecting');
    const delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** this.attempt);
    const jittered = delay * (0.8 + Math.random() * 0.4);
    this.attempt += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), jittered);
  }

  private url(ticket: string): string {
    const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const params = new URLSearchParams({ ticket, session: this.options.session ?? 'main' });
    return `${scheme}//${window.location.host}/api/v1/workspaces/${encodeURIComponent(this.options.workspaceId)}/terminal?${params}`;
  }

  private sendBytes(bytes: Uint8Array): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(bytes);
  }

  private sendControl(control: TerminalControl): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(control));
  }
}

function parseControl(text: string): TerminalControl | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const result = terminalControlSchema.safeParse(value);
  if (result.success) return result.data;
  // Tolerate an exit notice that leaves out code or signal.
  const loose = value as { type?: unknown; code?: unknown; signal?: unknown } | null;
  if (loose?.type !== 'exit') return null;
  return {
    type: 'exit',
    code: typeof loose.code === 'number' ? loose.code : null,
    signal: typeof loose.signal === 'number' ? loose.signal : null,
  };
}

/** How the session ended, in plain words ("The shell was stopped.", not "signal 15"). */
function exitMessage(control: Extract<TerminalControl, { type: 'exit' }>): string {
  return describeExit('The shell', control);
}

/** The portal's close reasons are lowercase phrases; shown as a sentence. */
function sentence(reason: string): string {
  const text = reason.trim();
  return text ? `${text[0]!.toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}` : '';
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.floor(value)));
}

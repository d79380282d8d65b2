import { Duplex } from 'node:stream';

/** The part of a gRPC bidi stream of Frames that a byte stream needs (client or server side). */
export interface FrameCall {
  write(frame: { data: Buffer }, cb?: (err?: Error | null) => void): boolean;
  end(): void;
  pause(): unknown;
  resume(): unknown;
  on(event: 'data', listener: (frame: { data: Buffer }) => void): unknown;
  on(event: 'end' | 'drain' | 'cancelled', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  once(event: 'drain', listener: () => void): unknown;
  /** Client calls have cancel(); server calls are ended with end()/destroy(). */
  cancel?: () => void;
  destroy?: (err?: Error) => void;
}

/** Told of a stream's bytes as they pass and of its end (metrics); never of the bytes themselves. */
export interface StreamObserver {
  bytes(direction: 'in' | 'out', n: number): void;
  closed(): void;
}

/**
 * Turns a dialed tunnel call into a plain byte Duplex. Backpressure carries
 * through both ways: a full HTTP/2 window makes write() return false, and a
 * consumer that stops reading pauses the call, which stops the window.
 *
 * It also answers the socket methods (setNoDelay, setTimeout, setKeepAlive) that
 * Node's HTTP client and `ws` call on a connection, so it can stand in for one.
 * setTimeout() is an idle timeout as a net.Socket's is: after that long without a
 * byte read or written it emits 'timeout' (and does nothing else), which is what
 * makes `request({ timeout })`, `req.setTimeout()` and an http.Agent's `timeout`
 * for idle pooled connections work over the tunnel.
 */
export class FrameDuplex extends Duplex {
  private ended = false;
  /** The idle timeout in ms (0: none), read by Node's http.Agent as it does a socket's. */
  timeout = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly call: FrameCall, private readonly observer?: StreamObserver) {
    super({ allowHalfOpen: true, highWaterMark: 256 * 1024 });
    if (observer) this.once('close', () => observer.closed());
    call.on('data', (frame) => {
      this.idleTimer?.refresh();
      this.observer?.bytes('in', frame.data.length);
      if (!this.push(frame.data)) call.pause();
    });
    call.on('end', () => {
      this.ended = true;
      this.push(null);
    });
    // A server-side call whose client vanished (connection lost) says only this.
    call.on('cancelled', () => this.destroy());
    call.on('error', (err) => {
      // A cancelled call is how the other side hangs up; that is an end, not a failure.
      if ((err as { code?: number }).code === 1) this.destroy();
      else this.destroy(err);
    });
  }

  override _read() {
    this.call.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void) {
    this.idleTimer?.refresh();
    this.observer?.bytes('out', chunk.length);
    if (this.call.write({ data: chunk })) cb();
    else this.call.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void) {
    this.call.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void) {
    clearTimeout(this.idleTimer);
    if (!this.ended) {
      // A client call hangs up by cancelling. A server call must finish the RPC:
      // destroying it only drops our end, and the agent would keep its side (and the
      // daemon its client: a terminal the browser closed would never count as detached).
      if (this.call.cancel) this.call.cancel();
      else this.call.end();
    }
    cb(err);
  }

  /** As net.Socket's: 0 turns the timeout off (and drops `callback` as a listener), otherwise `callback` hears the next 'timeout'. */
  setTimeout(ms: number, callback?: () => void): this {
    if (this.destroyed) return this;
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`a timeout is a number of ms, 0 or more; got ${ms}`);
    this.timeout = ms;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (ms === 0) {
      if (callback) this.off('timeout', callback);
      return this;
    }
    // Unref'd, as a socket's: a timeout alone never keeps the process alive. A timer that fired
    // is armed again by the next byte (refresh), so the stream times out again after another idle spell.
    this.idleTimer = setTimeout(() => this.emit('timeout'), ms).unref();
    if (callback) this.once('timeout', callback);
    return this;
  }

  setNoDelay() { return this; }
  setKeepAlive() { return this; }
  ref() { return this; }
  unref() { return this; }
}

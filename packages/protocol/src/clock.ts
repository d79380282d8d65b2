/**
 * Time. The one module of the portal and the agent that reads the system's clock (eslint.config.js
 * enforces it): everything whose behaviour depends on time (tickets, sessions, auto-stop, lifetimes,
 * expiry, rate limits, heartbeats, sweeps) is given a Clock, so tests move time instead of waiting.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  private ms: number;
  constructor(start = new Date('2026-01-01T00:00:00Z')) { this.ms = start.getTime(); }
  now() { return new Date(this.ms); }
  advance(ms: number) { this.ms += ms; }
}

/**
 * A time limit on waiting for something outside the process (a sandbox to exit, a daemon to
 * answer, a server to listen): it follows the real passage of time, monotonic, whatever the
 * wall clock or an injected Clock says, because the thing waited for does.
 */
export interface Deadline {
  passed(): boolean;
  /** Milliseconds left, never below 0. */
  remainingMs(): number;
}

export function deadlineIn(ms: number): Deadline {
  const end = performance.now() + ms;
  return {
    passed: () => performance.now() > end,
    remainingMs: () => Math.max(0, end - performance.now()),
  };
}

/** Seconds since it was started, monotonic: for measuring how long something took (latency metrics), never for behaviour. */
export function stopwatch(): () => number {
  const start = performance.now();
  return () => (performance.now() - start) / 1000;
}

import type { Clock } from '../clock.js';

export interface HeartbeatWatchdog {
  /** The peer said something: it is alive now. */
  seen(): void;
  stop(): void;
}

/**
 * Notices a peer that fell silent (a half-open TCP connection, a hung agent): checked
 * every interval, it calls `onSilent` once the peer has said nothing for `missed`
 * intervals by the clock, and then stops. Silence is measured on the injected clock,
 * so a test moves time instead of waiting for it.
 */
export function watchHeartbeats(opts: { clock: Clock; intervalMs: number; missed?: number; onSilent(): void }): HeartbeatWatchdog {
  const limitMs = (opts.missed ?? 3) * opts.intervalMs;
  let lastSeen = opts.clock.now().getTime();
  const timer = setInterval(() => {
    if (opts.clock.now().getTime() - lastSeen <= limitMs) return;
    clearInterval(timer);
    opts.onSilent();
  }, opts.intervalMs);
  return {
    seen: () => { lastSeen = opts.clock.now().getTime(); },
    stop: () => clearInterval(timer),
  };
}

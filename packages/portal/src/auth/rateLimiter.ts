import type { Clock } from '../clock.js';
import { RateLimitedError } from '../errors.js';

/** A fixed-window counter per key, in memory (sign-in attempts on this replica). */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly clock: Clock, private readonly limit: number, private readonly windowMs: number) {}

  /** Throws RateLimitedError when `key` has used up its window. */
  check(key: string): void {
    const now = this.clock.now().getTime();
    const w = this.windows.get(key);
    if (w && now - w.start < this.windowMs && w.count >= this.limit) {
      throw new RateLimitedError(Math.ceil((w.start + this.windowMs - now) / 1000));
    }
  }

  hit(key: string): void {
    const now = this.clock.now().getTime();
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) this.windows.set(key, { start: now, count: 1 });
    else w.count += 1;
    if (this.windows.size > 10_000) this.sweep(now);
  }

  reset(key: string): void { this.windows.delete(key); }

  private sweep(now: number) {
    for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
  }
}

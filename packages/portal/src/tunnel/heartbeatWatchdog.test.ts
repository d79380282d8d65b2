import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../clock.js';
import { watchHeartbeats } from './heartbeatWatchdog.js';

/**
 * The tunnel's watchdog on a fake clock: its checks run on (fake) timers, but silence
 * is what the clock says, so only moving the clock makes an agent late.
 */
describe('the heartbeat watchdog', () => {
  beforeEach(() => { vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] }); });
  afterEach(() => { vi.useRealTimers(); });

  it('drops a peer silent for three intervals by the clock, once, and not before', () => {
    const clock = new FakeClock();
    const silent: number[] = [];
    const watchdog = watchHeartbeats({ clock, intervalMs: 1_000, onSilent: () => silent.push(clock.now().getTime()) });

    // Many checks while the clock stands still: nobody is late.
    vi.advanceTimersByTime(10_000);
    expect(silent).toEqual([]);

    // Exactly three intervals of silence is still on time.
    clock.advance(3_000);
    vi.advanceTimersByTime(1_000);
    expect(silent).toEqual([]);

    clock.advance(1);
    vi.advanceTimersByTime(1_000);
    expect(silent).toEqual([clock.now().getTime()]);

    // It said so once and stopped checking.
    clock.advance(60_000);
    vi.advanceTimersByTime(10_000);
    expect(silent).toHaveLength(1);
    watchdog.stop();
  });

  it('a heartbeat starts the silence over', () => {
    const clock = new FakeClock();
    let silent = 0;
    const watchdog = watchHeartbeats({ clock, intervalMs: 1_000, onSilent: () => { silent += 1; } });
    for (let i = 0; i < 10; i++) {
      clock.advance(2_500);
      watchdog.seen();
      vi.advanceTimersByTime(1_000);
    }
    expect(silent).toBe(0);
    clock.advance(3_001);
    vi.advanceTimersByTime(1_000);
    expect(silent).toBe(1);
    watchdog.stop();
  });

  it('stopped, it never calls', () => {
    const clock = new FakeClock();
    let silent = 0;
    watchHeartbeats({ clock, intervalMs: 1_000, onSilent: () => { silent += 1; } }).stop();
    clock.advance(60_000);
    vi.advanceTimersByTime(10_000);
    expect(silent).toBe(0);
  });
});

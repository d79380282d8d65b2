import { afterEach, describe, expect, it, vi } from 'vitest';
import { SingleFlight } from './singleFlight.js';

/** A run that ends when told to, counting how many ran and how many at once. */
function gatedWork() {
  const state = { started: 0, active: 0, most: 0, release: [] as Array<() => void> };
  const run = () => new Promise<void>((resolve) => {
    state.started += 1;
    state.active += 1;
    state.most = Math.max(state.most, state.active);
    state.release.push(() => { state.active -= 1; resolve(); });
  });
  const finishOne = async () => { state.release.shift()!(); await new Promise((r) => setImmediate(r)); };
  return { state, run, finishOne };
}

describe('SingleFlight', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('runs now; any number of triggers during a run make exactly one more, never overlapping', async () => {
    const { state, run, finishOne } = gatedWork();
    const flight = new SingleFlight(run, () => {});
    flight.trigger();
    expect(state.started).toBe(1);
    for (let i = 0; i < 5; i++) flight.trigger();
    expect(state.started).toBe(1);
    await finishOne();
    expect(state.started).toBe(2);
    await finishOne();
    await flight.settled();
    expect(state.started).toBe(2);
    expect(state.most).toBe(1);
  });

  it('a failed run is reported and the next trigger runs again', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const flight = new SingleFlight(async () => { calls += 1; if (calls === 1) throw new Error('the database went away'); }, (err) => errors.push(err));
    flight.trigger();
    await flight.settled();
    flight.trigger();
    await flight.settled();
    expect(calls).toBe(2);
    expect(errors.map((e) => (e as Error).message)).toEqual(['the database went away']);
  });

  it('runs on its timer, and after stop() nothing runs, stop waiting for the run under way', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { state, run, finishOne } = gatedWork();
    const flight = new SingleFlight(run, () => {});
    flight.start(1_000);
    expect(state.started).toBe(1);
    await finishOne();
    vi.advanceTimersByTime(1_000);
    expect(state.started).toBe(2);
    flight.trigger();
    let stopped = false;
    const stopping = flight.stop().then(() => { stopped = true; });
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    await finishOne();
    await stopping;
    expect(stopped).toBe(true);
    vi.advanceTimersByTime(10_000);
    flight.trigger();
    expect(state.started).toBe(2);
  });
});

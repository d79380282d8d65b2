import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { RateLimitedError } from '../errors.js';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase.js';
import { AttemptLimiter } from './rateLimiter.js';

describe('attempt limiter (in the database)', () => {
  let t: TestDatabase;
  const clock = new FakeClock();
  beforeAll(async () => { t = await openTestDatabase(); });
  afterAll(async () => { await t.close(); });

  const outcomes = (n: number, limiter: AttemptLimiter, key: string) =>
    Promise.all(Array.from({ length: n }, () => limiter.consume(key).then(() => 'passed', (err: unknown) => {
      if (err instanceof RateLimitedError) return `limited ${err.retryAfterSeconds}`;
      throw err;
    })));

  it('lets exactly the limit of parallel attempts through, and says how long the rest must wait', async () => {
    const limiter = new AttemptLimiter(t.db, clock, 'test:parallel', 5, 60_000);
    const results = await outcomes(40, limiter, 'k');
    expect(results.filter((r) => r === 'passed')).toHaveLength(5);
    expect(results.filter((r) => r === 'limited 60')).toHaveLength(35);
    // Another key, and the same key in another scope, count on their own.
    expect(await outcomes(1, limiter, 'other')).toEqual(['passed']);
    expect(await outcomes(1, new AttemptLimiter(t.db, clock, 'test:elsewhere', 5, 60_000), 'k')).toEqual(['passed']);
  });

  it('keeps the window fixed from the first attempt, then starts again', async () => {
    const limiter = new AttemptLimiter(t.db, clock, 'test:window', 2, 60_000);
    await outcomes(2, limiter, 'k');
    clock.advance(45_000);
    expect(await outcomes(3, limiter, 'k')).toEqual(['limited 15', 'limited 15', 'limited 15']);
    clock.advance(15_000);
    expect((await outcomes(3, limiter, 'k')).sort()).toEqual(['limited 60', 'passed', 'passed']);
    await limiter.reset('k');
    expect(await outcomes(1, limiter, 'k')).toEqual(['passed']);
  });

  it('counts no further than one past the limit, and forgets windows that have ended', async () => {
    const limiter = new AttemptLimiter(t.db, clock, 'test:sweep', 3, 60_000);
    await outcomes(20, limiter, 'k');
    const row = await t.db.selectFrom('rate_limit_windows').select('attempts').where('scope', '=', 'test:sweep').executeTakeFirstOrThrow();
    expect(row.attempts).toBe(4);
    clock.advance(2 * 60_000);
    await outcomes(1, limiter, 'fresh');
    const keys = await t.db.selectFrom('rate_limit_windows').select('key').where('scope', '=', 'test:sweep').execute();
    expect(keys.map((k) => k.key)).toEqual(['fresh']);
  });
});

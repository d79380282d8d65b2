import { expect, it } from 'vitest';
import { testEngine, type TestEngine } from './testDatabase.js';

/**
 * Every test that can run on one engine only, and why, in one list (as Hono's
 * shared router suites list what each router leaves out). A test is added here
 * and registered through `engineSpecific`; nothing else reads the test engine
 * to decide whether a test exists (engineSpecific.test.ts checks that).
 */
export const engineSpecificTests: ReadonlyArray<{ engine: TestEngine; reason: string }> = [
  { engine: 'postgres', reason: 'PGlite runs inside the process, so it has no connections for a server to end' },
  { engine: 'postgres', reason: 'several portal replicas share one PostgreSQL; PGlite belongs to one process' },
  { engine: 'postgres', reason: 'LISTEN/NOTIFY carries events between processes; PGlite runs inside one' },
];

/**
 * Registers a test that can run on one engine only. On that engine `register`
 * declares it (it(...)); on the other a test stands in its place, named for the
 * reason, that checks the reason is in `engineSpecificTests`. So the test is
 * counted in both passes and never silently absent, and no test is skipped
 * (scripts/test.mjs refuses skips). An unlisted reason fails in both passes.
 */
export function engineSpecific(engine: TestEngine, reason: string, register: () => void): void {
  const listed = engineSpecificTests.some((t) => t.engine === engine && t.reason === reason);
  if (testEngine() === engine) {
    if (!listed) throw new Error(`an engine-specific test without an entry in engineSpecificTests (testing/engineSpecific.ts): ${reason}`);
    register();
    return;
  }
  it(`runs on ${engine === 'postgres' ? 'PostgreSQL' : 'PGlite'} only: ${reason}`, () => {
    expect(engineSpecificTests).toContainEqual({ engine, reason });
  });
}

import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { engineSpecificTests } from './engineSpecific.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name === 'dist') return [];
    const path = join(dir, e.name);
    return e.isDirectory() ? testFiles(path) : /\.test\.tsx?$/.test(e.name) ? [path] : [];
  });
}

describe('engine-specific tests', () => {
  it('are decided in testing/ only: no test file reads the engine variable to register a test or not', () => {
    const variable = ['PADDOCK', 'TEST', 'DB'].join('_');
    const readers = [...testFiles(join(root, 'e2e')), ...testFiles(join(root, 'packages'))]
      .filter((f) => readFileSync(f, 'utf8').includes(variable))
      .map((f) => relative(root, f));
    expect(readers).toEqual([]);
  });

  it('each have a reason, listed once', () => {
    expect(engineSpecificTests.length).toBeGreaterThan(0);
    for (const t of engineSpecificTests) expect(t.reason.length, t.reason).toBeGreaterThan(20);
    expect(new Set(engineSpecificTests.map((t) => t.reason)).size).toBe(engineSpecificTests.length);
  });
});

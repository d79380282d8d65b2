import { defineConfig } from 'vitest/config';

// `npm run screenshots` only: the pass that photographs every page. It asserts the pages
// render, but it is not part of `npm test` (it writes files into docs/).
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['e2e/screenshots/*.run.ts'],
    testTimeout: 600_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});

import { defineConfig } from 'vitest/config';

// Tests sit beside the code they test (*.test.ts). Browser journeys live in e2e/.
// They import other packages through their built dist/, so `npm test` builds first.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});

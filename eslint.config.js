// `npm run lint` (and `npm test`, first): two rules, over the portal, the agent, the CLI and the protocol.
// A promise that is neither awaited, returned nor caught ends the process when it rejects (Node's default),
// so every promise must be; `void promise` doesn't count. Type-aware, hence the TypeScript project service.
// And only the clock module reads the system's time: whatever depends on time is given a Clock, so
// tests can move it (protocol/src/clock.ts says why; deadlineIn is its monotonic time limit).
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const sources = ['packages/portal/src/**/*.ts', 'packages/agent/src/**/*.ts', 'packages/cli/src/**/*.ts', 'packages/protocol/src/**/*.ts'];
const useTheClock = 'only the clock module reads system time: take a Clock from clock.ts (deadlineIn for a time limit, stopwatch to measure a duration)';

export default defineConfig(
  {
    files: sources,
    ignores: ['**/*.test.ts', '**/generated/**'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    // Other rules' directives in the sources are not this config's business.
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }],
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: useTheClock },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: useTheClock },
        { selector: "CallExpression[callee.name='Date']", message: useTheClock },
        { selector: "CallExpression[callee.object.name='performance'][callee.property.name='now']", message: useTheClock },
      ],
    },
  },
  { files: ['packages/protocol/src/clock.ts'], rules: { 'no-restricted-syntax': 'off' } },
  // paddock-guard is its own small program inside every workspace, not the agent: it loads only node's
  // own modules (it runs before every tool call, and must start fast), so it reads the time itself.
  { files: ['packages/agent/src/guard/main.ts'], rules: { 'no-restricted-syntax': 'off' } },
);

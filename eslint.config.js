// `npm run lint` (and `npm test`, first): one rule, over the portal, the agent and the CLI. A promise
// that is neither awaited, returned nor caught ends the process when it rejects (Node's default), so every
// promise must be; `void promise` doesn't count. Type-aware, hence the TypeScript project service.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig({
  files: ['packages/portal/src/**/*.ts', 'packages/agent/src/**/*.ts', 'packages/cli/src/**/*.ts'],
  ignores: ['**/*.test.ts', '**/generated/**'],
  languageOptions: {
    parser: tseslint.parser,
    parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
  },
  plugins: { '@typescript-eslint': tseslint.plugin },
  // Other rules' directives in the sources are not this config's business.
  linterOptions: { reportUnusedDisableDirectives: 'off' },
  rules: { '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }] },
});

#!/usr/bin/env node
// `npm run screenshots`: builds if needed, then photographs every page of the web app at
// 1280 and 1920 wide, in the light and the dark theme, into docs/screenshots/ (and its README).
import { spawnSync } from 'node:child_process';
import { ensureBuilt, ensureDebianPackages, ensureNodeModules, ensureTemplateModules, root } from './lib/setup.mjs';

ensureNodeModules();
ensureTemplateModules();
ensureDebianPackages({ bwrap: 'bubblewrap', chromium: 'chromium' });
ensureBuilt();
const vitest = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'e2e/screenshots/vitest.config.ts'], { cwd: root, stdio: 'inherit' });
process.exit(vitest.status ?? 1);

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * OpenCode installs @opencode-ai/plugin (for plugins to import) into its
 * global config directory before it loads any plugin, from the npm registry.
 * A workspace has no network, and every workspace loads a plugin (the one
 * that asks paddock-guard, from /etc/opencode): each OpenCode start would
 * wait over a minute for the install to give up. OpenCode skips it where
 * node_modules exists and the lock file lists the package, so that is what
 * is seeded; a builder's own lock file is left as it is. The plugin we load
 * imports nothing of the package.
 */
export function seedOpencodeConfigDir(home: string | undefined): void {
  if (!home) return;
  const dir = join(home, '.config', 'opencode');
  const lock = join(dir, 'package-lock.json');
  if (existsSync(lock)) return;
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  const dependencies = { '@opencode-ai/plugin': '*' };
  writeFileSync(lock, `${JSON.stringify({ name: 'opencode', lockfileVersion: 3, requires: true, packages: { '': { dependencies } } }, null, 2)}\n`);
}

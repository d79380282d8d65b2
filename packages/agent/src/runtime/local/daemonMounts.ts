import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the daemon's code appears inside a sandbox. */
export const sandboxCodeRoot = '/opt/paddock';

export interface ReadOnlyMount {
  source: string;
  dest: string;
}

export function defaultDaemonEntry(): string {
  // The same relative path holds from src/ (tests) and dist/ (built).
  return fileURLToPath(new URL('../../../../workspaced/dist/main.js', import.meta.url));
}

/**
 * The daemon's dist and the packages it loads at run time, each mounted alone
 * so nothing else of the host's checkout is visible in the sandbox.
 */
export function daemonMounts(daemonEntry: string): { mounts: ReadOnlyMount[]; entry: string } {
  const distDir = realpathSync(dirname(daemonEntry));
  const packageDir = dirname(distDir);
  const protocolDir = packageRoot(packageDir, '@paddock/protocol');
  const modules = `${sandboxCodeRoot}/node_modules`;
  const mounts: ReadOnlyMount[] = [
    { source: distDir, dest: `${sandboxCodeRoot}/workspaced/dist` },
    { source: join(packageDir, 'package.json'), dest: `${sandboxCodeRoot}/workspaced/package.json` },
    { source: join(protocolDir, 'package.json'), dest: `${modules}/@paddock/protocol/package.json` },
    { source: join(protocolDir, 'dist'), dest: `${modules}/@paddock/protocol/dist` },
    { source: packageRoot(packageDir, 'node-pty'), dest: `${modules}/node-pty` },
    { source: packageRoot(packageDir, 'ws'), dest: `${modules}/ws` },
    { source: packageRoot(protocolDir, 'zod'), dest: `${modules}/zod` },
  ];
  const entryName = daemonEntry.slice(dirname(daemonEntry).length + 1);
  return { mounts, entry: `${sandboxCodeRoot}/workspaced/dist/${entryName}` };
}

/** Finds a package the way Node would from `fromDir`, through workspace symlinks to its real directory. */
function packageRoot(fromDir: string, name: string): string {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) throw new Error(`cannot find ${name} from ${fromDir}; is the repository installed?`);
  }
}

// Set-up shared by `npm start`, `npm test` and `npm run bench`, written in plain
// JavaScript with no dependencies so it runs on a fresh clone before `npm ci`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export function log(msg) {
  process.stdout.write(`\x1b[36m▸\x1b[0m ${msg}\n`);
}

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
  }
}

/** npm packages: installed from the lockfile when node_modules is missing or older than it. */
export function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('Installing npm packages (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/**
 * The React + Vite starter's node_modules, bound read-only into its workspaces
 * (they have no network to install it). Its own tree, not an npm workspace.
 */
export function ensureTemplateModules() {
  const dir = join(root, 'packages', 'templates', 'react-vite');
  if (!existsSync(join(dir, 'package-lock.json')) || existsSync(join(dir, 'node_modules', '.package-lock.json'))) return;
  log('Installing the React + Vite template (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--prefix', dir]);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the TypeScript packages and the web app when their sources changed since the last build. */
export function ensureBuilt() {
  const stamp = join(root, 'packages', 'web', 'dist', 'index.html');
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  if (built > newestMtime(join(root, 'packages'))) return;
  log('Building…');
  run('npm', ['run', 'build']);
}

function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Debian packages, as {command: package}, or {absolute path: package} for one that
 * brings no command (a library). As root they are installed with apt-get;
 * otherwise we stop and print the exact command to run.
 */
export function ensureDebianPackages(needed) {
  const present = (what) => (what.startsWith('/') ? existsSync(what) : hasCommand(what));
  const missing = Object.entries(needed).filter(([what]) => !present(what)).map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (!isRoot) {
    throw new Error(`Paddock needs these system packages: ${missing.join(', ')}.\nInstall them with:\n\n  sudo sh -c '${command}'\n`);
  }
  log(`Installing system packages: ${missing.join(', ')}…`);
  execFileSync('sh', ['-c', `DEBIAN_FRONTEND=noninteractive ${command} >/tmp/paddock-apt.log 2>&1`], { stdio: 'inherit' });
}

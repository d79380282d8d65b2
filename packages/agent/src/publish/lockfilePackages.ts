import { parseSyml } from '@yarnpkg/parsers';

/** The lockfiles read, by file name. */
export const readLockfiles = new Set(['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock']);

/**
 * The packages a lockfile installs, by name, with every version of each (one
 * package can be installed at several versions). `name` is the lockfile's
 * file name, which says its format.
 */
export function lockfilePackages(name: string, text: string): Map<string, Set<string>> {
  if (name === 'pnpm-lock.yaml') return pnpmPackages(parseSyml(text));
  if (name === 'yarn.lock') return yarnPackages(parseSyml(text));
  return npmPackages(text);
}

/**
 * npm's package-lock.json or npm-shrinkwrap.json: lockfileVersion 2 and 3
 * (the `packages` map, keyed by install path) and 1 (the nested
 * `dependencies` tree). The app's own workspace packages and links are not
 * dependencies and are left out.
 */
function npmPackages(text: string): Map<string, Set<string>> {
  const lock = JSON.parse(text) as unknown;
  if (!isObject(lock)) throw new Error('not a JSON object');
  const { found, add } = collector();
  if (isObject(lock.packages)) {
    for (const [path, entry] of Object.entries(lock.packages)) {
      const at = path.lastIndexOf('node_modules/');
      if (at === -1 || !isObject(entry) || entry.link === true) continue;
      add(path.slice(at + 'node_modules/'.length), entry.version);
    }
    return found;
  }
  const walk = (dependencies: unknown, depth: number) => {
    if (!isObject(dependencies) || depth > 64) return;
    for (const [name, entry] of Object.entries(dependencies)) {
      if (!isObject(entry)) continue;
      if (typeof entry.version === 'string' && !entry.version.startsWith('file:')) add(name, entry.version);
      walk(entry.dependencies, depth + 1);
    }
  };
  walk(lock.dependencies, 0);
  return found;
}

/**
 * pnpm-lock.yaml's `packages`, keyed `name@version` (lockfileVersion 9),
 * `/name@version(peers)` (6) or `/name/version_peers` (5).
 */
function pnpmPackages(lock: unknown): Map<string, Set<string>> {
  if (!isObject(lock) || !isObject(lock.packages)) return new Map();
  const major = Number.parseInt(String(lock.lockfileVersion), 10);
  const { found, add } = collector();
  for (const key of Object.keys(lock.packages)) {
    const id = key.replace(/^\//, '').replace(/\(.*$/, '');
    if (major >= 6) {
      const at = id.indexOf('@', 1);
      if (at > 0) add(id.slice(0, at), id.slice(at + 1));
    } else {
      const slash = id.lastIndexOf('/');
      if (slash > 0) add(id.slice(0, slash), id.slice(slash + 1).replace(/_.*$/, ''));
    }
  }
  return found;
}

/**
 * yarn.lock, classic (v1) or Berry: entries keyed by their descriptors
 * (`name@range`, several joined by ", "), each with its `version`; the app's
 * own workspaces (`linkType: soft`) are left out.
 */
function yarnPackages(lock: unknown): Map<string, Set<string>> {
  if (!isObject(lock)) return new Map();
  const { found, add } = collector();
  for (const [key, entry] of Object.entries(lock)) {
    if (key === '__metadata' || !isObject(entry) || entry.linkType === 'soft') continue;
    const descriptor = key.split(',')[0]!.trim();
    const at = descriptor.indexOf('@', 1);
    if (at > 0) add(descriptor.slice(0, at), entry.version);
  }
  return found;
}

function collector() {
  const found = new Map<string, Set<string>>();
  const add = (name: string, version: unknown) => {
    if (typeof version !== 'string' || name === '') return;
    let versions = found.get(name);
    if (!versions) found.set(name, (versions = new Set()));
    versions.add(version);
  };
  return { found, add };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

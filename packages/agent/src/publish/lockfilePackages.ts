/**
 * The packages an npm lockfile installs, by name, with every version of each
 * (one package can be installed at several versions, nested). Reads
 * lockfileVersion 2 and 3 (the `packages` map, keyed by install path) and 1
 * (the nested `dependencies` tree). The app's own workspace packages and
 * links are not dependencies and are left out.
 */
export function lockfilePackages(text: string): Map<string, Set<string>> {
  const lock = JSON.parse(text) as unknown;
  if (!isObject(lock)) throw new Error('not a JSON object');
  const found = new Map<string, Set<string>>();
  const add = (name: string, version: unknown) => {
    if (typeof version !== 'string' || name === '') return;
    let versions = found.get(name);
    if (!versions) found.set(name, (versions = new Set()));
    versions.add(version);
  };
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

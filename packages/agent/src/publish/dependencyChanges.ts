import type { PublishCheck } from './publishCheck.js';
import { lockfilePackages, readLockfiles } from './lockfilePackages.js';
import type { DiffBase, TreeEntry, VersionStore } from './versionStore.js';

export type DependencyChange =
  | { lockfile: string; package: string; change: 'added'; to: string }
  | { lockfile: string; package: string; change: 'removed'; from: string }
  | { lockfile: string; package: string; change: 'upgraded' | 'downgraded' | 'changed'; from: string; to: string }
  /** A lockfile that changed but could not be read (malformed, too large, or a format not read yet). */
  | { lockfile: string; change: 'unread'; reason: string };

/** Lockfiles whose change is reported though their packages are not read yet. */
const UNREAD_LOCKFILES = new Set(['bun.lockb', 'bun.lock']);
const MAX_LOCKFILE_BYTES = 64 * 1024 * 1024;

/**
 * Packages added, removed or moved to another version between two versions
 * (`from` may be a base tree or 'empty', for a first publish), read from
 * every npm, pnpm and yarn lockfile of the app (not those inside
 * node_modules). A change to a bun lockfile is reported as unread. Warning
 * when anything changed, passed when nothing did.
 */
export async function dependencyChanges(store: VersionStore, from: DiffBase, to: string): Promise<PublishCheck<DependencyChange>> {
  const before = lockfiles(await store.files(from));
  const after = lockfiles(await store.files(await store.commit(to)));
  const findings: DependencyChange[] = [];
  for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const old = before.get(path);
    const now = after.get(path);
    if (old?.object === now?.object) continue;
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (!readLockfiles.has(name)) {
      findings.push({ lockfile: path, change: 'unread', reason: `${name} is not read yet: its changes are not listed` });
      continue;
    }
    try {
      findings.push(...compare(path, await packagesOf(store, name, old), await packagesOf(store, name, now)));
    } catch (err) {
      findings.push({ lockfile: path, change: 'unread', reason: (err as Error).message });
    }
  }
  return { name: 'dependency-changes', status: findings.length > 0 ? 'warning' : 'passed', findings };
}

function lockfiles(entries: readonly TreeEntry[]): Map<string, TreeEntry> {
  const found = new Map<string, TreeEntry>();
  for (const entry of entries) {
    const segments = entry.path.split('/');
    const name = segments[segments.length - 1]!;
    if (entry.mode !== '100644' && entry.mode !== '100755') continue;
    if (segments.includes('node_modules') || !(readLockfiles.has(name) || UNREAD_LOCKFILES.has(name))) continue;
    found.set(entry.path, entry);
  }
  return found;
}

async function packagesOf(store: VersionStore, name: string, entry: TreeEntry | undefined): Promise<Map<string, Set<string>>> {
  if (!entry) return new Map();
  if (entry.size > MAX_LOCKFILE_BYTES) throw new Error(`${entry.size} bytes, more than the ${MAX_LOCKFILE_BYTES} read`);
  for await (const content of store.blobs([entry.object])) return lockfilePackages(name, content.toString('utf8'));
  return new Map();
}

function compare(lockfile: string, before: Map<string, Set<string>>, after: Map<string, Set<string>>): DependencyChange[] {
  const changes: DependencyChange[] = [];
  for (const name of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const from = [...(before.get(name) ?? [])].sort();
    const to = [...(after.get(name) ?? [])].sort();
    if (from.join('\n') === to.join('\n')) continue;
    if (from.length === 0) changes.push({ lockfile, package: name, change: 'added', to: to.join(', ') });
    else if (to.length === 0) changes.push({ lockfile, package: name, change: 'removed', from: from.join(', ') });
    else if (from.length === 1 && to.length === 1) changes.push({ lockfile, package: name, change: direction(from[0]!, to[0]!), from: from[0]!, to: to[0]! });
    else changes.push({ lockfile, package: name, change: 'changed', from: from.join(', '), to: to.join(', ') });
  }
  return changes;
}

/** Up or down by the numeric release parts; 'changed' when those are equal (a prerelease, a tag, a URL). */
function direction(from: string, to: string): 'upgraded' | 'downgraded' | 'changed' {
  const release = (v: string) => /^v?(\d+)\.(\d+)\.(\d+)/.exec(v)?.slice(1).map(Number);
  const a = release(from);
  const b = release(to);
  if (!a || !b) return 'changed';
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? 'upgraded' : 'downgraded';
  return 'changed';
}

import picomatch from 'picomatch';

/**
 * A remote as rules and events see it: credentials removed (`https://user:token@host/…`
 * never reaches a rule, a log or the portal), the host lower-cased.
 */
export function normalizeRemote(remote: string): string {
  try {
    const url = new URL(remote);
    if (url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'ssh:' || url.protocol === 'git:') {
      url.username = '';
      url.password = '';
      return url.toString();
    }
  } catch {
    // scp-like `git@host:org/repo.git` or a path: no URL
  }
  const scp = /^([^@/:]+@)?([^/:]+):(.*)$/.exec(remote);
  if (scp) return `${scp[1] ?? ''}${(scp[2] ?? '').toLowerCase()}:${scp[3] ?? ''}`;
  return remote;
}

/** A remote glob: `*` matches any run of characters (slashes too: remotes are URLs). */
export function remotePatternMatches(pattern: string, remote: string): boolean {
  const source = `^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`;
  return new RegExp(source, 's').test(normalizeRemote(remote));
}

/**
 * A ref glob. A pattern that starts with `refs/` matches the full ref; one that
 * doesn't (`main`, `release/*`) matches a branch or tag by its short name.
 */
export function refPatternMatches(pattern: string, ref: string): boolean {
  const full = ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
  if (pattern.startsWith('refs/')) return picomatch.isMatch(full, pattern, { dot: true });
  const short = full.replace(/^refs\/(heads|tags)\//, '');
  return picomatch.isMatch(short, pattern, { dot: true });
}

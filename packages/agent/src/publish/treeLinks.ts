/**
 * Whether a symlink stored in a version resolves inside the version's root, the
 * way the kernel would walk it: component by component, through the other
 * links of the same tree (so `a -> b/..` with `b -> ../..` is caught, which
 * normalising the text alone would miss). Absolute targets are outside: the
 * host's `/` is not the app's. `links` maps each link's path to its target.
 */
export function linkStaysInside(links: ReadonlyMap<string, string>, linkPath: string): boolean {
  const first = links.get(linkPath);
  if (first === undefined) return true;
  if (first.startsWith('/')) return false;
  const current = linkPath.split('/').slice(0, -1);
  const pending = first.split('/');
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (current.length === 0) return false;
      current.pop();
      continue;
    }
    const target = links.get([...current, part].join('/'));
    if (target === undefined) {
      current.push(part);
      continue;
    }
    // Like ELOOP: a chain this long is refused rather than followed.
    if (++hops > 40 || target.startsWith('/')) return false;
    pending.unshift(...target.split('/'));
  }
  return true;
}

import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Takes every group and other permission bit off `path` and, for a directory,
 * everything under it (links are left alone, never followed). What the portal
 * keeps (the embedded database, keys, TLS material) is its own user's only;
 * running this at each start also tightens a data dir an older version left
 * loose (PGlite's initdb writes its files 0666 and its directories 0755).
 */
export function restrictToOwner(path: string): void {
  const stack = [path];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    let st;
    try {
      st = lstatSync(next);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    if (st.isSymbolicLink()) continue;
    const mode = st.mode & 0o7777;
    if (mode & 0o077) chmodSync(next, mode & ~0o077);
    if (st.isDirectory()) for (const name of readdirSync(next)) stack.push(join(next, name));
  }
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every regular file under `dir` (host side), read whole; sockets and the like are skipped.
 * The workspace keeps running while this reads: a file or directory gone in between (a tool's
 * temp file renamed into place, say) is skipped; what it became is read under its new name.
 */
export function filesUnder(dir: string): Array<{ path: string; content: Buffer }> {
  const out: Array<{ path: string; content: Buffer }> = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(ifPresent(() => filesUnder(path)) ?? []));
    else if (entry.isFile()) {
      const content = ifPresent(() => readFileSync(path));
      if (content) out.push({ path, content });
    }
  }
  return out;
}

function ifPresent<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

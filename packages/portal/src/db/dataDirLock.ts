import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { systemClock } from '../clock.js';

/**
 * PGlite has no lock of its own: a second process that opens the same directory
 * starts its own Postgres on it and wrecks the first one's database (seen here:
 * the other process's tables vanish and it crashes). So every opener of the
 * embedded database takes this lock first: a file beside the directory naming
 * the holder by pid and kernel start time, so a holder that died (kill -9, a
 * power cut) is told apart from a live one, even after its pid is reused.
 * A holder on another host (a container that was replaced, a shared volume)
 * can't be checked that way: the holder touches the file every 15 s, and such a
 * lock is stale once it is a minute old.
 */
export interface DataDirLock {
  readonly path: string;
  release(): void;
}

interface Holder { pid: number; startTime: string; host: string; command: string; at: string }

export class DataDirLockedError extends Error {
  constructor(readonly dir: string, readonly holder: Holder) {
    super(holder.host === hostname()
      ? `the embedded database ${dir} is open in process ${holder.pid} (${holder.command}, since ${holder.at}); `
        + 'only one process may open it: stop the portal first (with PostgreSQL, this works while portals run)'
      : `the embedded database ${dir} is locked by process ${holder.pid} on host ${holder.host}; `
        + 'stop it there first (a lock its holder stops renewing is taken over after a minute)');
    this.name = 'DataDirLockedError';
  }
}

/** The kernel's start time of a live process (Linux), or undefined when it is gone or a zombie. */
function startTimeOf(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return fields[19];
}

// The system's clock, not an injected one: the lock file's mtime is compared across processes and hosts.
const HEARTBEAT_MS = 15_000;
const FOREIGN_STALE_MS = 60_000;

function isAlive(holder: Holder, path: string): boolean {
  if (holder.host !== hostname()) {
    try { return systemClock.now().getTime() - statSync(path).mtimeMs < FOREIGN_STALE_MS; } catch { return false; }
  }
  const start = startTimeOf(holder.pid);
  if (start !== undefined) return start === holder.startTime;
  if (process.platform === 'linux') return false;
  try { process.kill(holder.pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

function readHolderText(path: string): string | undefined {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
}

function readHolder(path: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.startTime === 'string' && typeof h.host === 'string'
      ? { pid: h.pid, startTime: h.startTime, host: h.host, command: String(h.command ?? ''), at: String(h.at ?? '') }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock for the embedded database at `dir` (the file `<dir>.lock`), or
 * throws DataDirLockedError naming the live holder. A stale lock is moved aside
 * and checked before it is replaced, so two processes breaking it at once can't
 * both win.
 */
export function lockDataDir(dir: string): DataDirLock {
  const path = `${dir}.lock`;
  const me: Holder = {
    pid: process.pid, startTime: startTimeOf(process.pid) ?? '', host: hostname(),
    command: process.argv.slice(1, 3).join(' ').slice(0, 200), at: systemClock.now().toISOString(),
  };
  const mine = `${JSON.stringify(me)}\n`;
  // Written whole to a private name, then linked into place: the lock never exists half-written.
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'wx', 0o600);
  try { writeSync(fd, mine); } finally { closeSync(fd); }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(tmp, path);
        const heartbeat = setInterval(() => { try { const now = systemClock.now(); utimesSync(path, now, now); } catch { /* released */ } }, HEARTBEAT_MS);
        heartbeat.unref();
        return {
          path,
          release: () => {
            clearInterval(heartbeat);
            if (readHolderText(path) === mine) rmSync(path, { force: true });
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readHolder(path);
      if (holder && isAlive(holder, path)) throw new DataDirLockedError(dir, holder);
      // Stale (or unreadable: a crash while an old version wrote it). Move it aside, then make sure
      // what we moved is what we judged stale: a live lock taken meanwhile goes back.
      const aside = `${path}.stale.${randomBytes(4).toString('hex')}`;
      try { renameSync(path, aside); } catch (err) { if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; throw err; }
      const moved = readHolder(aside);
      if (moved && isAlive(moved, aside)) {
        try { linkSync(aside, path); } finally { rmSync(aside, { force: true }); }
        throw new DataDirLockedError(dir, moved);
      }
      rmSync(aside, { force: true });
    }
    throw new Error(`could not take the lock ${path}: it keeps changing; is another process starting on ${dir}?`);
  } finally {
    rmSync(tmp, { force: true });
  }
}

import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deadlineIn } from '../../../clock.js';

/** A mounted cgroup hierarchy, from /proc/self/mountinfo. */
export interface CgroupMount {
  /** Where it is mounted, e.g. /sys/fs/cgroup/memory. */
  path: string;
  /** The cgroup shown at the mount point (/ unless this is a bind mount of a sub-tree, as in some containers). */
  root: string;
  version: 1 | 2;
  /** v1: the controllers bound to this hierarchy (memory, pids, cpu, ...). */
  controllers: string[];
}

/** Every cgroup hierarchy mounted in this process's mount namespace. */
export function readCgroupMounts(mountInfoPath = '/proc/self/mountinfo'): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of readFileSync(mountInfoPath, 'utf8').split('\n')) {
    // id parent dev root mountpoint options [optional...] - fstype source superoptions
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    const [fstype, , superOptions = ''] = right.split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const root = unescapeMountField(fields[3] ?? '/');
    const path = unescapeMountField(fields[4] ?? '');
    if (!path) continue;
    const version = fstype === 'cgroup2' ? 2 : 1;
    const controllers = version === 1 ? superOptions.split(',').filter((o) => !o.includes('=') && !['rw', 'ro'].includes(o)) : [];
    mounts.push({ path, root, version, controllers });
  }
  return mounts;
}

/** mountinfo writes space, tab, newline and backslash in paths as octal escapes. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function readText(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8').trim();
}

export function readNumber(dir: string, file: string): number {
  return Number(readText(dir, file));
}

/** A flat keyed file (memory.events, pids.events, cpu.stat, memory.oom_control): "key value" per line. */
export function readKeyed(dir: string, file: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readText(dir, file).split('\n')) {
    const [key, value] = line.split(/\s+/);
    if (key && value !== undefined) out[key] = Number(value);
  }
  return out;
}

export function writeText(dir: string, file: string, value: string): void {
  try {
    writeFileSync(join(dir, file), value);
  } catch (err) {
    throw new Error(`writing ${JSON.stringify(value)} to ${join(dir, file)}: ${(err as Error).message}`);
  }
}

/** Creates each missing directory from `base` down to base/relative, calling `onEach` on each level below base (made now or found). */
export function mkdirEach(base: string, relative: string, onEach: (dir: string) => void = () => undefined): string {
  let dir = base;
  for (const part of relative.split('/').filter(Boolean)) {
    onEach(dir);
    dir = join(dir, part);
    if (!existsSync(dir)) {
      try {
        mkdirSync(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`making ${dir}: ${(err as Error).message}`);
      }
    }
  }
  return dir;
}

/** Child cgroups of a directory (cgroupfs lists its own control files as plain files). */
export function childNames(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

export function readPids(dir: string): number[] {
  try {
    return readText(dir, 'cgroup.procs').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * SIGKILLs each process of the cgroup, each only after /proc/<pid>/cgroup
 * still names it: a pid read from cgroup.procs may belong to someone else by
 * the time we act on it.
 */
export function killMembers(dir: string, isMember: (procCgroup: string) => boolean): void {
  for (const pid of readPids(dir)) {
    let procCgroup: string;
    try {
      procCgroup = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    } catch {
      continue; // Already gone.
    }
    if (!isMember(procCgroup)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Ended between the check and the kill.
    }
  }
}

/** Removes an empty cgroup directory; one still holding cgroups stays. */
export function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // ENOTEMPTY or EBUSY: workspaces are still in it.
  }
}

/**
 * Removes cgroup directories once their processes are gone: rmdir is refused
 * (EBUSY) while a killed process is still exiting, so it is retried, with
 * `kill` run again each time in case something forked meanwhile.
 */
export async function removeCgroupDirs(dirs: string[], kill: () => void, timeoutMs = 10_000): Promise<void> {
  const deadline = deadlineIn(timeoutMs);
  for (;;) {
    kill();
    let busy: string | undefined;
    for (const dir of dirs) {
      try {
        rmdirSync(dir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') continue;
        if (code !== 'EBUSY') throw new Error(`removing ${dir}: ${(err as Error).message}`);
        busy = dir;
      }
    }
    if (!busy) return;
    if (deadline.passed()) throw new Error(`removing ${busy}: processes are still in it after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { childNames, killMembers, mkdirEach, readKeyed, readNumber, readPids, readText, removeCgroupDirs, removeIfEmpty, writeText, type CgroupMount } from './cgroupFs.js';
import { CPU_PERIOD_USEC, checkCgroupName, cpuQuotaUsec, type CgroupCounters, type CgroupLimits, type HostCgroups, type WorkspaceCgroup } from './cgroups.js';

const required = ['memory', 'pids', 'cpu'] as const;

/**
 * cgroup v2: one unified hierarchy. Controllers reach a cgroup only when every
 * ancestor enables them for its children (cgroup.subtree_control), so each
 * level from the root down to this agent's parent enables memory, pids and cpu.
 * Only the workspace cgroups (leaves) hold processes, as v2 requires.
 */
export function openCgroupV2(mount: CgroupMount, parent: string): HostCgroups {
  const offered = readText(mount.path, 'cgroup.controllers').split(/\s+/).filter(Boolean);
  const missing = required.filter((c) => !offered.includes(c));
  if (missing.length > 0) {
    throw new Error(`its root offers no ${missing.join(', ')} controller (on a hybrid host they belong to the v1 hierarchies)`);
  }
  const cgroups = new CgroupV2Hierarchy(mount, parent);
  cgroups.prepare();
  return cgroups;
}

function enableForChildren(dir: string): void {
  const enabled = readText(dir, 'cgroup.subtree_control').split(/\s+/);
  const add = required.filter((c) => !enabled.includes(c));
  // EBUSY here means the cgroup holds processes of its own (v2 allows controllers for children only in cgroups without).
  if (add.length > 0) writeText(dir, 'cgroup.subtree_control', add.map((c) => `+${c}`).join(' '));
}

class CgroupV2Hierarchy implements HostCgroups {
  readonly mechanism = 'cgroup-v2';
  readonly description = 'cgroup v2: memory limit with no swap, process limit, CPU quota';

  private readonly base: string;
  private readonly cgroupPath: string;

  constructor(private readonly mount: CgroupMount, private readonly parent: string) {
    this.base = join(mount.path, parent);
    this.cgroupPath = join(mount.root, parent);
  }

  /** The parent cgroups, made where missing (another agent instance's release() may have removed them), each handing the controllers down. */
  prepare(): void {
    enableForChildren(mkdirEach(this.mount.path, this.parent, enableForChildren));
  }

  create(name: string): WorkspaceCgroup {
    checkCgroupName(name);
    this.prepare();
    const dir = join(this.base, name);
    try {
      mkdirSync(dir);
    } catch (err) {
      throw new Error(`making ${dir}: ${(err as Error).message}`);
    }
    return new CgroupV2(dir, join(this.cgroupPath, name));
  }

  open(name: string): WorkspaceCgroup | undefined {
    checkCgroupName(name);
    const dir = join(this.base, name);
    return existsSync(dir) ? new CgroupV2(dir, join(this.cgroupPath, name)) : undefined;
  }

  names(): string[] {
    return childNames(this.base);
  }

  release(): void {
    removeIfEmpty(this.base);
  }
}

class CgroupV2 implements WorkspaceCgroup {
  readonly mechanism = 'cgroup-v2';
  readonly procsFiles: string[];

  constructor(private readonly dir: string, private readonly cgroupPath: string) {
    this.procsFiles = [join(dir, 'cgroup.procs')];
  }

  setLimits(limits: CgroupLimits): void {
    writeText(this.dir, 'memory.max', String(limits.memoryBytes));
    // Absent where the kernel has no swap accounting.
    if (existsSync(join(this.dir, 'memory.swap.max'))) writeText(this.dir, 'memory.swap.max', '0');
    writeText(this.dir, 'pids.max', String(limits.processes));
    writeText(this.dir, 'cpu.max', `${cpuQuotaUsec(limits.cpus)} ${CPU_PERIOD_USEC}`);
  }

  limits(): CgroupLimits {
    const unlimited = (text: string) => (text === 'max' ? Number.POSITIVE_INFINITY : Number(text));
    const [quota = 'max', period = String(CPU_PERIOD_USEC)] = readText(this.dir, 'cpu.max').split(' ');
    return {
      memoryBytes: unlimited(readText(this.dir, 'memory.max')),
      processes: unlimited(readText(this.dir, 'pids.max')),
      cpus: unlimited(quota) / Number(period),
    };
  }

  counters(): CgroupCounters {
    return {
      memoryBytes: readNumber(this.dir, 'memory.current'),
      oomKills: readKeyed(this.dir, 'memory.events').oom_kill ?? 0,
      processes: readNumber(this.dir, 'pids.current'),
      processLimitHits: readKeyed(this.dir, 'pids.events').max ?? 0,
      cpuUsageUsec: readKeyed(this.dir, 'cpu.stat').usage_usec,
    };
  }

  pids(): number[] {
    return readPids(this.dir);
  }

  async remove(): Promise<void> {
    // cgroup.kill (Linux 5.14) ends every process inside at once, with no pid to race on.
    const canKill = existsSync(join(this.dir, 'cgroup.kill'));
    const isMember = (procCgroup: string) => procCgroup.split('\n').includes(`0::${this.cgroupPath}`);
    await removeCgroupDirs([this.dir], () => {
      if (canKill && existsSync(this.dir)) writeText(this.dir, 'cgroup.kill', '1');
      else killMembers(this.dir, isMember);
    });
  }
}

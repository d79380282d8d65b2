import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { childNames, killMembers, mkdirEach, readKeyed, readNumber, readPids, readText, removeCgroupDirs, removeIfEmpty, writeText, type CgroupMount } from './cgroupFs.js';
import { CPU_PERIOD_USEC, checkCgroupName, cpuQuotaUsec, type CgroupCounters, type CgroupLimits, type HostCgroups, type WorkspaceCgroup } from './cgroups.js';

const required = ['memory', 'pids', 'cpu'] as const;
type Controller = (typeof required)[number] | 'cpuacct';

/** Where one controller's hierarchy is, and this agent's parent cgroup in it. */
interface Hierarchy {
  mount: CgroupMount;
  /** <mount>/<parent> on the host. */
  base: string;
  /** The same, as /proc/<pid>/cgroup names it. */
  cgroupPath: string;
}

/**
 * cgroup v1: one hierarchy per controller (cpu and cpuacct are often mounted
 * together). The workspace gets a directory of the same name in the memory,
 * pids and cpu hierarchies (and cpuacct, for CPU accounting, where it exists).
 */
export function openCgroupV1(mounts: CgroupMount[], parent: string): HostCgroups {
  const v1 = mounts.filter((m) => m.version === 1);
  const find = (controller: string) => v1.find((m) => m.controllers.includes(controller));
  const missing = required.filter((c) => !find(c));
  if (missing.length > 0) throw new Error(`no hierarchy for ${missing.join(', ')}`);
  const hierarchies = new Map<Controller, Hierarchy>();
  for (const controller of [...required, 'cpuacct'] as const) {
    const mount = find(controller);
    if (!mount) continue;
    hierarchies.set(controller, { mount, base: join(mount.path, parent), cgroupPath: join(mount.root, parent) });
  }
  const cgroups = new CgroupV1Hierarchies(hierarchies, parent);
  // Made now: where this fails (not root, a read-only cgroupfs), nothing is usable, and the probe says so.
  cgroups.prepare();
  return cgroups;
}

class CgroupV1Hierarchies implements HostCgroups {
  readonly mechanism = 'cgroup-v1';
  readonly description: string;

  constructor(private readonly hierarchies: Map<Controller, Hierarchy>, private readonly parent: string) {
    const accounting = hierarchies.has('cpuacct') ? '' : ', no CPU accounting';
    this.description = `cgroup v1 (memory, pids and cpu hierarchies${accounting}): memory limit without swap beyond it, process limit, CPU quota`;
  }

  /** The parent cgroups, made where missing (another agent instance's release() may have removed them). */
  prepare(): void {
    for (const h of this.unique()) mkdirEach(h.mount.path, this.parent);
  }

  create(name: string): WorkspaceCgroup {
    checkCgroupName(name);
    this.prepare();
    for (const h of this.unique()) {
      const dir = join(h.base, name);
      try {
        mkdirSync(dir);
      } catch (err) {
        throw new Error(`making ${dir}: ${(err as Error).message}`);
      }
    }
    return this.at(name);
  }

  open(name: string): WorkspaceCgroup | undefined {
    checkCgroupName(name);
    return this.unique().some((h) => existsSync(join(h.base, name))) ? this.at(name) : undefined;
  }

  names(): string[] {
    // A crash between two mkdirs leaves a cgroup in some hierarchies only: those count too.
    return [...new Set(this.unique().flatMap((h) => childNames(h.base)))];
  }

  release(): void {
    for (const h of this.unique()) removeIfEmpty(h.base);
  }

  private at(name: string): CgroupV1 {
    const dirs = new Map<Controller, Hierarchy & { dir: string }>();
    for (const [controller, h] of this.hierarchies) dirs.set(controller, { ...h, dir: join(h.base, name), cgroupPath: join(h.cgroupPath, name) });
    return new CgroupV1(dirs);
  }

  /** One entry per mounted hierarchy (cpu and cpuacct may be one). */
  private unique(): Hierarchy[] {
    return [...new Map([...this.hierarchies.values()].map((h) => [h.mount.path, h])).values()];
  }
}

class CgroupV1 implements WorkspaceCgroup {
  readonly mechanism = 'cgroup-v1';
  readonly procsFiles: string[];
  private readonly memory: string;
  private readonly pidsDir: string;
  private readonly cpu: string;
  private readonly cpuacct: string | undefined;

  constructor(private readonly dirs: Map<Controller, Hierarchy & { dir: string }>) {
    this.memory = dirs.get('memory')!.dir;
    this.pidsDir = dirs.get('pids')!.dir;
    this.cpu = dirs.get('cpu')!.dir;
    this.cpuacct = dirs.get('cpuacct')?.dir;
    this.procsFiles = this.uniqueDirs().map((dir) => join(dir, 'cgroup.procs'));
  }

  setLimits(limits: CgroupLimits): void {
    // memory first: memsw (memory + swap) may never be below it, and a fresh cgroup has both unlimited.
    writeText(this.memory, 'memory.limit_in_bytes', String(limits.memoryBytes));
    // Present only where swap accounting is on; equal to the memory limit means no swap beyond it.
    if (existsSync(join(this.memory, 'memory.memsw.limit_in_bytes'))) writeText(this.memory, 'memory.memsw.limit_in_bytes', String(limits.memoryBytes));
    writeText(this.pidsDir, 'pids.max', String(limits.processes));
    writeText(this.cpu, 'cpu.cfs_period_us', String(CPU_PERIOD_USEC));
    writeText(this.cpu, 'cpu.cfs_quota_us', String(cpuQuotaUsec(limits.cpus)));
  }

  limits(): CgroupLimits {
    const pidsMax = readText(this.pidsDir, 'pids.max');
    const quota = readNumber(this.cpu, 'cpu.cfs_quota_us');
    return {
      memoryBytes: readNumber(this.memory, 'memory.limit_in_bytes'),
      processes: pidsMax === 'max' ? Number.POSITIVE_INFINITY : Number(pidsMax),
      cpus: quota < 0 ? Number.POSITIVE_INFINITY : quota / readNumber(this.cpu, 'cpu.cfs_period_us'),
    };
  }

  counters(): CgroupCounters {
    return {
      memoryBytes: readNumber(this.memory, 'memory.usage_in_bytes'),
      oomKills: readKeyed(this.memory, 'memory.oom_control').oom_kill ?? 0,
      processes: readNumber(this.pidsDir, 'pids.current'),
      processLimitHits: readKeyed(this.pidsDir, 'pids.events').max ?? 0,
      // cpuacct.usage is in nanoseconds.
      cpuUsageUsec: this.cpuacct ? Math.round(readNumber(this.cpuacct, 'cpuacct.usage') / 1000) : undefined,
    };
  }

  pids(): number[] {
    return [...new Set(this.uniqueDirs().flatMap(readPids))];
  }

  async remove(): Promise<void> {
    await removeCgroupDirs(this.uniqueDirs(), () => {
      for (const h of this.uniqueHierarchies()) {
        // The line of /proc/<pid>/cgroup for this hierarchy must still name this cgroup.
        const isMember = (procCgroup: string) => procCgroup.split('\n').some((line) => {
          const [, controllers, path] = line.split(':');
          return controllers?.split(',').includes(h.mount.controllers[0]!) === true && path === h.cgroupPath;
        });
        killMembers(h.dir, isMember);
      }
    });
  }

  private uniqueHierarchies(): Array<Hierarchy & { dir: string }> {
    return [...new Map([...this.dirs.values()].map((d) => [d.dir, d])).values()];
  }

  private uniqueDirs(): string[] {
    return this.uniqueHierarchies().map((d) => d.dir);
  }
}

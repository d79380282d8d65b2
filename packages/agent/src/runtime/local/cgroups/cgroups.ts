export type CgroupMechanism = 'cgroup-v2' | 'cgroup-v1';

/** What a cgroup holds a sandbox to. */
export interface CgroupLimits {
  /** CPU bandwidth in cores: 0.5 is half of one core's time in every period. */
  cpus: number;
  /** Every process together, page cache and tmpfs pages included, with no swap beyond it. */
  memoryBytes: number;
  /** Tasks: processes and threads together. */
  processes: number;
}

export interface CgroupCounters {
  memoryBytes: number;
  /** Processes the kernel killed at the memory limit, since the cgroup was made. */
  oomKills: number;
  processes: number;
  /** Forks and thread creations refused at the process limit, since the cgroup was made. */
  processLimitHits: number;
  /** CPU time used; undefined where the host keeps no CPU accounting for it (v1 without cpuacct). */
  cpuUsageUsec: number | undefined;
}

/** One workspace's cgroup: one directory in v2, one per controller hierarchy in v1. */
export interface WorkspaceCgroup {
  readonly mechanism: CgroupMechanism;
  /**
   * The cgroup.procs files a process writes "0" to, to move itself in. The
   * sandbox's launcher does that before it execs bubblewrap, so nothing of the
   * sandbox ever runs outside its cgroup (no window to fork in).
   */
  readonly procsFiles: string[];
  setLimits(limits: CgroupLimits): void;
  /** Read back from the kernel's files. */
  limits(): CgroupLimits;
  counters(): CgroupCounters;
  pids(): number[];
  /** Ends whatever still runs in it (a crash's leftovers) and removes it; resolves once it is gone. */
  remove(): Promise<void>;
}

/** The cgroups of one agent: one per workspace, under <parent>/ in each hierarchy. */
export interface HostCgroups {
  readonly mechanism: CgroupMechanism;
  /** What it gives, in words, for the admins. */
  readonly description: string;
  /** A new, empty cgroup (remove an old one of that name first). */
  create(name: string): WorkspaceCgroup;
  open(name: string): WorkspaceCgroup | undefined;
  /** Every workspace cgroup there is, running or left behind. */
  names(): string[];
  /** Removes this agent's parent cgroup where no workspace cgroup is left in it. */
  release(): void;
}

/**
 * `sh -c` this with cgroup.procs files, `--`, then a command: the shell writes
 * "0" (itself) into each file, then execs the command in the same process. A
 * sandbox launched so is inside its cgroup before it can fork: no window in
 * which any process of it runs outside. (dash would pass the agent's own
 * directory on as PWD; it is unset first.)
 */
export const joinCgroupScript = 'unset PWD OLDPWD; while [ "$1" != -- ]; do echo 0 > "$1" || exit 125; shift; done; shift; exec "$@"';

/** Cgroup names are workspace ids: one path segment, nothing to climb out with. */
export const cgroupNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/;

export function checkCgroupName(name: string): void {
  if (!cgroupNamePattern.test(name)) throw new Error(`invalid cgroup name ${JSON.stringify(name)}`);
}

/** cpu.cfs_period_us / cpu.max's period: 100 ms, the kernel's default. */
export const CPU_PERIOD_USEC = 100_000;

export function cpuQuotaUsec(cpus: number): number {
  // The kernel refuses quotas under 1 ms.
  return Math.max(1000, Math.round(cpus * CPU_PERIOD_USEC));
}

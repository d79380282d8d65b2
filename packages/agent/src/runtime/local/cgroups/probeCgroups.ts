import { readCgroupMounts } from './cgroupFs.js';
import type { HostCgroups } from './cgroups.js';
import { openCgroupV1 } from './cgroupV1.js';
import { openCgroupV2 } from './cgroupV2.js';

export type CgroupProbe = { cgroups: HostCgroups; note: string } | { cgroups: undefined; note: string };

const parentPattern = /^[a-zA-Z0-9_.-]+(\/[a-zA-Z0-9_.-]+)*$/;

/**
 * Finds how this host can limit sandboxes: cgroup v2 where its unified
 * hierarchy has the memory, pids and cpu controllers (and we may create
 * cgroups there), else cgroup v1 where those controllers have writable
 * hierarchies, else nothing, with the reasons in `note`.
 *
 * `parent` is relative to each hierarchy's root (e.g. paddock/<agent key>):
 * outside the agent's own cgroup, so a service manager that restarts the agent
 * (and kills its cgroup) leaves the workspaces running, as they are meant to.
 */
export function openHostCgroups(options: { parent: string; mountInfoPath?: string }): CgroupProbe {
  if (!parentPattern.test(options.parent) || options.parent.split('/').some((p) => p === '..' || p === '.')) {
    throw new Error(`invalid cgroup parent ${JSON.stringify(options.parent)}`);
  }
  let mounts;
  try {
    mounts = readCgroupMounts(options.mountInfoPath);
  } catch (err) {
    return { cgroups: undefined, note: `cannot read the mount table: ${(err as Error).message}` };
  }
  const reasons: string[] = [];
  const unified = mounts.find((m) => m.version === 2);
  if (unified) {
    try {
      const cgroups = openCgroupV2(unified, options.parent);
      return { cgroups, note: cgroups.description };
    } catch (err) {
      reasons.push(`cgroup v2 at ${unified.path}: ${(err as Error).message}`);
    }
  } else {
    reasons.push('no cgroup v2 hierarchy is mounted');
  }
  if (mounts.some((m) => m.version === 1)) {
    try {
      const cgroups = openCgroupV1(mounts, options.parent);
      return { cgroups, note: `${cgroups.description} (${reasons.join('; ')})` };
    } catch (err) {
      reasons.push(`cgroup v1: ${(err as Error).message}`);
    }
  } else {
    reasons.push('no cgroup v1 hierarchy is mounted');
  }
  return { cgroups: undefined, note: reasons.join('; ') };
}


import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readCgroupMounts } from './cgroupFs.js';
import { joinCgroupScript, type WorkspaceCgroup } from './cgroups.js';
import { openHostCgroups } from './probeCgroups.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;

// This host's own facts, read independently of the code under test.
const unified = readCgroupMounts().find((m) => m.version === 2);
const unifiedHasControllers = unified !== undefined
  && ['memory', 'pids', 'cpu'].every((c) => readFileSync(join(unified.path, 'cgroup.controllers'), 'utf8').split(/\s+/).includes(c));
const parent = `paddock/test-${process.pid}`;

/** A process that joins the cgroup the way a sandbox's launcher does, then sleeps. */
function joinedSleeper(cgroup: WorkspaceCgroup) {
  const child = spawn('/bin/sh', ['-c', joinCgroupScript, 'join', ...cgroup.procsFiles, '--', 'sleep', '60'], { stdio: 'ignore' });
  return child;
}

async function until(what: string, probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the host's cgroups", () => {
  const probe = openHostCgroups({ parent });
  const made: WorkspaceCgroup[] = [];

  afterAll(async () => {
    for (const cgroup of made) await cgroup.remove();
    probe.cgroups?.release();
  });

  it('are cgroup v2 where the unified hierarchy offers memory, pids and cpu, and v1 otherwise', () => {
    expect(probe.cgroups?.mechanism).toBe(unifiedHasControllers ? 'cgroup-v2' : 'cgroup-v1');
    // On a hybrid host the note says why v2 was passed over.
    if (!unifiedHasControllers && unified) expect(probe.note).toMatch(/cgroup v2 at .*no .*controller/);
  });

  it('hold a process that joined before it exec’d to the limits set, read back from the kernel', async () => {
    const cgroup = probe.cgroups!.create('probe-a');
    made.push(cgroup);
    cgroup.setLimits({ cpus: 0.25, memoryBytes: 64 * MiB, processes: 40 });
    expect(cgroup.limits()).toEqual({ cpus: 0.25, memoryBytes: 64 * MiB, processes: 40 });
    const child = joinedSleeper(cgroup);
    await until('the sleeper to join', () => cgroup.pids().includes(child.pid!));
    expect(cgroup.counters()).toMatchObject({ processes: 1, oomKills: 0, processLimitHits: 0 });
    expect(probe.cgroups!.names()).toContain('probe-a');
    expect(probe.cgroups!.open('probe-a')?.pids()).toEqual([child.pid]);
  });

  it('remove a cgroup with what still runs in it, and only that', async () => {
    const cgroup = probe.cgroups!.create('probe-b');
    const inside = joinedSleeper(cgroup);
    const outside = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await until('the sleeper to join', () => cgroup.pids().includes(inside.pid!));
      const exited = new Promise((resolve) => inside.once('exit', (_code, signal) => resolve(signal)));
      await cgroup.remove();
      expect(await exited).toBe('SIGKILL');
      expect(probe.cgroups!.open('probe-b')).toBeUndefined();
      expect(outside.exitCode).toBeNull();
      expect(outside.signalCode).toBeNull();
    } finally {
      outside.kill('SIGKILL');
    }
  });

  it('refuse names that could climb out of the parent', () => {
    expect(() => probe.cgroups!.create('../escape')).toThrow(/invalid cgroup name/);
    expect(() => probe.cgroups!.open('a/b')).toThrow(/invalid cgroup name/);
    expect(() => openHostCgroups({ parent: 'paddock/../..' })).toThrow(/invalid cgroup parent/);
  });

  it('are reported unusable, with the reason, where the cgroup filesystem is read-only', async () => {
    // A private mount namespace where every cgroup mount is read-only (bind-remounted: the host's stay as they are).
    const probeScript = `import { openHostCgroups } from ${JSON.stringify(new URL('./probeCgroups.js', import.meta.url).href.replace('/src/', '/dist/'))};
      const p = openHostCgroups({ parent: ${JSON.stringify(`${parent}/ro`)} });
      console.log(JSON.stringify({ mechanism: p.cgroups?.mechanism ?? 'none', note: p.note }));`;
    const remounts = readCgroupMounts().map((m) => `mount -o remount,bind,ro ${m.path}`).join(' && ');
    const { stdout } = await run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `${remounts} && exec "$0" --input-type=module -e "$1"`, process.execPath, probeScript], { timeout: 30_000 });
    const result = JSON.parse(stdout.trim());
    expect(result.mechanism).toBe('none');
    expect(result.note).toMatch(/read-only file system/i);
    expect(existsSync(join('/sys/fs/cgroup/pids', parent, 'ro'))).toBe(false);
  });
});

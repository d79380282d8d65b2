import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkspaceRunSpec } from '../driver.js';
import { runInWorkspace } from '../workspaceShell.js';
import { LocalRuntime } from './localRuntime.js';
import { isAlive, killIfSame } from './processIdentity.js';

const MiB = 1024 * 1024;
const run = promisify(execFile);

/**
 * The host directory of a process's cgroup for one controller, read from
 * /proc/<pid>/cgroup (not from the runtime), so the test sees where the kernel
 * really put the sandbox.
 */
function cgroupDirOf(pid: number, controller: string): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  const v1 = lines.map((l) => l.split(':')).find(([, list]) => list!.split(',').includes(controller));
  if (v1) return `/sys/fs/cgroup/${v1[1]}${v1[2]}`;
  const v2 = lines.find((l) => l.startsWith('0::'))!.slice(3);
  const mount = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
  return `${mount}${v2}`;
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8').trim();
const isV1 = (dir: string) => !existsSync(join(dir, 'cgroup.controllers'));

function stateOf(dataDir: string, workspaceId: string): { bwrap: { pid: number; startTime: string }; sandboxInit: { pid: number; startTime: string } } {
  return JSON.parse(readFileSync(join(dataDir, 'workspaces', workspaceId, 'state.json'), 'utf8'));
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Small limits, so every probe here is cheap and bounded even when a limit fails to bite.
const limits = { cpus: 0.5, memoryMiB: 256, processes: 64, tmpMiB: 16, diskMiB: 128 };

describe("a local sandbox's resource limits", () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'paddock-limits-'));
  chmodSync(dataDir, 0o711);
  const runtime = new LocalRuntime({ dataDir, toolchain: false, diskUsageEveryMs: 100 });
  const spec: WorkspaceRunSpec = { workspaceId: 'limited', ownerId: 'o', blueprintId: 'b', env: {}, resources: limits };
  const sh = (command: string, timeoutMs = 30_000) => runInWorkspace(runtime, spec.workspaceId, command, timeoutMs);

  beforeAll(async () => {
    await runtime.ensureRunning(spec);
  });

  afterAll(async () => {
    // Deleting ends every process of the sandbox, whatever a failed test left running in it.
    for (const { workspaceId } of await runtime.list()) await runtime.ensureDeleted(workspaceId);
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses nested user namespaces', async () => {
    const { output } = await sh('unshare -Ur id -u; echo "rc:$?"; unshare -U true; echo "rc:$?"; unshare -Urm true; echo "rc:$?"');
    expect(output.match(/rc:\d+/g)).toEqual(['rc:1', 'rc:1', 'rc:1']);
    // id -u would print 0 as the root of a nested namespace.
    expect(output).not.toMatch(/^0$/m);
  });

  it('gives /tmp its size: writing past it fails with ENOSPC', async () => {
    const { output } = await sh('head -c 32M /dev/zero > /tmp/fill; echo "rc:$?"; du -m /tmp/fill | cut -f1; rm -f /tmp/fill');
    expect(output).toMatch(/No space left on device/);
    expect(output).toMatch(/rc:1\n16\n/);
  });

  it('runs the sandbox in its own cgroup, joined before bubblewrap ran, with the limits of its spec', async () => {
    const state = stateOf(dataDir, spec.workspaceId);
    // bwrap itself is inside: the process joined before it exec'd bwrap, so nothing of the sandbox ever ran outside.
    for (const pid of [state.bwrap.pid, state.sandboxInit.pid]) {
      expect(cgroupDirOf(pid, 'memory')).toMatch(new RegExp(`/paddock/[0-9a-f]{12}/${spec.workspaceId}$`));
    }
    const memory = cgroupDirOf(state.sandboxInit.pid, 'memory');
    const pids = cgroupDirOf(state.sandboxInit.pid, 'pids');
    const cpu = cgroupDirOf(state.sandboxInit.pid, 'cpu');
    if (isV1(memory)) {
      expect(Number(read(memory, 'memory.limit_in_bytes'))).toBe(256 * MiB);
      expect(read(pids, 'pids.max')).toBe('64');
      expect(read(cpu, 'cpu.cfs_period_us')).toBe('100000');
      expect(read(cpu, 'cpu.cfs_quota_us')).toBe('50000');
    } else {
      expect(Number(read(memory, 'memory.max'))).toBe(256 * MiB);
      expect(read(pids, 'pids.max')).toBe('64');
      expect(read(cpu, 'cpu.max')).toBe('50000 100000');
    }
    const usage = await runtime.usage(spec.workspaceId);
    expect(usage).toMatchObject({ limits, mechanism: isV1(memory) ? 'cgroup-v1' : 'cgroup-v2', oomKills: 0, processLimitHits: 0 });
    expect(runtime.resourceControl()).toMatchObject({ mechanism: isV1(memory) ? 'cgroup-v1' : 'cgroup-v2', diskEnforced: false });
  });

  it('counts /tmp against the memory limit', async () => {
    const memory = cgroupDirOf(stateOf(dataDir, spec.workspaceId).sandboxInit.pid, 'memory');
    expect(memory).toMatch(new RegExp(`/paddock/[0-9a-f]{12}/${spec.workspaceId}$`));
    const shmem = () => {
      const stat = read(memory, 'memory.stat');
      return Number((isV1(memory) ? /^total_shmem (\d+)$/m : /^shmem (\d+)$/m).exec(stat)?.[1]);
    };
    const before = shmem();
    await sh('head -c 12M /dev/zero > /tmp/held');
    expect(shmem() - before).toBeGreaterThanOrEqual(12 * MiB);
    await sh('rm /tmp/held');
  });

  it('holds a busy loop to its CPU quota', async () => {
    // Two spinning processes on a 2-core host would take up to 2 CPUs; the quota allows 0.5.
    const before = (await runtime.usage(spec.workspaceId))!.cpuUsageUsec!;
    const started = Date.now();
    await sh('for i in 1 2; do timeout 4 sh -c "while :; do :; done" & done; wait');
    const wallUsec = (Date.now() - started) * 1000;
    const used = (await runtime.usage(spec.workspaceId))!.cpuUsageUsec! - before;
    expect(used).toBeGreaterThan(0);
    // Generous above the quota (a period's slack, the daemon's own work); a load elsewhere only lowers it.
    expect(used).toBeLessThan(0.5 * wallUsec * 1.25 + 200_000);
  }, 60_000);

  it('stops a fork bomb at the process limit, and the workspace answers again once it ends', async () => {
    // Bounded either way: at most 2^8 processes, every one gone within 5 s, even with no limit at all.
    const bomb = 'perl -e \'my $end = time + 5; for (1..8) { fork } select(undef, undef, undef, 0.1) while time < $end; 1 while wait != -1\'';
    await sh(`${bomb}; echo bomb-done`, 60_000);
    const pids = cgroupDirOf(stateOf(dataDir, spec.workspaceId).sandboxInit.pid, 'pids');
    expect(Number(read(pids, 'pids.peak'))).toBeLessThanOrEqual(64);
    const usage = await runtime.usage(spec.workspaceId);
    expect(usage!.processLimitHits).toBeGreaterThan(0);
    expect((await sh('echo still-$((20+1))')).output).toBe('still-21\n');
  }, 90_000);

  it('OOM-kills a memory hog, and only the hog: the workspace keeps running', async () => {
    // Asks for 384 MiB, past the 256 MiB limit; without a limit it would print hog-survived and stop there.
    const hog = 'node -e "const b = []; for (let i = 0; i < 24; i++) b.push(Buffer.alloc(16 << 20, 1)); console.log(\'hog-survived\')"';
    const { output } = await sh(`${hog}; echo "hog-rc:$?"`, 60_000);
    expect(output).not.toContain('hog-survived');
    expect(output).toContain('hog-rc:137');
    const usage = await runtime.usage(spec.workspaceId);
    expect(usage!.oomKills).toBeGreaterThanOrEqual(1);
    expect((await sh('echo alive-$((40+2))')).output).toBe('alive-42\n');
  }, 90_000);

  it('reports the disk use of /workspace', async () => {
    await sh('head -c 5M /dev/urandom > /workspace/blob');
    const usage = await until('a disk measurement with the blob', async () => {
      const u = await runtime.usage(spec.workspaceId);
      return u?.diskBytes !== undefined && u.diskBytes >= 5 * MiB ? u : undefined;
    });
    expect(usage.diskMeasuredAt).toBeInstanceOf(Date);
    expect(usage.diskEnforced).toBe(false);
  });

  it('keeps its cgroup across an agent restart and removes it when the workspace stops', async () => {
    const state = stateOf(dataDir, spec.workspaceId);
    const dirs = ['memory', 'pids', 'cpu'].map((c) => cgroupDirOf(state.sandboxInit.pid, c));
    const restarted = new LocalRuntime({ dataDir, toolchain: false });
    try {
      // The new agent reads the same counters: the OOM kill above is still on the record.
      expect(await restarted.usage(spec.workspaceId)).toMatchObject({ limits, oomKills: expect.any(Number) });
      expect((await restarted.usage(spec.workspaceId))!.oomKills).toBeGreaterThanOrEqual(1);
      await restarted.ensureStopped(spec.workspaceId);
      for (const dir of dirs) expect(existsSync(dir), dir).toBe(false);
      expect(await restarted.usage(spec.workspaceId)).toBeUndefined();
    } finally {
      await restarted.close();
    }
    // A new start gets a fresh cgroup with fresh counters.
    await runtime.ensureRunning(spec);
    expect(await runtime.usage(spec.workspaceId)).toMatchObject({ oomKills: 0, processLimitHits: 0, mechanism: runtime.resourceControl().mechanism });
    expect(runtime.resourceControl().mechanism).not.toBe('none');
  });

  it('removes a stale cgroup left by a crash, with anything still running in it', async () => {
    const leaky: WorkspaceRunSpec = { ...spec, workspaceId: 'leaky' };
    await runtime.ensureRunning(leaky);
    const state = stateOf(dataDir, leaky.workspaceId);
    let restarted: LocalRuntime | undefined;
    try {
      const dir = cgroupDirOf(state.sandboxInit.pid, 'pids');
      expect(dir).toMatch(/\/paddock\/[0-9a-f]{12}\/leaky$/);
      // An agent that died between starting the sandbox and recording it: nothing names these processes any more.
      rmSync(join(dataDir, 'workspaces', leaky.workspaceId, 'state.json'));
      // And an empty cgroup from a start that never got as far as bwrap.
      const empty = join(dir, '..', 'never-started');
      mkdirSync(empty);
      restarted = new LocalRuntime({ dataDir, toolchain: false });
      await until('the leaked sandbox to be ended', () => (isAlive(state.sandboxInit) || isAlive(state.bwrap) ? undefined : true));
      await until('the stale cgroups to be removed', () => (existsSync(dir) || existsSync(empty) ? undefined : true));
      // The running workspace of this agent was left alone.
      expect(await restarted.status(spec.workspaceId)).toBe('running');
    } finally {
      // Untracked, the sandbox would outlive the test if the sweep failed.
      killIfSame(state.sandboxInit);
      killIfSame(state.bwrap);
      await restarted?.close();
    }
  });
});

describe('a local sandbox where cgroups are not usable', () => {
  // An agent that is not root can't create cgroups under /sys/fs/cgroup; the workspace must still start.
  const uid = 100_001;
  const dataDir = mkdtempSync(join(tmpdir(), 'paddock-nocgroup-'));
  chmodSync(dataDir, 0o711);
  const agentDir = join(dataDir, 'agent');

  beforeAll(() => {
    mkdirSync(agentDir);
    chownSync(agentDir, uid, uid);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts the workspace, logs why, and reports that its limits are not enforced', async () => {
    const script = `
      import { LocalRuntime, runInWorkspace } from ${JSON.stringify(new URL('../../index.js', import.meta.url).href.replace('/src/', '/dist/'))};
      const lines = [];
      const log = { info: (o, m) => lines.push(m + ' ' + JSON.stringify(o)), warn: (o, m) => lines.push(m + ' ' + JSON.stringify(o)) };
      const runtime = new LocalRuntime({ dataDir: ${JSON.stringify(agentDir)}, toolchain: false, log });
      const spec = { workspaceId: 'plain', ownerId: 'o', blueprintId: 'b', env: {}, resources: ${JSON.stringify(limits)} };
      try {
        await runtime.ensureRunning(spec);
        const echo = await runInWorkspace(runtime, 'plain', 'echo up-$((1+1))', 20000);
        console.log(JSON.stringify({ control: runtime.resourceControl(), usage: await runtime.usage('plain'), echo: echo.output, lines }));
      } finally {
        await runtime.ensureDeleted('plain');
      }
    `;
    const { stdout } = await run('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', process.execPath, '--input-type=module', '-e', script], { timeout: 60_000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(result.echo).toBe('up-2\n');
    expect(result.control.mechanism).toBe('none');
    expect(result.control.note).toMatch(/cgroup/);
    expect(result.usage).toMatchObject({ mechanism: 'none', limits });
    expect(result.lines.join('\n')).toMatch(/not enforced/);
  }, 90_000);
});

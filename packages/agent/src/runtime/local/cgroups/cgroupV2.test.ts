import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCgroupV2 } from './cgroupV2.js';

const MiB = 1024 * 1024;

describe('cgroup v2', () => {
  // These run over a directory standing in for a cgroup2 mount, because this host's has no controllers to
  // give: they check which files the driver writes and how it reads them, not that a kernel enforces them
  // (the host suite, cgroups.test.ts, does that wherever v2 is real; here it checks the refusal).
  const root = mkdtempSync(join(tmpdir(), 'paddock-cgroup2-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const level = (dir: string, files: Record<string, string>) => {
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  };

  it('is refused, with why, where the root does not offer memory, pids and cpu', () => {
    const bare = join(root, 'bare');
    level(bare, { 'cgroup.controllers': 'hugetlb\n', 'cgroup.subtree_control': '' });
    expect(() => openCgroupV2({ path: bare, root: '/', version: 2, controllers: [] }, 'paddock/agent')).toThrow(/offers no memory, pids, cpu controller/);
    expect(readFileSync(join(bare, 'cgroup.subtree_control'), 'utf8')).toBe('');
  });

  it('hands memory, pids and cpu down every level to the workspace cgroups, and reads them back', () => {
    level(root, { 'cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc\n', 'cgroup.subtree_control': 'cpu\n' });
    level(join(root, 'paddock'), { 'cgroup.subtree_control': '' });
    level(join(root, 'paddock', 'agent'), { 'cgroup.subtree_control': 'memory pids cpu\n' });
    const cgroups = openCgroupV2({ path: root, root: '/', version: 2, controllers: [] }, 'paddock/agent');
    expect(cgroups.mechanism).toBe('cgroup-v2');
    // Only what each level lacked is written (a kernel adds "+x" to what it has).
    expect(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids');
    expect(readFileSync(join(root, 'paddock', 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids +cpu');
    expect(readFileSync(join(root, 'paddock', 'agent', 'cgroup.subtree_control'), 'utf8')).toBe('memory pids cpu\n');

    const ws = join(root, 'paddock', 'agent', 'ws-1');
    level(ws, {
      'memory.swap.max': 'max\n', 'memory.current': '1048576\n', 'pids.current': '7\n',
      'memory.events': 'low 0\nhigh 0\nmax 12\noom 2\noom_kill 2\noom_group_kill 0\n',
      'pids.events': 'max 31\n', 'cpu.stat': 'usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\n',
      'cgroup.procs': '101\n102\n',
    });
    const cgroup = cgroups.open('ws-1')!;
    expect(cgroups.names()).toEqual(['ws-1']);
    expect(cgroup.procsFiles).toEqual([join(ws, 'cgroup.procs')]);
    cgroup.setLimits({ cpus: 0.5, memoryBytes: 256 * MiB, processes: 64 });
    expect(readFileSync(join(ws, 'memory.max'), 'utf8')).toBe(String(256 * MiB));
    expect(readFileSync(join(ws, 'memory.swap.max'), 'utf8')).toBe('0');
    expect(readFileSync(join(ws, 'pids.max'), 'utf8')).toBe('64');
    expect(readFileSync(join(ws, 'cpu.max'), 'utf8')).toBe('50000 100000');
    expect(cgroup.limits()).toEqual({ cpus: 0.5, memoryBytes: 256 * MiB, processes: 64 });
    expect(cgroup.counters()).toEqual({ memoryBytes: MiB, oomKills: 2, processes: 7, processLimitHits: 31, cpuUsageUsec: 123456 });
    expect(cgroup.pids()).toEqual([101, 102]);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WORKSPACE_LIMITS } from '@paddock/protocol';
import { launchChromium } from './harness/browser.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TestStack, type TerminalConnection } from './harness/testStack.js';

const MiB = 1024 * 1024;
// Small on purpose: whatever happens in the greedy workspace stays cheap, even if a limit failed to bite.
const limits = { cpus: 1, memoryMiB: 128, processes: 64, tmpMiB: 16, diskMiB: 128 };

/** The host directory of a sandbox's cgroup for one controller, from the kernel's view of its init process. */
function cgroupDir(stack: TestStack, workspaceId: string, controller: string): string {
  const state = JSON.parse(readFileSync(join(stack.dataDir, 'agent', 'workspaces', workspaceId, 'state.json'), 'utf8'));
  const lines = readFileSync(`/proc/${state.sandboxInit.pid}/cgroup`, 'utf8').trim().split('\n');
  const v1 = lines.map((l) => l.split(':')).find(([, list]) => list!.split(',').includes(controller));
  if (v1) return `/sys/fs/cgroup/${v1[1]}${v1[2]}`;
  const mount = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
  return `${mount}${lines.find((l) => l.startsWith('0::'))!.slice(3)}`;
}
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8').trim();

describe('resource limits of a workspace, from its blueprint to its sandbox', () => {
  let stack: TestStack;
  let blueprintId: string;
  let greedy: string;
  let neighbour: string;

  async function workspace(id: string) {
    const res = await stack.api('GET', `/api/v1/workspaces/${id}`);
    expect(res.status).toBe(200);
    return res.body;
  }

  /** Polls the workspace's API object until `ok` holds for it. */
  async function untilWorkspace(id: string, what: string, ok: (w: any) => boolean, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const w = await workspace(id);
      if (ok(w)) return w;
      if (Date.now() > deadline) throw new Error(`workspace never showed ${what}: ${JSON.stringify(w.resources)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  beforeAll(async () => {
    stack = await TestStack.start({ usageEveryMs: 300, diskUsageEveryMs: 300 });
    const bp = await stack.api('POST', '/api/v1/blueprints', { name: 'Small', resources: limits });
    expect(bp.status, JSON.stringify(bp.body)).toBe(201);
    blueprintId = bp.body.id;
    const created = await stack.api('POST', '/api/v1/workspaces', { blueprintId, name: 'greedy' });
    expect(created.status).toBe(201);
    greedy = created.body.id;
    neighbour = await stack.runningWorkspace('neighbour');
    await stack.waitForState(greedy, 'running');
  }, 120_000);

  // Deleting the workspaces (TestStack.close) ends every process in them, whatever a failed test left behind.
  afterAll(async () => { await stack?.close(); });

  it("takes the blueprint's limits through the API and refuses ones out of bounds, keeping the old", async () => {
    expect((await stack.api('GET', `/api/v1/blueprints/${blueprintId}`)).body.resources).toEqual(limits);
    for (const [resources, says] of [
      [{ processes: 1 }, /resources\.processes/],
      [{ memoryMiB: 1024, tmpMiB: 1024 }, /resources\.tmpMiB: \/tmp is held in memory/],
      [{ memoryMB: 512 }, /resources/],
      [{ cpus: '2' }, /resources\.cpus/],
    ] as const) {
      const res = await stack.api('PATCH', `/api/v1/blueprints/${blueprintId}`, { resources });
      expect(res.status, JSON.stringify(resources)).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
      expect(res.body.error.message).toMatch(says);
    }
    expect((await stack.api('GET', `/api/v1/blueprints/${blueprintId}`)).body.resources).toEqual(limits);
  });

  it("reach the agent through the tunnel: the sandbox's cgroup holds them, and the workspace shows them", async () => {
    const memory = cgroupDir(stack, greedy, 'memory');
    expect(memory).toMatch(new RegExp(`/paddock/[0-9a-f]{12}/${greedy}$`));
    if (existsSync(join(memory, 'memory.limit_in_bytes'))) {
      expect(Number(read(memory, 'memory.limit_in_bytes'))).toBe(128 * MiB);
      expect(read(cgroupDir(stack, greedy, 'cpu'), 'cpu.cfs_quota_us')).toBe('100000');
    } else {
      expect(Number(read(memory, 'memory.max'))).toBe(128 * MiB);
      expect(read(memory, 'cpu.max')).toBe('100000 100000');
    }
    expect(read(cgroupDir(stack, greedy, 'pids'), 'pids.max')).toBe('64');
    const w = await untilWorkspace(greedy, 'its limits', (x) => x.resources.limits !== null);
    expect(w.resources).toMatchObject({ limits, mechanism: expect.stringMatching(/^cgroup-v[12]$/), oomKills: 0, processLimitHits: 0, notice: '' });
    // A blueprint that sets nothing gives the defaults.
    const n = await untilWorkspace(neighbour, 'its limits', (x) => x.resources.limits !== null);
    expect(n.resources.limits).toEqual(DEFAULT_WORKSPACE_LIMITS);
    const agents = await stack.api('GET', '/api/v1/agents');
    expect(agents.body.agents[0].resourceControl).toMatchObject({ mechanism: w.resources.mechanism, diskEnforced: false, note: expect.stringMatching(/cgroup/) });
  });

  it("stops a fork bomb and a memory hog at the workspace's limits while another workspace and the portal stay responsive", async () => {
    const other = await stack.terminal(neighbour);
    const worst = { echoMs: 0, healthMs: 0, echoes: 0, checks: 0 };
    let sampling = true;
    // The neighbour echoes and the portal answers /healthz, over and over, the whole time.
    const echoes = (async () => {
      for (let i = 0; sampling; i++) {
        const started = Date.now();
        other.type(`echo tick-$((${i}+1000))\n`);
        await other.waitFor(`tick-${i + 1000}\r\n`, 20_000);
        worst.echoMs = Math.max(worst.echoMs, Date.now() - started);
        worst.echoes++;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const health = (async () => {
      while (sampling) {
        const started = Date.now();
        const res = await fetch(`${stack.url}/healthz`, { signal: AbortSignal.timeout(20_000) });
        expect(res.status).toBe(200);
        worst.healthMs = Math.max(worst.healthMs, Date.now() - started);
        worst.checks++;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    let t: TerminalConnection | undefined;
    try {
      t = await stack.terminal(greedy);
      // Bounded either way: at most 2^8 processes, all gone within 5 s; the hog asks for 384 MiB and then stops.
      // (The terminal echoes what is typed: the markers are split there, so only real output matches.)
      t.type([
        "perl -e 'my $end = time + 5; for (1..8) { fork } select(undef, undef, undef, 0.1) while time < $end; 1 while wait != -1'",
        'echo bomb-$((1+1))-done',
        'node -e "const b = []; for (let i = 0; i < 24; i++) b.push(Buffer.alloc(16 << 20, 1)); console.log(\'hog-\' + \'survived\')"',
        'echo hog-rc-$?\n',
      ].join('; '));
      await t.waitFor('bomb-2-done', 60_000);
      await t.waitFor(/hog-rc-\d+/, 60_000);
      expect(t.output).not.toContain('hog-survived');
      expect(t.output).toMatch(/hog-rc-137/);
    } finally {
      sampling = false;
      await Promise.all([echoes, health]);
      t?.close();
      other.close();
    }
    // Generous: the point is that they answered all along, on a loaded 2-core machine.
    expect(worst.echoes).toBeGreaterThan(3);
    expect(worst.checks).toBeGreaterThan(3);
    expect(worst.echoMs).toBeLessThan(15_000);
    expect(worst.healthMs).toBeLessThan(15_000);

    // The kernel's own record: never more than 64 tasks, forks refused, a process killed at the memory limit.
    expect(Number(read(cgroupDir(stack, greedy, 'pids'), 'pids.peak'))).toBeLessThanOrEqual(64);
    const w = await untilWorkspace(greedy, 'the OOM kill and the refused forks', (x) => x.resources.oomKills >= 1 && x.resources.processLimitHits >= 1);
    expect(w.resources.notice).toMatch(/Out of memory: \d+ process(es)? (was|were) ended for going past this workspace's 128 MiB memory limit/);
    expect(w.resources.notice).toMatch(/Process limit reached: \d+ attempts? to start a process or thread (was|were) refused \(the limit is 64\)/);
    expect(w.state).toBe('running');
    // Only the hog died: the workspace still answers.
    const after = await stack.terminal(greedy);
    after.type('echo greedy-$((6*7))\n');
    await after.waitFor('greedy-42');
    after.close();
  }, 180_000);

  it('tells the builder on the workspace page what the limits did, and the admin how agents hold them', async () => {
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(`${stack.url}/login`);
      await page.getByLabel('Email').fill(ADMIN_EMAIL);
      await page.getByLabel('Password').fill(ADMIN_PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL((url) => !url.pathname.startsWith('/login'));
      await page.goto(`${stack.url}/workspaces/${greedy}`);
      const notice = page.getByRole('status').filter({ hasText: "This workspace's resource limits" });
      await expect.poll(() => notice.textContent(), { timeout: 20_000 }).toMatch(/Out of memory: .* 128 MiB memory limit/);
      expect(await notice.textContent()).toMatch(/Process limit reached: .*the limit is 64/);
      await expect.poll(() => page.getByText(/files \d+ MiB of 128 MiB/).isVisible(), { timeout: 20_000 }).toBe(true);
      // The admin sees how each agent holds the limits (and would see "Not enforced" where it can't).
      await page.goto(`${stack.url}/admin/agents`);
      const row = page.getByTestId('agent-row');
      await expect.poll(() => row.textContent(), { timeout: 20_000 }).toMatch(/cgroup v[12]/);
      expect(await row.getByText(/cgroup v[12]/).getAttribute('title')).toMatch(/memory limit/);
    } finally {
      await chromium.close();
    }
  }, 60_000);

  it('shows the disk use of /workspace on the workspace, and says when it is over its limit', async () => {
    const t = await stack.terminal(greedy);
    t.type('head -c 3M /dev/urandom > /workspace/blob && echo wrote-$((1+2))\n');
    await t.waitFor('wrote-3');
    let w = await untilWorkspace(greedy, 'the blob in its disk use', (x) => (x.resources.diskUsedBytes ?? 0) >= 3 * MiB);
    expect(w.resources.diskLimitEnforced).toBe(false);
    expect(Date.parse(w.resources.diskMeasuredAt)).not.toBeNaN();
    // Not a hard limit on this filesystem, so it is said, not enforced.
    t.type('head -c 130M /dev/zero > /workspace/big && echo wrote-$((2+2))\n');
    await t.waitFor('wrote-4', 60_000);
    w = await untilWorkspace(greedy, 'the disk over its limit', (x) => /disk limit/.test(x.resources.notice));
    expect(w.resources.notice).toMatch(/\/workspace uses \d+ MiB, more than its 128 MiB disk limit/);
    t.type('rm /workspace/big /workspace/blob\n');
    t.close();
  }, 120_000);
});

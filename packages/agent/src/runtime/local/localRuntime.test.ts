import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runtimeContractSuite } from '../runtimeContract.js';
import { runInWorkspace, startDetached } from '../workspaceShell.js';
import { LocalRuntime } from './localRuntime.js';
import { isAlive } from './processIdentity.js';

/** Every host process's command line, by pid: anyone on the host can read them (ps). */
function hostCommandLines(): Map<number, string> {
  const lines = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      lines.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' '));
    } catch {
      // Exited while we looked.
    }
  }
  return lines;
}

/** Host pids whose command line contains `needle`. */
function hostProcessesMatching(needle: string): number[] {
  return [...hostCommandLines()].filter(([, line]) => line.includes(needle)).map(([pid]) => pid);
}

// Skips nothing of skippableContractTests.
const contractDataDir = mkdtempSync(join(tmpdir(), 'paddock-contract-'));
runtimeContractSuite('local', {
  makeDriver: () => new LocalRuntime({ dataDir: contractDataDir }),
  commandLines: async () => [...hostCommandLines().values()],
  cleanup: async () => rmSync(contractDataDir, { recursive: true, force: true }),
});

describe('LocalRuntime specifics', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'paddock-local-'));
  const runtime = new LocalRuntime({ dataDir });
  const spec = { workspaceId: 'local-1', ownerId: 'o', blueprintId: 'b', env: {} };

  afterAll(async () => {
    await runtime.ensureDeleted(spec.workspaceId);
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // How fast is measured by `npm run bench` (create → terminal ready), not asserted here.
  it('is running once ensureRunning resolves: the daemon already answers', async () => {
    await runtime.ensureRunning(spec);
    expect(await runtime.status(spec.workspaceId)).toBe('running');
    expect((await runInWorkspace(runtime, spec.workspaceId, 'echo ready-$((40+2))')).output).toContain('ready-42');
  });

  it('leaves no process of the sandbox on the host after stop', async () => {
    await runtime.ensureRunning(spec);
    await runInWorkspace(runtime, spec.workspaceId, startDetached('sleep 1000.4242'));
    expect(hostProcessesMatching('sleep 1000.4242')).toHaveLength(1);
    const state = JSON.parse(readFileSync(join(dataDir, 'workspaces', spec.workspaceId, 'state.json'), 'utf8'));
    await runtime.ensureStopped(spec.workspaceId);
    expect(hostProcessesMatching('sleep 1000.4242')).toEqual([]);
    expect(isAlive(state.sandboxInit)).toBe(false);
    expect(isAlive(state.bwrap)).toBe(false);
  });

  it('does not kill a process that took over a recorded pid', async () => {
    await runtime.ensureRunning(spec);
    // This workspace's own mechanism: a cgroup it could not get (logged) means it runs unlimited.
    const mechanism = (await runtime.usage(spec.workspaceId))?.mechanism;
    const statePath = join(dataDir, 'workspaces', spec.workspaceId, 'state.json');
    const real = readFileSync(statePath, 'utf8');
    const state = JSON.parse(real);
    // Pretend the sandbox's pids now belong to this test process, started at another time.
    const forged = {
      ...state,
      sandboxInit: { pid: process.pid, startTime: '1' },
      bwrap: { pid: process.pid, startTime: '1' },
    };
    writeFileSync(statePath, JSON.stringify(forged));
    expect(await runtime.status(spec.workspaceId)).toBe('stopped');
    await runtime.ensureStopped(spec.workspaceId);
    // This process is still alive (the test goes on). What names the sandbox's processes is its cgroup,
    // not the recorded pids: where it has one, the real sandbox was ended by the stop; else it is still there.
    writeFileSync(statePath, real);
    const expected = mechanism === 'none' ? 'running' : 'stopped';
    // A killed process may still be on its way out (a loaded machine): wait for the state, bounded.
    for (const deadline = Date.now() + 10_000; await runtime.status(spec.workspaceId) !== expected && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await runtime.status(spec.workspaceId)).toBe(expected);
    await runtime.ensureStopped(spec.workspaceId);
  });

  it('refuses workspace ids that could escape the data dir', async () => {
    await expect(runtime.ensureRunning({ ...spec, workspaceId: '../x' })).rejects.toThrow(/invalid workspace id/);
    await expect(runtime.status('a/b')).rejects.toThrow(/invalid workspace id/);
  });

  it('lives on when a sandbox ends before reading its inputs, and says the start failed', async () => {
    // bubblewrap that can't make its namespaces (no unprivileged user namespaces, AppArmor's rule for them)
    // exits at once, before it reads the files the agent pipes it; /bin/false does the same. In a process of
    // its own: what it must not do is end the process it runs in.
    const dir = mkdtempSync(join(tmpdir(), 'paddock-nobwrap-'));
    chmodSync(dir, 0o711);
    const script = `
      import { LocalRuntime } from ${JSON.stringify(new URL('../../index.js', import.meta.url).href.replace('/src/', '/dist/'))};
      const runtime = new LocalRuntime({ dataDir: ${JSON.stringify(join(dir, 'agent'))}, bwrapPath: '/bin/false', toolchain: false });
      const errors = [];
      for (let i = 0; i < 3; i++) {
        await runtime.ensureRunning({ workspaceId: 'no-bwrap', ownerId: 'o', blueprintId: 'b', env: {} }).catch((err) => errors.push(err.message));
      }
      console.log(JSON.stringify({ errors, state: await runtime.list() }));
      await runtime.ensureDeleted('no-bwrap');
      await runtime.close();
    `;
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 });
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
      expect(result.errors).toEqual([1, 2, 3].map(() => expect.stringMatching(/^workspace no-bwrap did not start: bubblewrap failed/)));
      expect(result.state).toEqual([{ workspaceId: 'no-bwrap', state: 'failed', message: result.errors[2] }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('dials workspace ports through the daemon, and says why when it cannot', async () => {
    await runtime.ensureRunning(spec);
    // Nothing listens on 8080 in the sandbox's own network (the e2e preview tests reach a real dev server).
    await expect(runtime.connect(spec.workspaceId, { kind: 'port', port: 8080 })).rejects.toThrow(/port 8080: nothing accepts connections/);
    await expect(runtime.connect(spec.workspaceId, { kind: 'port', port: 22 })).rejects.toThrow(/outside 1024-65535/);
  });
});

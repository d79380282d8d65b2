import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { RuntimeDriver, WorkspaceRunSpec } from './driver.js';
import { runInWorkspace, startDetached } from './workspaceShell.js';

export interface RuntimeContractOptions {
  /** Called after the suite, once every workspace it made is deleted. */
  cleanup?: () => Promise<void>;
}

/**
 * The behaviour every RuntimeDriver owes the agent. `makeDriver` must return a
 * fresh driver instance over the same backing store each time it is called
 * (that is how the suite plays an agent restart).
 */
export function runtimeContractSuite(
  name: string,
  makeDriver: () => RuntimeDriver,
  options: RuntimeContractOptions = {},
): void {
  describe(`${name} runtime contract`, () => {
    const driver = makeDriver();
    const made = new Set<string>();

    function spec(env: Record<string, string> = {}): WorkspaceRunSpec {
      const workspaceId = `ct-${randomUUID().slice(0, 8)}`;
      made.add(workspaceId);
      return { workspaceId, ownerId: 'owner-1', blueprintId: 'blueprint-1', env };
    }

    afterAll(async () => {
      for (const id of made) await driver.ensureDeleted(id);
      await driver.close();
      await options.cleanup?.();
    });

    it('reports an unknown workspace as missing', async () => {
      expect(await driver.status('ct-never-made')).toBe('missing');
    });

    it('starts a workspace idempotently, also under concurrent calls', async () => {
      const s = spec();
      await Promise.all([driver.ensureRunning(s), driver.ensureRunning(s)]);
      await driver.ensureRunning(s);
      expect(await driver.status(s.workspaceId)).toBe('running');
      expect(await driver.list()).toContainEqual({ workspaceId: s.workspaceId, state: 'running' });
    });

    it('runs a command through a terminal on the daemon connection, with the spec env', async () => {
      const s = spec({ GREETING: 'hello-from-spec' });
      await driver.ensureRunning(s);
      const result = await runInWorkspace(driver, s.workspaceId, 'echo $((6*7)) $GREETING; pwd');
      expect(result).toEqual({ output: '42 hello-from-spec\n/workspace\n', code: 0 });
    });

    it('keeps files across stop and start, and stops idempotently', async () => {
      const s = spec();
      await driver.ensureRunning(s);
      await runInWorkspace(driver, s.workspaceId, 'echo kept > /workspace/note.txt; echo home > ~/h.txt');
      await driver.ensureStopped(s.workspaceId);
      await driver.ensureStopped(s.workspaceId);
      expect(await driver.status(s.workspaceId)).toBe('stopped');
      await expect(driver.connect(s.workspaceId, { kind: 'daemon' })).rejects.toThrow();
      await driver.ensureRunning(s);
      const result = await runInWorkspace(driver, s.workspaceId, 'cat /workspace/note.txt ~/h.txt');
      expect(result.output).toBe('kept\nhome\n');
    });

    it('ends every process of the workspace on stop', async () => {
      const s = spec();
      await driver.ensureRunning(s);
      await runInWorkspace(driver, s.workspaceId, startDetached('sleep 1000'));
      const before = await runInWorkspace(driver, s.workspaceId, 'cat /proc/[0-9]*/cmdline | tr "\\0" " " | grep -c "slee[p] 1000"');
      expect(Number(before.output.trim())).toBeGreaterThanOrEqual(1);
      await driver.ensureStopped(s.workspaceId);
      await driver.ensureRunning(s);
      const after = await runInWorkspace(driver, s.workspaceId, 'cat /proc/[0-9]*/cmdline | tr "\\0" " " | grep -c "slee[p] 1000"');
      expect(after.output.trim()).toBe('0');
    });

    it('is found running by a new driver instance (an agent restart)', async () => {
      const s = spec();
      await driver.ensureRunning(s);
      await runInWorkspace(driver, s.workspaceId, 'echo survived > /workspace/mark');
      const restarted = makeDriver();
      try {
        expect(await restarted.status(s.workspaceId)).toBe('running');
        expect(await restarted.list()).toContainEqual({ workspaceId: s.workspaceId, state: 'running' });
        const result = await runInWorkspace(restarted, s.workspaceId, 'cat /workspace/mark');
        expect(result.output).toBe('survived\n');
        await restarted.ensureStopped(s.workspaceId);
        expect(await driver.status(s.workspaceId)).toBe('stopped');
      } finally {
        await restarted.close();
      }
    });

    it('removes the workspace and its files on delete', async () => {
      const s = spec();
      await driver.ensureRunning(s);
      await runInWorkspace(driver, s.workspaceId, 'echo gone > /workspace/file');
      await driver.ensureDeleted(s.workspaceId);
      await driver.ensureDeleted(s.workspaceId);
      expect(await driver.status(s.workspaceId)).toBe('missing');
      expect((await driver.list()).map((w) => w.workspaceId)).not.toContain(s.workspaceId);
      await driver.ensureRunning(s);
      const result = await runInWorkspace(driver, s.workspaceId, 'ls -A /workspace | wc -l');
      expect(result.output.trim()).toBe('0');
    });

    it('starts a workspace with the limits of its spec and reports them while it runs', async () => {
      const s = { ...spec(), resources: { cpus: 1, memoryMiB: 512, processes: 256, tmpMiB: 64, diskMiB: 1024 } };
      await driver.ensureRunning(s);
      const usage = await driver.usage(s.workspaceId);
      expect(usage).toMatchObject({ limits: s.resources, mechanism: driver.resourceControl().mechanism, oomKills: 0, processLimitHits: 0 });
      const tmp = await runInWorkspace(driver, s.workspaceId, 'df -m --output=size /tmp | tail -1');
      expect(tmp.output.trim()).toBe('64');
      await driver.ensureStopped(s.workspaceId);
      expect(await driver.usage(s.workspaceId)).toBeUndefined();
    });

    it('refuses port targets or serves them, but never hangs', async () => {
      const s = spec();
      await driver.ensureRunning(s);
      const attempt = driver.connect(s.workspaceId, { kind: 'port', port: 3000 }).then(
        (stream) => {
          stream.destroy();
          return 'connected';
        },
        (error: Error) => error.message,
      );
      expect(await attempt).toMatch(/connected|not|cannot/);
    });
  });
}

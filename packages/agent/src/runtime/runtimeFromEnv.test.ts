import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from './local/localRuntime.js';
import { runtimeNamed } from './runtimeFromEnv.js';

const agentMain = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

describe('PADDOCK_RUNTIME', () => {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-runtime-setting-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const log = { info: () => undefined, warn: () => undefined };

  it('is the local runtime when unset or empty, and when it says local', async () => {
    for (const name of [undefined, '', 'local']) {
      const runtime = runtimeNamed(name)({ dataDir: join(dir, 'agent'), env: {}, log });
      try {
        expect(runtime).toBeInstanceOf(LocalRuntime);
        expect(runtime.kind).toBe('local');
      } finally {
        await runtime.close();
      }
    }
  });

  it('refuses a runtime the agent does not have, naming the ones it has', () => {
    for (const name of ['kubernetes', 'Local', 'toString', '__proto__']) {
      expect(() => runtimeNamed(name)).toThrow(`PADDOCK_RUNTIME=${JSON.stringify(name)} is not a runtime this agent has (it has: local)`);
    }
  });

  it('keeps the agent from starting at all when it names no runtime of this agent', async () => {
    const dataDir = join(dir, 'refused');
    const run = promisify(execFile)(process.execPath, [agentMain], {
      env: { ...process.env, PADDOCK_RUNTIME: 'kubernetes', PADDOCK_AGENT_DATA_DIR: dataDir, PADDOCK_TUNNEL_CA: join(dir, 'no-ca.pem') },
      timeout: 30_000,
    });
    const failed = await run.then(() => undefined, (err: { code?: number; stdout?: string }) => err);
    expect(failed?.code).toBe(1);
    const line = JSON.parse(failed!.stdout!.trim().split('\n').at(-1)!) as { level: number; msg: string };
    expect(line).toMatchObject({ level: 60, msg: 'PADDOCK_RUNTIME="kubernetes" is not a runtime this agent has (it has: local)' });
    expect(existsSync(dataDir)).toBe(false);
  });
});

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { supervisedCommand } from './appReconciler.js';

describe("a published app's command", () => {
  it('runs as written, quotes and all, and starts again after it exits, saying with what status', async () => {
    const command = `printf '%s|%s\\n' "it's" "$HOME_IS_NOT_READ"; exit 3`;
    const child = spawn('bash', ['-c', supervisedCommand(command)], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    try {
      // Two runs: it came back after the first exit (2 s later).
      await expect.poll(() => out.split('\n').filter(Boolean).length, { timeout: 6_000, interval: 100 }).toBe(2);
    } finally {
      child.kill('SIGKILL');
    }
    expect(out.split('\n')[0]).toBe("it's|");
    expect(err).toContain('paddock: the app exited (3); starting it again in 2 s');
  });
});

import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seedOpencodeConfigDir } from './opencodeConfigDir.js';

describe("OpenCode's config directory", () => {
  const home = mkdtempSync(join(tmpdir(), 'paddock-opencode-home-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const dir = join(home, '.config', 'opencode');

  it('is seeded so OpenCode finds its plugin package installed, and a lock file of the builder stays', () => {
    seedOpencodeConfigDir(home);
    expect(statSync(join(dir, 'node_modules')).isDirectory()).toBe(true);
    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
    expect(lock.packages['']).toEqual({ dependencies: { '@opencode-ai/plugin': '*' } });

    rmSync(dir, { recursive: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package-lock.json'), '{"mine":true}');
    seedOpencodeConfigDir(home);
    expect(readFileSync(join(dir, 'package-lock.json'), 'utf8')).toBe('{"mine":true}');
  });
});

import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadOnlyMount } from './daemonMounts.js';

/** Where the AI tools appear inside a sandbox; it leads PATH there. */
export const sandboxToolchainBin = '/opt/paddock/bin';

const require = createRequire(import.meta.url);
// The same relative path holds from src/ (tests) and dist/ (built).
const profileScript = fileURLToPath(new URL('../../../sandbox/paddock-toolchain.sh', import.meta.url));

/**
 * The pinned AI CLIs (dependencies of this package: @anthropic-ai/claude-code,
 * opencode-ai) as read-only file mounts at /opt/paddock/bin/{claude,opencode}.
 * Both ship one native executable per platform in an optional dependency; we
 * bind that executable itself, so nothing depends on their postinstall scripts.
 * A tool whose platform package is missing is left out.
 */
export function toolchainMounts(): ReadOnlyMount[] {
  const mounts: ReadOnlyMount[] = [];
  const claude = platformBinary([`@anthropic-ai/claude-code-${platformKey()}`], 'claude');
  if (claude) mounts.push({ source: claude, dest: `${sandboxToolchainBin}/claude` });
  const opencodePackages = [`opencode-${platformKey()}`];
  // Without AVX2 the regular x64 build crashes; OpenCode ships a baseline build for those CPUs.
  if (process.arch === 'x64' && !cpuHasAvx2()) opencodePackages.unshift(`opencode-${platformKey()}-baseline`);
  const opencode = platformBinary(opencodePackages, 'bin/opencode');
  if (opencode) mounts.push({ source: opencode, dest: `${sandboxToolchainBin}/opencode` });
  // Login shells get PATH from /etc/profile, which resets it; this puts the tools back.
  if (mounts.length > 0) mounts.push({ source: profileScript, dest: '/etc/profile.d/paddock-toolchain.sh' });
  return mounts;
}

function platformKey(): string {
  return `${process.platform}-${process.arch}`;
}

function platformBinary(packages: string[], file: string): string | undefined {
  for (const name of packages) {
    try {
      const dir = dirname(require.resolve(`${name}/package.json`));
      const path = join(dir, file);
      if (existsSync(path)) return realpathSync(path);
    } catch {
      // Not installed for this platform.
    }
  }
  return undefined;
}

function cpuHasAvx2(): boolean {
  try {
    return /\bavx2\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return true;
  }
}

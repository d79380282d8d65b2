import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { SANDBOX_EGRESS_CA, SANDBOX_EGRESS_CA_BUNDLE } from '../../gateway/egress/egressCa.js';
import { claudeManagedSettings } from '../../gateway/hooks/claudeManagedSettings.js';
import { opencodeManagedConfig, SANDBOX_OPENCODE_MANAGED_DIR } from '../../gateway/hooks/opencodeManagedConfig.js';
import { SANDBOX_CLAUDE_MANAGED_SETTINGS, SANDBOX_GUARD_BIN, SANDBOX_GUARD_DIR } from '../../guard/guardPaths.js';
import type { ReadOnlyMount } from './daemonMounts.js';

/** Where OpenCode's plugin that calls the guard appears inside a sandbox. */
export const SANDBOX_OPENCODE_PLUGIN = '/opt/paddock/opencode/paddock-guard.js';

// The same relative paths hold from src/ (tests) and dist/ (built): the guard runs compiled, from dist.
const guardDist = fileURLToPath(new URL('../../../dist/guard', import.meta.url));
const opencodePlugin = fileURLToPath(new URL('../../../sandbox/opencode-paddock-guard.js', import.meta.url));

/**
 * The agent hooks' side of a sandbox, all read-only: paddock-guard on PATH
 * (a launcher the agent writes, running the guard's compiled modules with the
 * agent's own node), Claude Code's and OpenCode's managed settings (their
 * whole directories) and OpenCode's plugin. The files the agent writes live in <dataDir>/guard,
 * written again at every agent start. Like the rest of the data dir they carry no group or
 * other bits: the sandbox user reads them as their owner (`sandboxUid`, when the agent runs as
 * root), and can't change them, the binds being read-only.
 */
export function guardMounts(dataDir: string, nodeBinary: string, sandboxUid?: number, egressCaCertificate?: string): ReadOnlyMount[] {
  const dir = join(dataDir, 'guard');
  const claudeDir = join(dir, 'claude-code');
  const opencodeDir = join(dir, 'opencode');
  // The data dir itself is only passed through (created here on a first start).
  mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  const own = (path: string, mode: number) => {
    chmodSync(path, mode);
    if (sandboxUid !== undefined) chownSync(path, sandboxUid, sandboxUid);
  };
  for (const d of [dir, claudeDir, opencodeDir]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    own(d, 0o500);
  }
  const launcher = join(dir, 'paddock-guard');
  // Any failure of node itself (a missing module, a crash) exits 2, a deny, and never 1, which Claude Code would take as "go ahead".
  writeAtomically(launcher, `#!/bin/sh\n'${nodeBinary}' ${SANDBOX_GUARD_DIR}/main.js "$@" || exit 2\n`, 0o500, own);
  writeAtomically(join(claudeDir, 'managed-settings.json'), `${JSON.stringify(claudeManagedSettings(), null, 2)}\n`, 0o400, own);
  writeAtomically(join(opencodeDir, 'opencode.json'), `${JSON.stringify(opencodeManagedConfig(SANDBOX_OPENCODE_PLUGIN), null, 2)}\n`, 0o400, own);
  if (!existsSync(join(guardDist, 'main.js'))) throw new Error(`paddock-guard is not built (${guardDist}/main.js is missing): run tsc -b`);
  const egress: ReadOnlyMount[] = [];
  if (egressCaCertificate !== undefined) {
    // The egress proxy's CA certificate (never its key, which stays in <dataDir>/egress-ca), alone and with the host's roots.
    const ca = join(dir, 'egress-ca.pem');
    const bundle = join(dir, 'egress-ca-bundle.pem');
    writeAtomically(ca, egressCaCertificate, 0o400, own);
    writeAtomically(bundle, `${hostRoots()}\n${egressCaCertificate}`, 0o400, own);
    egress.push({ source: ca, dest: SANDBOX_EGRESS_CA }, { source: bundle, dest: SANDBOX_EGRESS_CA_BUNDLE });
  }
  return [
    ...egress,
    { source: realpathSync(guardDist), dest: SANDBOX_GUARD_DIR },
    { source: launcher, dest: SANDBOX_GUARD_BIN },
    { source: claudeDir, dest: dirname(SANDBOX_CLAUDE_MANAGED_SETTINGS) },
    { source: opencodeDir, dest: SANDBOX_OPENCODE_MANAGED_DIR },
    { source: realpathSync(opencodePlugin), dest: SANDBOX_OPENCODE_PLUGIN },
  ];
}

/** The host's trusted roots (Debian's bundle, with the operator's own CAs), or Node's when the host has none. */
function hostRoots(): string {
  try {
    return readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8');
  } catch {
    return rootCertificates.join('\n');
  }
}

function writeAtomically(path: string, content: string, mode: number, own: (path: string, mode: number) => void): void {
  writeFileSync(`${path}.tmp`, content, { mode: 0o600 });
  own(`${path}.tmp`, mode);
  renameSync(`${path}.tmp`, path);
}

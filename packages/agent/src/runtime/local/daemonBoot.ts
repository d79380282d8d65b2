import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAEMON_BOOT_FILE, type DaemonBoot } from '@paddock/protocol';
import type { WorkspaceRunSpec } from '../driver.js';

/**
 * Writes what the daemon sets up at start (AGENTS.md text, the tabs' PTY
 * sessions) into the workspace's run dir, read by the daemon as
 * /run/paddock/boot.json. The run dir is writable from inside the sandbox, so
 * never write through whatever is there: remove it, then create exclusively
 * (O_EXCL does not follow a symlink planted in between).
 */
export function writeDaemonBoot(runDir: string, spec: Pick<WorkspaceRunSpec, 'agentInstructions' | 'sessions'>): void {
  const path = join(runDir, DAEMON_BOOT_FILE);
  rmSync(path, { force: true });
  const boot: DaemonBoot = { agentInstructions: spec.agentInstructions ?? '', sessions: spec.sessions ?? [] };
  writeFileSync(path, JSON.stringify(boot), { mode: 0o644, flag: 'wx' });
}

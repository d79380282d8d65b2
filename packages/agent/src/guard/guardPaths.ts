/**
 * Where paddock-guard lives and asks, inside every workspace. The guard reads
 * no variable for where to ask: a process could point it at a socket of its own
 * that allows everything. The socket's directory is a read-only bind of the
 * agent's (localRuntime's sandboxBridgeDir), so nothing inside can replace it.
 */
export const GUARD_SOCKET_PATH = '/run/paddock-bridges/policy.sock';

/** The guard's compiled modules, bound read-only. */
export const SANDBOX_GUARD_DIR = '/opt/paddock/guard';

/** The command on every workspace's PATH (sandboxToolchainBin). */
export const SANDBOX_GUARD_BIN = '/opt/paddock/bin/paddock-guard';

/** Claude Code's managed settings, bound read-only: a builder's own settings can't loosen them. */
export const SANDBOX_CLAUDE_MANAGED_SETTINGS = '/etc/claude-code/managed-settings.json';

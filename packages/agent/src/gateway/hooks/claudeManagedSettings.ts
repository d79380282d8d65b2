import { SANDBOX_GUARD_BIN } from '../../guard/guardPaths.js';
import { GUARD_MAX_WAIT_MS } from '../../guard/guard.js';

/**
 * Claude Code's managed settings in every workspace (bound read-only at
 * /etc/claude-code/, the whole directory, so no managed-settings.d fragment
 * can be added beside them). Managed settings win over the builder's own:
 * - only these hooks run (allowManagedHooksOnly): a user, project or plugin
 *   hook that allows everything is ignored;
 * - every tool call goes through paddock-guard first (matcher "*"), run
 *   without a shell (exec form: no $SHELL or PATH lookup to subvert), and
 *   its failure to run at all counts as a deny (onFailure "block") rather
 *   than Claude Code's default of going ahead;
 * - its timeout outlasts the longest hold a policy can set, so a held action
 *   is decided by an admin or the guard's own deadline, never cut short;
 * - auto mode and bypass mode are off, and permission rules are the managed
 *   ones only: what the guard allows, it allows explicitly; what it leaves
 *   alone (reads, searches) goes through Claude Code's default mode.
 */
export function claudeManagedSettings(): Record<string, unknown> {
  const guardTimeoutSeconds = Math.ceil(GUARD_MAX_WAIT_MS / 1000) + 600;
  return {
    allowManagedHooksOnly: true,
    allowManagedPermissionRulesOnly: true,
    disableAutoMode: 'disable',
    permissions: { defaultMode: 'default', disableBypassPermissionsMode: 'disable', disableAutoMode: 'disable' },
    hooks: {
      PreToolUse: [{
        matcher: '*',
        hooks: [{
          type: 'command', command: SANDBOX_GUARD_BIN, args: ['hook', 'claude'],
          timeout: guardTimeoutSeconds, onFailure: 'block', statusMessage: "Checking Paddock's policy, or waiting for an admin to approve",
        }],
      }],
    },
  };
}

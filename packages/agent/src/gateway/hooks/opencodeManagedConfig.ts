import type { EffectivePolicy } from '@paddock/protocol';

/** OpenCode's system-wide config directory on Linux: read after the user's and the project's, so it wins. */
export const SANDBOX_OPENCODE_MANAGED_DIR = '/etc/opencode';

/**
 * OpenCode's managed config in every workspace (/etc/opencode/opencode.json,
 * the directory bound read-only). It loads the plugin that asks paddock-guard
 * before every tool call. OpenCode adds the plugins of every config it reads
 * together, so a project's or a user's config can add plugins but never drop
 * this one.
 */
export function opencodeManagedConfig(pluginPath: string): Record<string, unknown> {
  return { $schema: 'https://opencode.ai/config.json', plugin: [`file://${pluginPath}`] };
}

/** OpenCode's permission keys for the classes its tools fall in. */
const opencodePermissionKeys = { bash_command: ['bash'], file_write: ['edit'], http_request: ['webfetch'] } as const;

/**
 * OpenCode's own permission config from the workspace's policy
 * (OPENCODE_PERMISSION, which OpenCode merges over every config file): the
 * second line behind the plugin, should it not load. A class the policy denies
 * outright in enforce mode (its default is deny and no rule lets anything
 * through), or every class while the kill switch is engaged, is denied by
 * OpenCode itself; the rest is left to the plugin, which asks the policy
 * about each call. Undefined where nothing is enforced.
 */
export function opencodePermission(policy: EffectivePolicy | undefined): Record<string, 'deny' | 'allow'> | undefined {
  if (!policy || policy.mode !== 'enforce') return undefined;
  const permission: Record<string, 'deny' | 'allow'> = {};
  for (const [cls, keys] of Object.entries(opencodePermissionKeys) as Array<[keyof typeof opencodePermissionKeys, readonly string[]]>) {
    const wholly = policy.killSwitch.engaged
      || (policy.defaults[cls] === 'deny' && !policy.rules.some((rule) => rule.class === cls && rule.verdict !== 'deny'));
    for (const key of keys) permission[key] = wholly ? 'deny' : 'allow';
  }
  return permission;
}

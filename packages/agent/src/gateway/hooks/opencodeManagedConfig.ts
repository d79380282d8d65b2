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

import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ReadOnlyMount } from './daemonMounts.js';

/** Where the starter blueprints' templates appear inside a sandbox. */
export const sandboxTemplatesDir = '/opt/paddock/templates';

// The same relative path holds from src/ (tests) and dist/ (built).
const templatesDir = fileURLToPath(new URL('../../../../templates', import.meta.url));

/**
 * packages/templates, read-only: the starter blueprints' files, and React +
 * Vite's node_modules installed on the host (a workspace has no network to
 * install them). Nothing else of the checkout is visible.
 */
export function templateMounts(): ReadOnlyMount[] {
  if (!existsSync(templatesDir)) return [];
  return [{ source: realpathSync(templatesDir), dest: sandboxTemplatesDir }];
}

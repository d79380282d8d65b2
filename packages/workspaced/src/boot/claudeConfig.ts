import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Pre-answers Claude Code's first-run questions in ~/.claude.json, so the
 * Claude Code tab opens straight into a conversation: the theme, onboarding,
 * "use this API key?" (Claude Code stores the approval as the key's last 20
 * characters; the key is the gateway's virtual key, never a provider key),
 * and trust of the workspace folder. Only missing answers are added: a
 * builder's own choices stay. A file we can't parse is left alone.
 */
export function seedClaudeConfig(input: { home: string; workspaceDir: string; apiKey: string | undefined }): boolean {
  const path = join(input.home, '.claude.json');
  let config: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
    config = parsed as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return false;
  }
  config.hasCompletedOnboarding ??= true;
  config.theme ??= 'dark';
  if (input.apiKey) {
    const responses = (config.customApiKeyResponses ?? {}) as { approved?: string[]; rejected?: string[] };
    const approved = (responses.approved ?? []).filter((k) => k !== input.apiKey!.slice(-20));
    // The virtual key changes at every start; keep the list short.
    config.customApiKeyResponses = { ...responses, approved: [...approved.slice(-4), input.apiKey.slice(-20)] };
  }
  const projects = (config.projects ?? {}) as Record<string, Record<string, unknown>>;
  const project = projects[input.workspaceDir] ?? {};
  project.hasTrustDialogAccepted ??= true;
  project.hasCompletedProjectOnboarding ??= true;
  projects[input.workspaceDir] = project;
  config.projects = projects;
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return true;
}

import type { GovernanceAction } from '@paddock/protocol';
import { normalizeRemote } from './gitMatch.js';
import { normalizeDomain } from './httpMatch.js';
import { normalizeWorkspacePath } from './pathMatch.js';

/** An event's summary is one line, this long at most: enough to read, never a payload. */
export const SUMMARY_MAX = 300;

/**
 * One line saying what was asked: the command, the path, the method with
 * domain and path (never the query: it carries tokens), the remote and ref
 * (never its credentials; `redact` masks the workspace's own). Never content:
 * no body, prompt or file text.
 */
export function summaryOf(action: GovernanceAction, redact: (text: string) => string = (text) => text): string {
  // Redacted before it is cut: a credential cut in half would show its other half.
  return oneLine(redact(rawSummary(action)));
}

function rawSummary(action: GovernanceAction): string {
  switch (action.class) {
    case 'bash_command':
      return action.command;
    case 'file_write':
      return `write ${normalizeWorkspacePath(action.path)}`;
    case 'http_request': {
      const port = action.port && action.port !== 443 && action.port !== 80 ? `:${action.port}` : '';
      const path = action.path.split(/[?#]/)[0] ?? '';
      return `${action.method.toUpperCase()} ${normalizeDomain(action.domain) ?? action.domain}${port}${path}`;
    }
    case 'git_push':
      return `git push${action.force ? ' --force' : ''}${action.delete ? ' --delete' : ''} to ${normalizeRemote(action.remote)} ${action.ref}`;
    case 'llm_call':
      return action.model ? `model call to ${action.model}` : 'model call';
  }
}

export function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > SUMMARY_MAX ? `${flat.slice(0, SUMMARY_MAX - 1)}…` : flat;
}

import { RECORDED_ACTION_MAX, type GovernanceAction } from '../governanceApi.js';
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

/**
 * The action as its event records it, for the simulator to replay: the workspace's own
 * credentials masked (`redact`, as in the summary), a URL's query and fragment dropped
 * (they carry tokens; path rules match the path alone), no working directory. Undefined
 * when a text is longer than RECORDED_ACTION_MAX: such an event is not replayable rather
 * than replayed cut short (a cut command is another command).
 */
export function recordedAction(action: GovernanceAction, redact: (text: string) => string = (text) => text): GovernanceAction | undefined {
  const fits = (...texts: string[]) => texts.every((t) => t.length <= RECORDED_ACTION_MAX);
  switch (action.class) {
    case 'llm_call':
      return action.model ? { class: 'llm_call', model: action.model.slice(0, 200) } : { class: 'llm_call' };
    case 'bash_command': {
      const command = redact(action.command);
      return fits(command) ? { class: 'bash_command', command } : undefined;
    }
    case 'file_write': {
      const path = redact(action.path);
      return fits(path) ? { class: 'file_write', path } : undefined;
    }
    case 'http_request': {
      const path = redact(action.path.split(/[?#]/)[0] ?? '');
      const out: GovernanceAction = { class: 'http_request', domain: action.domain, method: action.method, path };
      if (action.port !== undefined) out.port = action.port;
      return fits(path) ? out : undefined;
    }
    case 'git_push': {
      const remote = redact(normalizeRemote(action.remote));
      const ref = redact(action.ref);
      return remote.length <= 2000 && ref.length <= 1000 ? { class: 'git_push', remote, ref, force: action.force, delete: action.delete } : undefined;
    }
  }
}

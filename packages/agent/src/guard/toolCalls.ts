import type { GovernanceAction } from '@paddock/protocol';
import { gitPushesIn } from './gitPushes.js';

/**
 * The agent tools' calls, as governance classes. Claude Code's PreToolUse
 * input and OpenCode's tool.execute.before both name a tool and its input;
 * each governed tool maps to one or more actions (a patch touches several
 * files), each asked about in turn. A tool no class covers (reads, searches,
 * todo lists) maps to none and is left to the tool's own permission rules.
 * The guard runs for every tool call, so this file imports nothing that runs.
 */
export interface GuardedAction {
  action: GovernanceAction;
  /** A file's new content, for the content filters (never stored or sent on). */
  content?: string;
}

/** Thrown for a governed tool whose input isn't what it should be: the guard denies it. */
export class UnreadableToolCall extends Error {}

type Input = Record<string, unknown>;

const str = (input: Input, key: string, tool: string): string => {
  const value = input[key];
  if (typeof value !== 'string') throw new UnreadableToolCall(`${tool}: ${key} is missing`);
  return value;
};
const optionalStr = (input: Input, key: string): string | undefined => (typeof input[key] === 'string' ? input[key] : undefined);

/** Claude Code's tools (PreToolUse `tool_name`, `tool_input`), with the session's cwd. */
export function claudeToolActions(tool: string, input: Input, cwd?: string): GuardedAction[] {
  switch (tool) {
    case 'Bash':
      return bashActions(str(input, 'command', tool), cwd);
    case 'Write':
      return [fileWrite(str(input, 'file_path', tool), str(input, 'content', tool))];
    case 'Edit':
      return [fileWrite(str(input, 'file_path', tool), str(input, 'new_string', tool))];
    case 'MultiEdit':
      return [fileWrite(str(input, 'file_path', tool), editsText(input.edits, 'new_string', tool))];
    case 'NotebookEdit':
      return [fileWrite(str(input, 'notebook_path', tool), optionalStr(input, 'new_source') ?? '')];
    case 'WebFetch':
      return [httpGet(str(input, 'url', tool), tool)];
    default:
      return [];
  }
}

/** OpenCode's tools (tool.execute.before: `tool`, `args`). */
export function opencodeToolActions(tool: string, args: Input, cwd?: string): GuardedAction[] {
  switch (tool) {
    case 'bash': {
      return bashActions(str(args, 'command', tool), optionalStr(args, 'workdir') ?? cwd);
    }
    case 'write':
      return [fileWrite(str(args, 'filePath', tool), str(args, 'content', tool))];
    case 'edit':
      return [fileWrite(str(args, 'filePath', tool), str(args, 'newString', tool))];
    case 'multiedit':
      return [fileWrite(str(args, 'filePath', tool), editsText(args.edits, 'newString', tool))];
    case 'patch':
    case 'apply_patch':
      return patchActions(str(args, 'patchText', tool), tool);
    case 'webfetch':
      return [httpGet(str(args, 'url', tool), tool)];
    default:
      return [];
  }
}

/** A command, and each git push it makes in plain sight (their own class: force pushes, deletions). */
export function bashActions(command: string, cwd?: string): GuardedAction[] {
  return [
    { action: { class: 'bash_command', command, ...(cwd ? { cwd } : {}) } },
    ...gitPushesIn(command).map((push) => ({ action: push })),
  ];
}

function fileWrite(path: string, content: string): GuardedAction {
  return { action: { class: 'file_write', path }, content };
}

function editsText(edits: unknown, key: string, tool: string): string {
  if (!Array.isArray(edits)) throw new UnreadableToolCall(`${tool}: edits is missing`);
  return edits.map((edit: unknown) => (edit && typeof edit === 'object' ? str(edit as Input, key, tool) : '')).join('\n');
}

function httpGet(url: string, tool: string): GuardedAction {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UnreadableToolCall(`${tool}: ${JSON.stringify(url.slice(0, 200))} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UnreadableToolCall(`${tool}: only http(s) URLs are fetched`);
  return {
    action: {
      class: 'http_request', domain: parsed.hostname, method: 'GET', path: `${parsed.pathname}${parsed.search}`,
      ...(parsed.port ? { port: Number(parsed.port) } : {}),
    },
  };
}

/** OpenCode's patch format names each file it adds, updates, moves or deletes on a line of its own. */
function patchActions(patch: string, tool: string): GuardedAction[] {
  const actions: GuardedAction[] = [];
  const header = /^\*\*\* (?:Add|Update|Delete) File: (.+)$|^\*\*\* Move to: (.+)$/gm;
  for (const match of patch.matchAll(header)) {
    const path = (match[1] ?? match[2] ?? '').trim();
    if (path) actions.push(fileWrite(path, patch));
  }
  if (actions.length === 0) throw new UnreadableToolCall(`${tool}: the patch names no file`);
  return actions;
}

/** One line for the builder: what is waiting for an admin. */
export function actionSummary(action: GovernanceAction): string {
  switch (action.class) {
    case 'bash_command': return action.command.split('\n')[0]!.slice(0, 200);
    case 'file_write': return `write ${action.path}`;
    case 'http_request': return `${action.method} ${action.domain}${action.path}`;
    case 'git_push': return `git push${action.force ? ' --force' : ''}${action.delete ? ' --delete' : ''} to ${action.remote}/${action.ref}`;
    case 'llm_call': return `model call${action.model ? ` to ${action.model}` : ''}`;
  }
}

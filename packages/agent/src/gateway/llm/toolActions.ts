import type { GovernanceAction } from '@paddock/protocol';
import type { ToolUse } from './toolUseReader.js';

const field = (input: unknown, ...names: string[]): string | undefined => {
  if (typeof input !== 'object' || input === null) return undefined;
  for (const name of names) {
    const value = (input as Record<string, unknown>)[name];
    if (typeof value === 'string') return value;
  }
  return undefined;
};

/**
 * What a tool call asks to do, as a governance action, for the tools of
 * Claude Code (Bash, Write, Edit, MultiEdit, NotebookEdit, WebFetch) and
 * OpenCode (bash, write, edit, patch, webfetch); undefined for a tool that is
 * none of these classes (reads, searches, todo lists).
 */
export function actionOfToolUse(use: ToolUse): GovernanceAction | undefined {
  switch (use.name.toLowerCase()) {
    case 'bash': {
      const command = field(use.input, 'command');
      return command === undefined ? undefined : { class: 'bash_command', command: command.slice(0, 100_000) };
    }
    case 'write':
    case 'edit':
    case 'multiedit':
    case 'notebookedit':
    case 'patch': {
      const path = field(use.input, 'file_path', 'filePath', 'notebook_path', 'path');
      return path === undefined ? undefined : { class: 'file_write', path: path.slice(0, 4096) };
    }
    case 'webfetch': {
      const url = field(use.input, 'url');
      if (url === undefined) return undefined;
      try {
        const parsed = new URL(url);
        return { class: 'http_request', domain: parsed.hostname.slice(0, 253), method: 'GET', path: parsed.pathname.slice(0, 8192) };
      } catch {
        return { class: 'http_request', domain: url.slice(0, 253), method: 'GET', path: '/' };
      }
    }
    default:
      return undefined;
  }
}

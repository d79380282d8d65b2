import type { AiToolState } from '../../api/ai';

export interface ToolActivity {
  /** A plain-words line for a non-technical reader: "Wrote index.html", "Ran: node serve.mjs". */
  text: string;
  state: 'working' | 'done' | 'failed';
  /** What went wrong, when it failed. */
  detail?: string;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Paths as the builder knows them: relative to the workspace folder. */
export function friendlyPath(path: string): string {
  const trimmed = path.replace(/^\/workspace\/?/, '');
  return trimmed || 'the workspace folder';
}

/** The command a builder would recognise: without a leading `cd <dir> &&`, and not too long. */
export function friendlyCommand(command: string): string {
  const withoutCd = command.replace(/^\s*cd\s+\S+\s*&&\s*/, '').trim();
  return withoutCd.length > 120 ? `${withoutCd.slice(0, 117)}…` : withoutCd;
}

/** Maps one of OpenCode's tool calls to a line in plain words. */
export function toolActivity(tool: string, state: AiToolState): ToolActivity {
  const input = state.input ?? {};
  const file = friendlyPath(str(input.filePath) || str(input.path));
  const done = state.status === 'completed';
  const status: ToolActivity['state'] = state.status === 'error' ? 'failed' : done ? 'done' : 'working';
  const pick = (working: string, finished: string) => (done ? finished : working);
  let text: string;
  switch (tool) {
    case 'write':
      text = pick(`Writing ${file}…`, `Wrote ${file}`);
      break;
    case 'edit':
    case 'multiedit':
    case 'patch':
      text = pick(`Editing ${file}…`, `Edited ${file}`);
      break;
    case 'read':
      text = pick(`Reading ${file}…`, `Read ${file}`);
      break;
    case 'bash': {
      const command = friendlyCommand(str(input.command));
      text = command ? pick(`Running: ${command}`, `Ran: ${command}`) : pick('Running a command…', 'Ran a command');
      break;
    }
    case 'list':
    case 'glob':
      text = pick('Looking through the files…', 'Looked through the files');
      break;
    case 'grep':
      text = pick(`Searching for “${str(input.pattern)}”…`, `Searched for “${str(input.pattern)}”`);
      break;
    case 'webfetch':
      text = pick(`Fetching ${str(input.url)}…`, `Fetched ${str(input.url)}`);
      break;
    case 'todowrite':
    case 'todoread':
      text = pick('Updating the plan…', 'Updated the plan');
      break;
    default:
      text = pick(`Using ${tool}…`, `Used ${tool}`);
  }
  if (status === 'failed') {
    return { text: `Failed: ${text.replace(/…$/, '')}`, state: status, detail: state.status === 'error' ? state.error : undefined };
  }
  return { text, state: status };
}

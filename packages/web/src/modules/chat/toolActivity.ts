import type { AiToolState } from '../../api/ai';
import { explainExitIn } from '../workspaces/processExit';

export interface ToolActivity {
  /** A plain-words line for a non-technical reader: "Wrote index.html", "Started the app". */
  text: string;
  state: 'working' | 'done' | 'failed';
  /** What went wrong, when it failed, in plain words. */
  detail?: string;
  /** The exact command (and the raw error), for the "details" toggle: for the curious, never the headline. */
  technical?: string;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Paths as the builder knows them: relative to the workspace folder. */
export function friendlyPath(path: string): string {
  const trimmed = path.replace(/^\/workspace\/?/, '');
  return trimmed || 'the workspace folder';
}

/** The command without a leading `cd <dir> &&`: what the details toggle shows. */
export function friendlyCommand(command: string): string {
  return command.replace(/^\s*cd\s+\S+\s*&&\s*/, '').trim();
}

/**
 * What a shell command does, as a builder would say it: [while working, once done]. The
 * first rule that matches wins; a command none match is "a command". Starting a server is
 * what builders most need to see, so it is tried first: a dev server, or anything sent to
 * the background (nohup, a trailing &).
 */
const COMMAND_WORDS: Array<[RegExp, string, string]> = [
  [/\b(?:pkill|kill|killall|fuser\s+-k)\b/, 'Stopping the app…', 'Stopped the app'],
  [/\bnohup\b|&\s*\)?\s*(?:&&|;|$)|\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?(?:dev|start|serve|preview)\b|\b(?:vite|next\s+dev|nodemon|http-server|serve)\b(?!\.)|\bhttp\.server\b|\b(?:flask|uvicorn|streamlit)\s+run\b|\bnode\s+\S*serve/, 'Starting the app…', 'Started the app'],
  [/\b(?:npm|pnpm|yarn|bun)\s+(?:install|i|add|ci)\b|\bpip3?\s+install\b/, 'Installing what the app needs…', 'Installed what the app needs'],
  [/\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?test\b|\b(?:vitest|jest|pytest)\b/, 'Running the tests…', 'Ran the tests'],
  [/\b(?:npm|pnpm|yarn|bun)\s+run\s+build\b|\bvite\s+build\b|\btsc\b/, 'Building the app…', 'Built the app'],
  [/\bgit\s+commit\b/, 'Saving a version…', 'Saved a version'],
  [/^\s*(?:ls|cat|head|tail|find|tree|pwd)\b/, 'Looking at the files…', 'Looked at the files'],
  [/^\s*(?:mkdir|cp|mv|touch)\b/, 'Arranging the files…', 'Arranged the files'],
  [/^\s*(?:rm)\b/, 'Removing files…', 'Removed files'],
  [/\bcurl\b|\bwget\b/, 'Checking the app…', 'Checked the app'],
];

function commandWords(command: string): [string, string] {
  const found = COMMAND_WORDS.find(([pattern]) => pattern.test(command));
  return found ? [found[1], found[2]] : ['Running a command…', 'Ran a command'];
}

/** Maps one of OpenCode's tool calls to a line in plain words. */
export function toolActivity(tool: string, state: AiToolState): ToolActivity {
  const input = state.input ?? {};
  const file = friendlyPath(str(input.filePath) || str(input.path));
  const done = state.status === 'completed';
  const status: ToolActivity['state'] = state.status === 'error' ? 'failed' : done ? 'done' : 'working';
  const pick = (working: string, finished: string) => (done ? finished : working);
  let text: string;
  let technical: string | undefined;
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
      text = pick(...commandWords(command));
      technical = command || undefined;
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
    const error = state.status === 'error' ? state.error : undefined;
    const explained = error ? explainExitIn(error) : null;
    return {
      text: `Failed: ${text.replace(/…$/, '')}`, state: status,
      detail: explained ?? error,
      technical: explained && error ? [technical, error].filter(Boolean).join('\n') : technical,
    };
  }
  return { text, state: status, technical };
}

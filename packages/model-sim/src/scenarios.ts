import { createHash } from 'node:crypto';
import { blocksOf, textOf, type MessagesRequest, type Reply, type ReplyBlock } from './messages.js';

/** The model id the scripted model answers as; it is a demo, not a real model. */
export const DEMO_MODEL_ID = 'paddock-demo-model';

/** The port the "build a page" scenario serves the page on. */
export const DEMO_DEV_SERVER_PORT = 5173;

const countSlowly = /\bcount slowly\b/i;
const failWithError = /\bfail with an error\b/i;
const longAnswer = /\blong answer\b/i;
const threeAtOnce = /\brun three commands at once\b/i;
const runCommand = /\brun the command\s*`([^`]+)`/i;
const buildPage = /\bbuild (?:me )?an? (?:web ?)?page that says\s+["“']?(.+?)["”']?\s*[.!]?\s*$/im;

/**
 * Picks the reply from the conversation, deterministically. The prompt is the
 * last user message that carries text (tool results don't count); the step is
 * how many assistant turns followed it. Scenarios:
 *  - "build a page that says X": write index.html (and a tiny static server),
 *    start it, then answer in text. Uses whichever write/bash tools the client
 *    offers (Claude Code's Write/Bash, OpenCode's write/bash); without them it
 *    answers in text.
 *  - "run three commands at once": three bash calls in one turn (each writes
 *    parallel-<n>.txt in the working directory), then an answer in text. In a
 *    Chat Completions stream their argument fragments interleave.
 *  - "run the command `X`": one bash call running X, then an answer in text
 *    that quotes what the tool said (its output, or why it was refused).
 *  - "count slowly": counts to 200, streamed slowly (half a second a piece),
 *    so a client's stop button has something to stop.
 *  - "fail with an error": an API error (400 invalid_request_error).
 *  - "long answer": 200 pieces of 24 characters, each event written in its
 *    own event-loop turn without a pause (benchmarks of the streaming path).
 *  - anything else: a text answer that says it is scripted.
 */
export function scriptedReply(req: MessagesRequest): Reply {
  const { prompt, step } = currentTurn(req);
  // Clients ask for a conversation title on the side (OpenCode: "You are a title
  // generator"); that call must not play the scenario its quoted prompt names.
  if (isTitleRequest(req, prompt)) return { blocks: [{ type: 'text', text: 'Demo chat' }], stopReason: 'end_turn' };
  const page = buildPage.exec(prompt);
  if (page?.[1]) {
    const tools = pickTools(req);
    if (tools) return buildPageStep(req, page[1].trim(), step, tools);
  }
  if (threeAtOnce.test(prompt)) {
    const tools = pickTools(req);
    if (tools) return threeCommandsStep(req, tools);
  }
  const command = runCommand.exec(prompt);
  if (command?.[1]) {
    const tools = pickTools(req);
    if (tools) return runCommandStep(req, command[1], tools);
  }
  if (countSlowly.test(prompt)) {
    const numbers = Array.from({ length: 200 }, (_, i) => String(i + 1)).join(' ');
    return { blocks: [{ type: 'text', text: `Counting slowly: ${numbers}` }], stopReason: 'end_turn', pauseMs: 500 };
  }
  if (longAnswer.test(prompt)) {
    const text = Array.from({ length: 200 }, (_, i) => `Part ${String(i + 1).padStart(3, '0')} of the answer. `).join('');
    return { blocks: [{ type: 'text', text }], stopReason: 'end_turn', eventPerTurn: true };
  }
  if (failWithError.test(prompt)) {
    return { blocks: [], stopReason: 'end_turn', error: { status: 400, type: 'invalid_request_error', message: 'The demo model was asked to fail (a scripted error).' } };
  }
  const said = prompt.trim().split('\n').pop()?.slice(0, 200) ?? '';
  return {
    blocks: [{ type: 'text', text: `Hello from the Paddock demo model (a scripted model, not a real AI). You said: "${said}"` }],
    stopReason: 'end_turn',
  };
}

/**
 * Side requests a client makes about the conversation (OpenCode names the session,
 * names a task, summarizes): they quote the user's words, so without this check
 * they would play the scenario those words name (a 200-number count as a title).
 */
function isTitleRequest(req: MessagesRequest, prompt: string): boolean {
  const system = typeof req.system === 'string' ? req.system : textOf(req.system ?? []);
  return /\btitle generator\b|\bsummarization agent\b|\bstructured summary\b/i.test(system)
    || /^(generate a title for this conversation|generate a short 2-3 word name)/i.test(prompt);
}

function currentTurn(req: MessagesRequest): { prompt: string; step: number } {
  const messages = req.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'user') continue;
    const text = userText(m.content);
    if (!text) continue;
    const step = messages.slice(i + 1).filter((n) => n.role === 'assistant').length;
    return { prompt: text, step };
  }
  return { prompt: '', step: 0 };
}

/** The user's own words: text blocks, minus the reminders some clients inject. */
function userText(content: MessagesRequest['messages'][number]['content']): string {
  if (blocksOf(content).every((b) => b.type === 'tool_result')) return '';
  return textOf(content).replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, '').trim();
}

interface ToolNames {
  write: string;
  bash: string;
  /** OpenCode's tools take camelCase filePath; Claude Code's take file_path. */
  pathKey: 'file_path' | 'filePath';
}

function pickTools(req: MessagesRequest): ToolNames | undefined {
  const names = new Set((req.tools ?? []).map((t) => t.name));
  if (names.has('Write') && names.has('Bash')) return { write: 'Write', bash: 'Bash', pathKey: 'file_path' };
  if (names.has('write') && names.has('bash')) return { write: 'write', bash: 'bash', pathKey: 'filePath' };
  return undefined;
}

function buildPageStep(req: MessagesRequest, words: string, step: number, tools: ToolNames): Reply {
  const dir = workingDirectory(req);
  const id = (n: number) => `toolu_${createHash('sha256').update(`${words}:${n}`).digest('hex').slice(0, 24)}`;
  const steps: ReplyBlock[][] = [
    [
      { type: 'text', text: 'I will write the page and a small static server for it.' },
      { type: 'tool_use', id: id(0), name: tools.write, input: { [tools.pathKey]: `${dir}/index.html`, content: pageHtml(words) } },
      { type: 'tool_use', id: id(1), name: tools.write, input: { [tools.pathKey]: `${dir}/serve.mjs`, content: staticServer } },
    ],
    [
      {
        type: 'tool_use', id: id(2), name: tools.bash,
        input: { command: `cd ${dir} && (nohup node serve.mjs > .dev-server.log 2>&1 &) && sleep 0.3 && cat .dev-server.log`, description: 'Start the dev server' },
      },
    ],
  ];
  // Where we are comes from which of our tool calls the history already holds, so an
  // extra assistant turn the client inserts can't skip a step; the turn count is
  // the fallback for a client that renames tool call ids.
  const made = toolUseIds(req);
  const current = made.has(id(2)) ? steps.length : made.has(id(0)) ? 1 : made.size > 0 ? step : 0;
  const blocks = steps[current];
  if (blocks) return { blocks, stopReason: 'tool_use' };
  return {
    blocks: [{ type: 'text', text: `Done: the page says "${words}" and is served on port ${DEMO_DEV_SERVER_PORT}. (This is the Paddock demo model, a scripted model.)` }],
    stopReason: 'end_turn',
  };
}

function threeCommandsStep(req: MessagesRequest, tools: ToolNames): Reply {
  const dir = workingDirectory(req);
  const id = (n: number) => `toolu_${createHash('sha256').update(`three-at-once:${dir}:${n}`).digest('hex').slice(0, 24)}`;
  if (toolUseIds(req).has(id(1))) {
    return { blocks: [{ type: 'text', text: 'Ran three commands at once. (This is the Paddock demo model, a scripted model.)' }], stopReason: 'end_turn' };
  }
  const blocks: ReplyBlock[] = [1, 2, 3].map((n) => ({
    type: 'tool_use', id: id(n), name: tools.bash,
    input: { command: `cd ${dir} && echo "call ${n} of 3" > parallel-${n}.txt`, description: `Write parallel-${n}.txt` },
  }));
  return { blocks, stopReason: 'tool_use', interleaveToolCalls: true };
}

function runCommandStep(req: MessagesRequest, command: string, tools: ToolNames): Reply {
  const id = `toolu_${createHash('sha256').update(`run-command:${command}`).digest('hex').slice(0, 24)}`;
  const result = toolResultOf(req, id);
  if (result !== undefined) {
    return { blocks: [{ type: 'text', text: `The command is done. The tool said: ${result.slice(0, 2000)}` }], stopReason: 'end_turn' };
  }
  return { blocks: [{ type: 'tool_use', id, name: tools.bash, input: { command, description: 'Run the command asked for' } }], stopReason: 'tool_use' };
}

/** What a tool call of ours came back with (its output, or the client's refusal), as text. */
function toolResultOf(req: MessagesRequest, id: string): string | undefined {
  for (const m of req.messages ?? []) {
    if (m.role !== 'user') continue;
    for (const b of blocksOf(m.content)) {
      if (b.type !== 'tool_result' || (b as { tool_use_id?: unknown }).tool_use_id !== id) continue;
      const content = (b as { content?: unknown }).content;
      return typeof content === 'string' ? content : Array.isArray(content) ? textOf(content as never) : '';
    }
  }
  return undefined;
}

function toolUseIds(req: MessagesRequest): Set<string> {
  const ids = new Set<string>();
  for (const m of req.messages ?? []) {
    if (m.role !== 'assistant') continue;
    for (const b of blocksOf(m.content)) if (b.type === 'tool_use' && typeof b.id === 'string') ids.add(b.id);
  }
  return ids;
}

function workingDirectory(req: MessagesRequest): string {
  const system = typeof req.system === 'string' ? req.system : textOf(req.system ?? []);
  const match = /Working directory:\s*(\/[^\s<]*)/i.exec(system);
  return (match?.[1] ?? '/workspace').replace(/\/$/, '') || '/workspace';
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function pageHtml(words: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(words)}</title></head>
<body style="font-family: system-ui, sans-serif; display: grid; place-items: center; min-height: 100vh; margin: 0">
<h1>${escapeHtml(words)}</h1>
</body>
</html>
`;
}

const staticServer = `import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const root = process.cwd();
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\\.\\.[/\\\\])+/, '');
  const file = join(root, path.endsWith('/') ? path + 'index.html' : path);
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end('not found');
  }
}).listen(${DEMO_DEV_SERVER_PORT}, '127.0.0.1', () => console.log('serving on http://127.0.0.1:${DEMO_DEV_SERVER_PORT}'));
`;

import { parseArgs } from 'node:util';
import type { DecisionOutcome, GovernanceAction } from '@paddock/protocol';
import { PolicyClient } from './policyClient.js';
import { actionSummary, bashActions, claudeToolActions, opencodeToolActions, UnreadableToolCall, type GuardedAction } from './toolCalls.js';

/** Exit codes: 0 the action may go ahead; 2 it may not (the one code Claude Code blocks on). */
export const ALLOW_EXIT = 0;
export const DENY_EXIT = 2;

export interface GuardIo {
  /** The policy socket (GUARD_SOCKET_PATH in a workspace; tests pass their own). */
  socketPath: string;
  readStdin(maxBytes: number): Promise<string>;
  stdout(text: string): void;
  stderr(text: string): void;
  now(): number;
  /** The longest a held action is waited on, whatever its expiry says (below Claude Code's hook timeout). */
  maxWaitMs?: number;
}

/** A decide call answers at once; the bound only catches an agent that hangs. */
const DECIDE_TIMEOUT_MS = 10_000;
/** A wait answers within the bridge's cap (25 s); past this the agent is gone. */
const WAIT_TIMEOUT_MS = 40_000;
/** Claude Code's hook input: a Write's content is in it. */
const MAX_STDIN_BYTES = 4 * 1024 * 1024;
/** Never waits past a day (the policy's largest hold timeout), or past the managed hook timeout. */
export const GUARD_MAX_WAIT_MS = 24 * 3600 * 1000;

const usage = `usage:
  paddock-guard check --class bash_command --command "…" [--cwd DIR]
  paddock-guard check --class file_write --path PATH [--content TEXT]
  paddock-guard check --class http_request --domain HOST [--method GET] [--url-path /p] [--port N]
  paddock-guard check --class git_push --remote URL --ref REF [--force] [--delete]
  paddock-guard hook claude      (Claude Code's PreToolUse input on stdin)
  paddock-guard hook opencode    (OpenCode's tool.execute.before input on stdin)
Exits 0 when the action may go ahead, 2 when it may not (also when the agent can't be reached).`;

/**
 * paddock-guard: asks the agent's policy about an action and says, by its
 * exit code, whether it may go ahead. Every failure (no agent, a bad
 * argument, an answer it can't read) is a deny: Claude Code takes any exit
 * but 2 from a hook as "go ahead". A held action is waited on, asking again
 * after each of the bridge's capped waits, until its expiry; then denied.
 */
export async function runGuard(argv: string[], io: GuardIo): Promise<number> {
  try {
    const [mode, tool] = argv;
    if (mode === 'check') return await check(argv.slice(1), io);
    if (mode === 'hook' && (tool === 'claude' || tool === 'opencode')) return await hook(tool, io);
    io.stderr(`${usage}\n`);
    return DENY_EXIT;
  } catch (err) {
    io.stderr(`paddock-guard: denied: ${err instanceof Error ? err.message : String(err)}\n`);
    return DENY_EXIT;
  }
}

async function check(args: string[], io: GuardIo): Promise<number> {
  const { values } = parseArgs({
    args, strict: true, allowPositionals: false,
    options: {
      class: { type: 'string' }, command: { type: 'string' }, cwd: { type: 'string' }, path: { type: 'string' },
      content: { type: 'string' }, domain: { type: 'string' }, method: { type: 'string' }, 'url-path': { type: 'string' },
      port: { type: 'string' }, remote: { type: 'string' }, ref: { type: 'string' }, force: { type: 'boolean' }, delete: { type: 'boolean' },
    },
  });
  const need = (key: keyof typeof values): string => {
    const value = values[key];
    if (typeof value !== 'string') throw new Error(`--${key} is required for --class ${values.class ?? '?'}`);
    return value;
  };
  let guarded: GuardedAction;
  switch (values.class) {
    case 'bash_command': {
      const outcome = await settleAll(bashActions(need('command'), values.cwd), io);
      return report(outcome, io);
    }
    case 'file_write':
      guarded = { action: { class: 'file_write', path: need('path') }, ...(values.content !== undefined ? { content: values.content } : {}) };
      break;
    case 'http_request':
      guarded = {
        action: {
          class: 'http_request', domain: need('domain'), method: (values.method ?? 'GET').toUpperCase(), path: values['url-path'] ?? '/',
          ...(values.port ? { port: Number(values.port) } : {}),
        },
      };
      break;
    case 'git_push':
      guarded = { action: { class: 'git_push', remote: need('remote'), ref: need('ref'), force: values.force ?? false, delete: values.delete ?? false } };
      break;
    case 'llm_call':
      guarded = { action: { class: 'llm_call' } };
      break;
    default:
      throw new Error(`--class must be one of bash_command, file_write, http_request, git_push, llm_call\n${usage}`);
  }
  return report(await settle(guarded, io), io);
}

function report(outcome: DecisionOutcome, io: GuardIo): number {
  io.stdout(`${JSON.stringify(outcome)}\n`);
  if (goesAhead(outcome)) return ALLOW_EXIT;
  io.stderr(`${outcome.reason}\n`);
  return DENY_EXIT;
}

/** Each action in turn, all of which must go ahead: the first that may not is the answer, else the first's. */
async function settleAll(actions: GuardedAction[], io: GuardIo): Promise<DecisionOutcome> {
  let first: DecisionOutcome | undefined;
  for (const guarded of actions) {
    const outcome = await settle(guarded, io);
    if (!goesAhead(outcome)) return outcome;
    first ??= outcome;
  }
  if (!first) throw new UnreadableToolCall('nothing to ask about');
  return first;
}

async function hook(tool: 'claude' | 'opencode', io: GuardIo): Promise<number> {
  const input = JSON.parse(await io.readStdin(MAX_STDIN_BYTES)) as Record<string, unknown> | null;
  if (!input || typeof input !== 'object') throw new UnreadableToolCall('the hook input is not an object');
  const cwd = typeof input.cwd === 'string' ? input.cwd : undefined;
  const actions = tool === 'claude'
    ? claudeToolActions(String(input.tool_name), objectOf(input.tool_input), cwd)
    : opencodeToolActions(String(input.tool), objectOf(input.args), cwd);
  // A tool no class covers (a read, a search) is left to the tool's own permission rules.
  if (actions.length === 0) return ALLOW_EXIT;
  const outcome = await settleAll(actions, io);
  if (!goesAhead(outcome)) {
    io.stderr(`Paddock's policy refused this: ${outcome.reason}\n`);
    return DENY_EXIT;
  }
  // Claude Code: an explicit allow, so its own permission check (auto mode's classifier among it) is not what decides.
  if (tool === 'claude') {
    io.stdout(`${JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow', permissionDecisionReason: outcome.reason } })}\n`);
  }
  return ALLOW_EXIT;
}

function objectOf(value: unknown): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UnreadableToolCall('the tool input is not an object');
  return value as Record<string, unknown>;
}

/** Monitor and off never block; enforce blocks anything but allow. */
function goesAhead(outcome: DecisionOutcome): boolean {
  return outcome.verdict === 'allow' || !outcome.enforced;
}

/**
 * The decision, waiting out a hold: the admin's answer, or a deny at the hold's expiry.
 * The builder is told once, at the start, what waits and for how long; Claude Code
 * shows a hook's stderr when the hook exits (with its fixed status line meanwhile),
 * so on a deny the reason says again what waited, and why it is refused.
 */
async function settle(guarded: GuardedAction, io: GuardIo): Promise<DecisionOutcome> {
  const client = new PolicyClient(io.socketPath);
  const first = await client.decide(guarded, DECIDE_TIMEOUT_MS);
  if (!first.held || !first.enforced) return first;
  const summary = actionSummary(guarded.action as GovernanceAction);
  const maxWait = Math.min(io.maxWaitMs ?? GUARD_MAX_WAIT_MS, GUARD_MAX_WAIT_MS);
  const expires = Date.parse(first.held.expiresAt);
  const waitMs = Math.min(Number.isFinite(expires) ? Math.max(expires - io.now(), 0) : 0, maxWait);
  const deadline = io.now() + waitMs;
  io.stderr(`Waiting for an admin to approve: ${summary}, up to ${waitWords(waitMs)}\n`);
  const timedOut = { ...first, verdict: 'deny' as const, held: undefined, reason: `no admin approved "${summary}" within ${waitWords(waitMs)}, so it was denied` };
  for (;;) {
    const answer = await client.wait(first.held.id, WAIT_TIMEOUT_MS);
    if (answer.state === 'decided') {
      // The agent denies at the hold's expiry too: that deny is the timeout, said with its length.
      if (answer.outcome.verdict !== 'allow' && io.now() >= deadline - EXPIRY_SLACK_MS) return timedOut;
      return answer.outcome;
    }
    if (io.now() >= deadline) return timedOut;
  }
}

/** A deny this close to the hold's expiry is its expiry (the agent's clock and the guard's are the host's). */
const EXPIRY_SLACK_MS = 1_000;

/** "5 min", "90 min", "30 s": how long a hold waits, in the words the builder reads. */
export function waitWords(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.max(1, Math.ceil(ms / 1000))} s`;
}

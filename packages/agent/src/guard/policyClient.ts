import { request } from 'node:http';
import type { DecisionOutcome, HeldAction } from '@paddock/protocol';

/** Thrown when the agent can't be reached or answers what a guard can't read: the guard denies. */
export class PolicyUnreachable extends Error {}

/** The largest answer a guard reads (an outcome is a few hundred bytes). */
const MAX_ANSWER_BYTES = 64 * 1024;

export type WaitAnswer = { state: 'held'; held: HeldAction } | { state: 'decided'; outcome: DecisionOutcome };

/**
 * The guard's side of the policy bridge (protocol/policyBridgeApi.ts): one
 * POST over the workspace's policy socket, a new connection each (a guard
 * asks once or twice and exits). Kept off zod: the guard starts for every
 * tool call, and what it reads comes from the agent; its shape is checked
 * enough to never mistake anything for an allow.
 */
export class PolicyClient {
  constructor(private readonly socketPath: string) {}

  async decide(body: { action: unknown; content?: string }, timeoutMs: number): Promise<DecisionOutcome> {
    return outcomeOf(await this.post('/v1/decide', body, timeoutMs));
  }

  async wait(heldId: string, timeoutMs: number): Promise<WaitAnswer> {
    const answer = await this.post('/v1/wait', { heldId }, timeoutMs) as { state?: unknown; held?: unknown; outcome?: unknown };
    if (answer.state === 'decided') return { state: 'decided', outcome: outcomeOf(answer.outcome) };
    if (answer.state === 'held') return { state: 'held', held: heldOf(answer.held) };
    throw new PolicyUnreachable('the policy bridge answered something else than a wait');
  }

  private post(path: string, body: unknown, timeoutMs: number): Promise<unknown> {
    const text = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request({
        // A connection per request: a kept-alive one would hold the guard's process open after its answer.
        socketPath: this.socketPath, path, method: 'POST', timeout: timeoutMs, agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), host: 'policy' },
      }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new PolicyUnreachable('the policy bridge answered too much'));
          else chunks.push(chunk);
        });
        res.on('error', (err) => reject(new PolicyUnreachable(err.message)));
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            return reject(new PolicyUnreachable(`the policy bridge answered ${res.statusCode} and no JSON`));
          }
          if (res.statusCode !== 200) {
            const message = (parsed as { error?: { message?: unknown } } | null)?.error?.message;
            return reject(new PolicyUnreachable(`the policy bridge answered ${res.statusCode}${typeof message === 'string' ? `: ${message}` : ''}`));
          }
          resolve(parsed);
        });
      });
      req.on('timeout', () => req.destroy(new PolicyUnreachable('the policy bridge did not answer in time')));
      req.on('error', (err) => reject(err instanceof PolicyUnreachable ? err : new PolicyUnreachable(`the policy bridge can't be reached (${(err as NodeJS.ErrnoException).code ?? err.message})`)));
      req.end(text);
    });
  }
}

const verdicts = new Set(['allow', 'ask', 'deny']);
const modes = new Set(['off', 'monitor', 'enforce']);

function outcomeOf(value: unknown): DecisionOutcome {
  const o = value as Partial<DecisionOutcome> | null;
  if (!o || typeof o !== 'object' || !verdicts.has(o.verdict as string) || typeof o.enforced !== 'boolean'
    || !modes.has(o.mode as string) || typeof o.reason !== 'string') {
    throw new PolicyUnreachable('the policy bridge answered something else than a decision');
  }
  return { ...o, held: o.held === undefined ? undefined : heldOf(o.held) } as DecisionOutcome;
}

function heldOf(value: unknown): HeldAction {
  const h = value as Partial<HeldAction> | null;
  if (!h || typeof h.id !== 'string' || typeof h.expiresAt !== 'string') throw new PolicyUnreachable('the policy bridge answered a hold without its id');
  return { id: h.id, expiresAt: h.expiresAt };
}

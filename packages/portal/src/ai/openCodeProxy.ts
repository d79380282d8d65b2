import { request, type IncomingMessage } from 'node:http';
import type { UserActor } from '../auth/actor.js';
import type { WorkspaceAction } from '../authz/policy.js';
import { ApiError, NotFoundError, UnavailableError } from '../errors.js';
import type { PortalServices } from '../services.js';
import type { Workspace } from '@paddock/protocol';

const JSON_TIMEOUT_MS = 30_000;
/**
 * How long any call may wait for its response headers. OpenCode answers in
 * milliseconds once up, but a request that reaches it in the moment it starts
 * listening can go unanswered for good: fail it (503) and let the client retry.
 */
const HEADERS_TIMEOUT_MS = 5_000;
const MAX_JSON_BYTES = 16 * 1024 * 1024;

export interface OpenCodeCall {
  method: 'GET' | 'POST';
  /** An OpenCode API path, built by the caller from the allow-list in api/aiRoutes.ts. */
  path: string;
  body?: unknown;
}

/**
 * The AI chat's way into a workspace: OpenCode's HTTP API inside it, reached
 * as plain HTTP over a dialed tunnel stream (one stream per request, no pool).
 * Conversations pass through in memory only: nothing here logs or stores them.
 */
export class OpenCodeProxy {
  constructor(private readonly services: PortalServices) {}

  /** The workspace, if the actor may do `action` to it (404 when it may not see it) and it runs (409 otherwise). */
  async workspace(actor: UserActor, workspaceId: string, action: WorkspaceAction): Promise<Workspace> {
    const w = await this.services.workspaces.get(actor, workspaceId, action);
    if (w.state !== 'running') throw new ApiError(409, 'not_running', `the workspace is ${w.state}; start it first`);
    return w;
  }

  /** A JSON call; OpenCode's errors come back as ours, with its message. */
  async json(workspaceId: string, call: OpenCodeCall): Promise<unknown> {
    const res = await this.open(workspaceId, call, JSON_TIMEOUT_MS);
    const text = await readBody(res);
    const status = res.statusCode ?? 502;
    if (status === 204 || text.length === 0) return status < 400 ? null : failure(status, '');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ApiError(502, 'ai_bad_response', 'the workspace\'s AI answered with something that is not JSON');
    }
    if (status >= 400) throw failure(status, messageOf(parsed));
    return parsed;
  }

  /** A streaming call (server-sent events): the caller pipes the response and destroys it when done. */
  async stream(workspaceId: string, call: OpenCodeCall): Promise<IncomingMessage> {
    const res = await this.open(workspaceId, call, 0);
    const status = res.statusCode ?? 502;
    if (status >= 400) throw failure(status, messageOf(safeJson(await readBody(res))));
    return res;
  }

  /** Response headers must come within HEADERS_TIMEOUT_MS; `exchangeTimeoutMs` (0: none) bounds the whole exchange. */
  private async open(workspaceId: string, call: OpenCodeCall, exchangeTimeoutMs: number): Promise<IncomingMessage> {
    const agentId = await this.services.workspaces.agentOf(workspaceId);
    if (!agentId) throw new UnavailableError('the workspace has no agent');
    let stream;
    try {
      // By name: OpenCode's port is refused to port dials (and so to previews), this is the one way in.
      stream = await this.services.hub.dial(agentId, workspaceId, { service: 'opencode' });
    } catch (err) {
      throw new UnavailableError(`the workspace's AI is not reachable yet (${err instanceof Error ? err.message : String(err)})`);
    }
    const payload = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body));
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({
        method: call.method,
        path: call.path,
        host: '127.0.0.1',
        headers: {
          accept: call.path === '/event' ? 'text/event-stream' : 'application/json',
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
        },
        // No agent: with createConnection and no agent, Node uses this stream for this one request (no pooling).
        createConnection: () => stream as never,
      });
      // A tunnel stream is no net.Socket (req.setTimeout would never fire): we keep the time ourselves.
      const giveUp = () => req.destroy(new UnavailableError('the workspace\'s AI did not answer in time'));
      const headersTimer = setTimeout(giveUp, HEADERS_TIMEOUT_MS);
      const exchangeTimer = exchangeTimeoutMs > 0 ? setTimeout(giveUp, exchangeTimeoutMs) : undefined;
      const clearTimers = () => { clearTimeout(headersTimer); clearTimeout(exchangeTimer); };
      req.once('response', (res) => {
        clearTimeout(headersTimer);
        res.once('close', () => { clearTimers(); stream.destroy(); });
        res.once('error', clearTimers);
        resolve(res);
      });
      req.once('error', (err) => {
        clearTimers();
        stream.destroy();
        reject(err instanceof ApiError ? err : new UnavailableError(`the workspace's AI could not be reached (${err.message})`));
      });
      req.end(payload);
    });
  }
}

function failure(status: number, message: string): ApiError {
  if (status === 404) return new NotFoundError('AI session');
  if (status >= 500) return new ApiError(502, 'ai_error', message || `the workspace's AI failed (${status})`);
  return new ApiError(status, 'ai_error', message || `the workspace's AI refused the request (${status})`);
}

/** OpenCode errors are `{name, data: {message}}` or `{message}`; anything else gets a generic line. */
function messageOf(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const b = body as { message?: unknown; data?: { message?: unknown }; error?: unknown };
  if (typeof b.data?.message === 'string') return b.data.message;
  if (typeof b.message === 'string') return b.message;
  return '';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BYTES) {
      res.destroy();
      throw new ApiError(502, 'ai_bad_response', 'the workspace\'s AI answered with too much data');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

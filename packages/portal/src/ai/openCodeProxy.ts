import type { IncomingMessage } from 'node:http';
import type { UserActor } from '../auth/actor.js';
import type { WorkspaceAction } from '../authz/policy.js';
import { ApiError, NotFoundError, UnavailableError } from '../errors.js';
import type { PortalServices } from '../services.js';
import { readBody } from '../tunnel/workspaceHttp.js';
import type { Workspace } from '@paddock/protocol';

const PEER = 'the workspace\'s AI';
const MAX_JSON_BYTES = 16 * 1024 * 1024;

export interface OpenCodeCall {
  method: 'GET' | 'POST';
  /** An OpenCode API path, built by the caller from the allow-list in api/aiRoutes.ts. */
  path: string;
  body?: unknown;
}

/**
 * The AI chat's way into a workspace: OpenCode's HTTP API inside it, reached as plain
 * HTTP through the tunnel (WorkspaceHttp, a keep-alive pool per workspace). Response
 * headers must come within `aiHeadersMs`: OpenCode answers in milliseconds once up, but
 * a request that reaches it in the moment it starts listening can go unanswered for good;
 * it fails (504) and the web app asks again. Conversations pass through in memory only:
 * nothing here logs or stores them.
 */
export class OpenCodeProxy {
  constructor(private readonly services: Pick<PortalServices, 'config' | 'workspaces' | 'workspaceHttp'>) {}

  /** The workspace, if the actor may do `action` to it (404 when it may not see it) and it runs (409 otherwise). */
  async workspace(actor: UserActor, workspaceId: string, action: WorkspaceAction): Promise<Workspace> {
    const w = await this.services.workspaces.get(actor, workspaceId, action);
    if (w.state !== 'running') throw new ApiError(409, 'not_running', `the workspace is ${w.state}; start it first`);
    return w;
  }

  /** A JSON call; OpenCode's errors come back as ours, with its message. */
  async json(workspaceId: string, call: OpenCodeCall): Promise<unknown> {
    const res = await this.open(workspaceId, call, this.services.config.tunnelHttp.aiMs);
    const text = await readJson(res);
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
    // Once it has begun, an event stream may be quiet for as long as nothing happens.
    const res = await this.open(workspaceId, call, 0);
    const status = res.statusCode ?? 502;
    if (status >= 400) throw failure(status, messageOf(safeJson(await readJson(res))));
    return res;
  }

  /** Response headers within `aiHeadersMs`; after them, at most `bodyTimeoutMs` of silence (0: none). */
  private async open(workspaceId: string, call: OpenCodeCall, bodyTimeoutMs: number): Promise<IncomingMessage> {
    const agentId = await this.services.workspaces.agentOf(workspaceId);
    if (!agentId) throw new UnavailableError('the workspace has no agent');
    const payload = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body));
    // By name: OpenCode's port is refused to port dials (and so to previews), this is the one way in.
    return this.services.workspaceHttp.request({ agentId, workspaceId, target: { service: 'opencode' } }, {
      peer: PEER, method: call.method, path: call.path, body: payload,
      headers: {
        host: '127.0.0.1',
        accept: call.path === '/event' ? 'text/event-stream' : 'application/json',
        ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
      },
      headersTimeoutMs: this.services.config.tunnelHttp.aiHeadersMs, bodyTimeoutMs,
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

async function readJson(res: IncomingMessage): Promise<string> {
  const tooLarge = () => new ApiError(502, 'ai_bad_response', 'the workspace\'s AI answered with too much data');
  return (await readBody(res, MAX_JSON_BYTES, PEER, tooLarge)).toString('utf8');
}

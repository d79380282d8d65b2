import { EventEmitter } from 'node:events';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { DecisionOutcome } from '@paddock/protocol';
import type pino from 'pino';
import type { PolicyDecider } from '../../governance/policyDecider.js';
import { apiCallOf, parseBaseUrl, upstreamUrl, type ApiCall } from './apiPaths.js';
import { OpenAiStreamTranslator, toAnthropicError, toAnthropicMessage, toChatCompletionsRequest, type AnthropicRequest } from './openaiTranslation.js';
import { promptText } from './promptText.js';
import { actionOfToolUse } from './toolActions.js';
import { ToolUseReader } from './toolUseReader.js';
import { UsageParser } from './usageParser.js';
import { stopwatch, systemClock, type Clock } from '../../clock.js';
import type { LlmRoute } from '@paddock/protocol';

export interface UsageRecord {
  workspaceId: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  at: Date;
  /** The call was refused by the route's refusal (a used-up budget): it reached no model, its tokens are 0. */
  refused?: boolean;
}

/** What the gateway asks of governance: a decision per model call, a record per tool call, the kill switch. */
export type GatewayGovernance = Pick<PolicyDecider, 'decide' | 'record' | 'killReason' | 'onKill'>;

export interface LlmGatewayOptions {
  log?: pino.Logger;
  /** Dates the usage records. */
  clock?: Clock;
  /** Without it (tests of the route alone), model calls are not governed. */
  governance?: GatewayGovernance;
}

interface Entry {
  /** Replaced in place when the portal sends a changed route; a call in flight keeps the one it started with. */
  route: LlmRoute;
  base: URL;
  virtualKey: Buffer;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) and the credentials the gateway replaces.
const dropRequestHeaders = new Set([
  'host', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-authorization', 'authorization', 'x-api-key', 'accept-encoding',
]);
const dropResponseHeaders = new Set(['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'upgrade']);

/**
 * The workspace's only route to a model. The gateway listens nowhere itself:
 * it takes the connections a workspace opens to its bridge (accept), each
 * tagged with that workspace, and serves them by its route. A request must
 * carry the workspace's random virtual key (x-api-key or Authorization:
 * Bearer), which is swapped for the real provider key before the call goes upstream. Only the API paths in
 * apiPaths.ts go upstream, to the route's own origin and base path; anything
 * else is answered 404 here. Responses stream back chunk by chunk as they
 * arrive; usage of Messages calls is read from the same chunks on the way
 * through and emitted as a record when the response ends.
 */
/** One request a workspace made, once its answer ended (metrics): its status and how long it took. */
export interface GatewayRequest { status: number; seconds: number }

export class LlmGateway extends EventEmitter<{ usage: [UsageRecord]; request: [GatewayRequest] }> {
  private readonly entries = new Map<string, Entry>();
  /** Whose each connection is: set by accept, before its first byte is read. */
  private readonly owners = new WeakMap<Socket, string>();
  private readonly connections = new Map<string, Set<Socket>>();
  /** One HTTP server for every workspace; it never listens, accept hands it connections. */
  private readonly server: Server;
  private readonly log: pino.Logger | undefined;
  private readonly clock: Clock;
  private readonly governance: GatewayGovernance | undefined;
  /** Each served workspace's kill switch subscription: an engaged switch cuts its calls in flight. */
  private readonly killSubscriptions = new Map<string, () => void>();
  /** Streamed answers in flight, per workspace: a kill switch tells them why before it cuts them. */
  private readonly streams = new Map<string, Set<ServerResponse>>();

  constructor(options: LlmGatewayOptions = {}) {
    super();
    this.log = options.log;
    this.clock = options.clock ?? systemClock;
    this.governance = options.governance;
    this.server = createServer((req, res) => {
      const elapsed = stopwatch();
      res.once('close', () => this.emit('request', { status: res.statusCode, seconds: elapsed() }));
      this.forward(this.owners.get(req.socket) ?? '', req, res);
    });
    // Node answers these itself (CONNECT by dropping the connection, parse errors in its own shape): say no in the API's.
    this.server.on('connect', (_req: IncomingMessage, socket: Duplex) => endRaw(socket, 404, 'not_found_error', 'CONNECT is not an API of this model route'));
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      if (err.code === 'ECONNRESET' || !socket.writable) socket.destroy();
      else endRaw(socket, 400, 'invalid_request_error', 'the request could not be parsed');
    });
  }

  static newVirtualKey(): string {
    return `pdk-vk-${randomBytes(24).toString('hex')}`;
  }

  /**
   * Routes one workspace's calls by `route`, for callers that hold
   * `virtualKey`. Sent again (a changed provider key, endpoint or model), it
   * takes over from the next call; calls in flight finish on the route they
   * started with. A route that isn't http(s) is refused, and the one before stays.
   */
  serve(workspaceId: string, route: LlmRoute, virtualKey: string): void {
    const base = parseBaseUrl(route.upstreamBaseUrl);
    this.entries.set(workspaceId, { route, base, virtualKey: Buffer.from(virtualKey) });
    if (this.governance && !this.killSubscriptions.has(workspaceId)) {
      this.killSubscriptions.set(workspaceId, this.governance.onKill(workspaceId, (reason) => this.cut(workspaceId, reason)));
    }
  }

  /** Takes a connection a process of the workspace opened to its bridge. */
  accept(workspaceId: string, socket: Socket): void {
    this.owners.set(socket, workspaceId);
    let open = this.connections.get(workspaceId);
    if (!open) this.connections.set(workspaceId, (open = new Set()));
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      if (open.size === 0 && this.connections.get(workspaceId) === open) this.connections.delete(workspaceId);
    });
    this.server.emit('connection', socket);
  }

  /** Stops routing the workspace's calls and ends its connections, calls in flight with them. */
  async close(workspaceId: string): Promise<void> {
    this.entries.delete(workspaceId);
    this.killSubscriptions.get(workspaceId)?.();
    this.killSubscriptions.delete(workspaceId);
    for (const socket of this.connections.get(workspaceId) ?? []) socket.destroy();
    this.connections.delete(workspaceId);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...new Set([...this.entries.keys(), ...this.connections.keys()])].map((id) => this.close(id)));
  }

  private forward(workspaceId: string, req: IncomingMessage, res: ServerResponse): void {
    const entry = this.entries.get(workspaceId);
    if (!entry) return sendError(res, 503, 'api_error', 'this workspace has no model route');
    // Where a call goes is decided before anything else is read, and only from the allow-list.
    const call = apiCallOf(req.method, req.url);
    if (!call) {
      req.resume();
      return sendError(res, 404, 'not_found_error', `${req.method ?? ''} ${shown(req.url)} is not an API of this model route`);
    }
    if (!keyMatches(presentedKey(req.headers), entry.virtualKey)) {
      req.resume();
      return sendError(res, 401, 'authentication_error', 'invalid or missing workspace key');
    }
    // A used-up budget: the portal decided, the gateway refuses every model call, before the kill switch or any
    // filter, in plain words. A 400, as governance's refusals: Claude Code prints "API Error: 400 <message>" and
    // stops, where a 429 or 5xx it would retry and a 403 it would call a failed login.
    if (entry.route.refusal && isMetered(call)) {
      req.resume();
      this.emit('usage', { workspaceId, model: entry.route.model, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, at: this.clock.now(), refused: true });
      return sendError(res, 400, 'invalid_request_error', entry.route.refusal);
    }
    if (!this.governance) return this.dispatch(workspaceId, entry, call, req, res);
    this.governed(this.governance, workspaceId, entry, call, req, res).catch((err: unknown) => {
      // Governance that can't answer fails closed.
      this.log?.error({ workspaceId, err: err instanceof Error ? err.message : String(err) }, 'a model call could not be decided: refused');
      if (!res.headersSent) sendError(res, 400, 'invalid_request_error', 'Paddock could not check this model call against the policy: refused.');
      else res.destroy();
    });
  }

  /**
   * A model call under the workspace's policy: the kill switch first, before
   * the request is even read; then the prompt through the content filters;
   * a deny (or a hold) in enforce mode answers 400 with the reason in plain
   * words, which Claude Code prints as "API Error: 400 <reason>" (a 403 it
   * would call "Failed to authenticate"; a 429 or 5xx it would retry).
   */
  private async governed(governance: GatewayGovernance, workspaceId: string, entry: Entry, call: ApiCall, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const killed = governance.killReason(workspaceId);
    if (!isMetered(call) && !killed) return this.dispatch(workspaceId, entry, call, req, res);
    let body: Buffer | undefined;
    if (killed) req.resume();
    else {
      try {
        body = await readBody(req, maxRequestBytes);
      } catch {
        return sendError(res, 413, 'request_too_large', 'the request is too large');
      }
    }
    const parsed = body ? jsonOrUndefined(body) : undefined;
    const model = typeof parsed?.model === 'string' ? parsed.model.slice(0, 200) : undefined;
    const content = parsed ? promptText(parsed) : body?.toString('utf8');
    const outcome = await governance.decide(workspaceId, { class: 'llm_call', ...(model ? { model } : {}) }, { point: 'gateway', ...(content ? { content } : {}) });
    if (outcome.enforced && outcome.verdict !== 'allow') return sendError(res, 400, 'invalid_request_error', refusal(outcome));
    this.dispatch(workspaceId, entry, call, req, res, body);
  }

  /** Sends the call upstream; `body` when governance already read it, else the request streams through. */
  private dispatch(workspaceId: string, entry: Entry, call: ApiCall, req: IncomingMessage, res: ServerResponse, body?: Buffer): void {
    const { route, base } = entry;
    if (route.upstreamFormat === 'openai') {
      if (call.api !== 'messages') {
        req.resume();
        return sendError(res, 404, 'not_found_error', `${req.method ?? ''} ${call.path} is not available with this blueprint's OpenAI-compatible model provider`);
      }
      this.forwardToOpenAi(workspaceId, route, base, req, res, body).catch((err: unknown) => {
        this.log?.warn({ workspaceId, err: err instanceof Error ? err.message : String(err) }, 'LLM translation failed');
        if (!res.headersSent) sendError(res, 502, 'api_error', 'the model provider\'s answer could not be translated');
        else res.destroy();
      });
      return;
    }
    let target: URL;
    try {
      target = upstreamUrl(base, call.path, call.query);
    } catch (err) {
      if (!body) req.resume();
      this.log?.error({ workspaceId, err: (err as Error).message }, 'refused an LLM call that would leave the route');
      return sendError(res, 404, 'not_found_error', `${call.path} is not an API of this model route`);
    }
    const metered = isMetered(call);
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !dropRequestHeaders.has(name)) headers[name] = value;
    }
    headers['x-api-key'] = route.upstreamApiKey;
    // Plain bytes, so usage can be read as it passes.
    headers['accept-encoding'] = 'identity';
    if (body) headers['content-length'] = String(body.length);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const upstreamReq = send(target, { method: req.method, headers }, (upstreamRes) => {
      const responseHeaders: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(upstreamRes.headers)) {
        if (value !== undefined && !dropResponseHeaders.has(name)) responseHeaders[name] = value;
      }
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, responseHeaders);
      res.flushHeaders();
      if (metered) {
        const contentType = upstreamRes.headers['content-type'];
        const parser = new UsageParser(contentType);
        const tools = this.governance ? new ToolUseReader(contentType) : undefined;
        if (tools && (contentType ?? '').startsWith('text/event-stream')) this.track(workspaceId, res);
        upstreamRes.on('data', (chunk: Buffer) => {
          parser.push(chunk);
          tools?.push(chunk);
        });
        upstreamRes.once('end', () => this.record(workspaceId, route, parser));
        // Ended or cut, the calls the model asked for are recorded: the feed shows them whether or not a hook sees them.
        res.once('close', () => { if (tools) this.recordToolUses(workspaceId, tools); });
      }
      upstreamRes.once('error', () => res.destroy());
      // pipe() writes each chunk as it comes and pauses the upstream when the workspace reads slowly.
      upstreamRes.pipe(res);
    });
    upstreamReq.once('error', (err) => {
      this.log?.warn({ workspaceId, err: err.message }, 'LLM upstream failed');
      if (!res.headersSent) sendError(res, 502, 'api_error', 'the model provider could not be reached');
      else res.destroy();
    });
    res.once('close', () => { if (!res.writableFinished) upstreamReq.destroy(); });
    if (body) upstreamReq.end(body);
    else req.pipe(upstreamReq);
  }

  /**
   * The workspace speaks the Messages API; the upstream Chat Completions. The
   * request is read whole (it must be rewritten), the answer translated as it
   * arrives: a stream event by event, a JSON or error answer once complete.
   */
  private async forwardToOpenAi(workspaceId: string, route: LlmRoute, base: URL, req: IncomingMessage, res: ServerResponse, read?: Buffer): Promise<void> {
    let body: AnthropicRequest;
    try {
      body = JSON.parse((read ?? await readBody(req, maxRequestBytes)).toString('utf8')) as AnthropicRequest;
      if (!Array.isArray(body?.messages)) throw new Error('messages: an array is required');
    } catch (err) {
      return sendError(res, 400, 'invalid_request_error', err instanceof Error ? err.message : 'the request is not JSON');
    }
    const outgoing = toChatCompletionsRequest(body, route.model);
    const payload = JSON.stringify(outgoing);
    // The tool's query (Claude Code's beta=true) means nothing to Chat Completions.
    const target = upstreamUrl(base, '/chat/completions');
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(payload)),
      authorization: `Bearer ${route.upstreamApiKey}`,
      accept: outgoing.stream ? 'text/event-stream' : 'application/json',
      'accept-encoding': 'identity',
    };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const upstreamReq = send(target, { method: 'POST', headers }, (upstreamRes) => {
      const status = upstreamRes.statusCode ?? 502;
      const isStream = (upstreamRes.headers['content-type'] ?? '').startsWith('text/event-stream');
      if (status >= 200 && status < 300 && isStream) return this.translateStream(workspaceId, route, outgoing.model, upstreamRes, res);
      readBody(upstreamRes, maxJsonAnswerBytes).then((raw) => {
        const text = raw.toString('utf8');
        if (status < 200 || status >= 300) {
          const error = JSON.stringify(toAnthropicError(status, text));
          res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(error) }).end(error);
          return;
        }
        let message: string;
        try {
          message = JSON.stringify(toAnthropicMessage(JSON.parse(text), outgoing.model));
        } catch {
          return sendError(res, 502, 'api_error', 'the model provider answered with something other than JSON');
        }
        const parser = new UsageParser('application/json');
        parser.push(Buffer.from(message));
        this.record(workspaceId, route, parser);
        if (this.governance) {
          const tools = new ToolUseReader('application/json');
          tools.push(message);
          this.recordToolUses(workspaceId, tools);
        }
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(message) }).end(message);
      }, () => {
        if (!res.headersSent) sendError(res, 502, 'api_error', 'the model provider\'s answer could not be read');
        else res.destroy();
      });
    });
    upstreamReq.once('error', (err) => {
      this.log?.warn({ workspaceId, err: err.message }, 'LLM upstream failed');
      if (!res.headersSent) sendError(res, 502, 'api_error', 'the model provider could not be reached');
      else res.destroy();
    });
    res.once('close', () => { if (!res.writableFinished) upstreamReq.destroy(); });
    upstreamReq.end(payload);
  }

  private translateStream(workspaceId: string, route: LlmRoute, model: string, upstreamRes: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.flushHeaders();
    const translator = new OpenAiStreamTranslator(model);
    const parser = new UsageParser('text/event-stream');
    const tools = this.governance ? new ToolUseReader('text/event-stream') : undefined;
    if (tools) {
      this.track(workspaceId, res);
      res.once('close', () => this.recordToolUses(workspaceId, tools));
    }
    const write = (events: string) => {
      if (!events) return;
      parser.push(Buffer.from(events));
      tools?.push(events);
      // The workspace reads slowly: hold the upstream until it catches up, as pipe() would.
      if (!res.write(events)) {
        upstreamRes.pause();
        res.once('drain', () => upstreamRes.resume());
      }
    };
    upstreamRes.on('data', (chunk: Buffer) => write(translator.push(chunk)));
    upstreamRes.once('end', () => {
      write(translator.end());
      res.end();
      this.record(workspaceId, route, parser);
    });
    upstreamRes.once('error', () => res.destroy());
  }

  /** A streamed answer in flight, so a kill switch can reach it. */
  private track(workspaceId: string, res: ServerResponse): void {
    let open = this.streams.get(workspaceId);
    if (!open) this.streams.set(workspaceId, (open = new Set()));
    open.add(res);
    res.once('close', () => {
      open.delete(res);
      if (open.size === 0 && this.streams.get(workspaceId) === open) this.streams.delete(workspaceId);
    });
  }

  /**
   * The kill switch was engaged: every call of the workspace in flight ends
   * now. A stream is told why first (an `error` event, which the tools show);
   * every connection is then closed, so nothing more reaches the workspace.
   */
  private cut(workspaceId: string, reason: string): void {
    for (const res of this.streams.get(workspaceId) ?? []) {
      if (!res.writableEnded) res.write(`event: error\ndata: ${errorBody('permission_error', reason)}\n\n`);
    }
    for (const socket of this.connections.get(workspaceId) ?? []) {
      socket.end();
      // A client that doesn't read doesn't keep its connection: it is destroyed after a moment.
      setTimeout(() => socket.destroy(), 200).unref();
    }
  }

  private recordToolUses(workspaceId: string, reader: ToolUseReader): void {
    const governance = this.governance;
    if (!governance) return;
    for (const use of reader.finish()) {
      const action = actionOfToolUse(use);
      if (!action) continue;
      governance.record(workspaceId, action, 'gateway').catch((err: unknown) => {
        this.log?.warn({ workspaceId, err: err instanceof Error ? err.message : String(err) }, 'a tool call could not be recorded');
      });
    }
  }

  private record(workspaceId: string, route: LlmRoute, parser: UsageParser): void {
    const usage = parser.finish();
    if (!usage) return;
    this.emit('usage', {
      workspaceId,
      model: usage.model ?? route.model,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      cacheReadTokens: usage.cacheReadTokens,
      cacheWriteTokens: usage.cacheWriteTokens,
      at: this.clock.now(),
    });
  }
}

const maxRequestBytes = 32 * 1024 * 1024;
const maxJsonAnswerBytes = 32 * 1024 * 1024;

function readBody(stream: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stream.destroy();
        reject(new Error('the body is too large'));
        return;
      }
      chunks.push(chunk);
    });
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

function jsonOrUndefined(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** What the builder reads when the policy refuses a model call. */
function refusal(outcome: DecisionOutcome): string {
  if (outcome.held) return `Waiting for an admin to approve this model call (request ${outcome.held.id}). ${outcome.reason}`;
  return outcome.reason;
}

function presentedKey(headers: IncomingHttpHeaders): string {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey) return apiKey;
  const auth = headers.authorization;
  return typeof auth === 'string' && /^bearer /i.test(auth) ? auth.slice(7).trim() : '';
}

function keyMatches(presented: string, expected: Buffer): boolean {
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Only a model call is metered; counting tokens and listing models are not calls to a model. */
const isMetered = (call: ApiCall): boolean => call.api === 'messages';

/** A refused target, as the workspace sent it, cut short and printable. */
function shown(target: string | undefined): string {
  const text = target ?? '';
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

function errorBody(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message } });
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  const body = errorBody(type, message);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}

/** An answer written on a socket Node's HTTP server has handed over (CONNECT, a parse error). */
function endRaw(socket: Duplex, status: number, type: string, message: string): void {
  const body = errorBody(type, message);
  const reason = status === 404 ? 'Not Found' : 'Bad Request';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

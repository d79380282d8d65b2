import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { asMessagesRequest, chatCompletionOf, isChatCompletionsRequest, streamChatCompletion } from './chatCompletions.js';
import type { MessagesRequest, Reply, ReplyBlock, Usage } from './messages.js';
import { DEMO_MODEL_ID, scriptedReply } from './scenarios.js';
import { estimateTokens, replyTokens, requestUsage } from './usage.js';

export interface ModelSimOptions {
  port?: number;
  host?: string;
  /** Pause between streamed events, so clients see a stream arrive over time. */
  chunkDelayMs?: number;
  /** Called for every request (tests check what reached the model). */
  onRequest?: (seen: SeenRequest) => void;
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface ModelSim {
  /** Base URL, as ANTHROPIC_BASE_URL (no trailing slash). */
  url: string;
  port: number;
  close(): Promise<void>;
}

const maxBodyBytes = 32 * 1024 * 1024;

/**
 * The Paddock demo model: a scripted server compatible with the Anthropic
 * Messages API (POST /v1/messages, streaming and not, tool use, usage with
 * cache tokens; count_tokens and the model list for clients that ask), and
 * with OpenAI's Chat Completions (POST /v1/chat/completions, the same scenarios).
 * It is not an AI: it plays the scenarios in scenarios.ts.
 */
export async function startModelSim(options: ModelSimOptions = {}): Promise<ModelSim> {
  const delay = options.chunkDelayMs ?? 0;
  const server = createServer((req, res) => {
    handle(req, res, delay, options.onRequest).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'api_error', err instanceof Error ? err.message : String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    url: `http://${host}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, delayMs: number, onRequest: ModelSimOptions['onRequest']): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://sim').pathname;
  const body = req.method === 'POST' ? await readJson(req) : undefined;
  onRequest?.({ method: req.method ?? '', path, headers: req.headers, body });
  if (req.method === 'POST' && path === '/v1/messages') {
    if (!isMessagesRequest(body)) return sendError(res, 400, 'invalid_request_error', 'messages: an array is required');
    const failure = scriptedReply(body).error;
    if (failure) return sendError(res, failure.status, failure.type, failure.message);
    return body.stream ? streamReply(res, body, delayMs) : sendJson(res, 200, messageOf(body));
  }
  if (req.method === 'POST' && path === '/v1/chat/completions') {
    if (!isChatCompletionsRequest(body)) return sendOpenAiError(res, 400, 'invalid_request_error', 'messages: an array is required');
    const reply = scriptedReply(asMessagesRequest(body));
    if (reply.error) return sendOpenAiError(res, reply.error.status, reply.error.type, reply.error.message);
    return body.stream ? streamChatCompletion(res, body, delayMs) : sendJson(res, 200, chatCompletionOf(body, reply));
  }
  if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
    if (!isMessagesRequest(body)) return sendError(res, 400, 'invalid_request_error', 'messages: an array is required');
    return sendJson(res, 200, { input_tokens: estimateTokens({ system: body.system, messages: body.messages, tools: body.tools }) });
  }
  if (req.method === 'GET' && (path === '/v1/models' || path === `/v1/models/${DEMO_MODEL_ID}`)) {
    const model = { type: 'model', id: DEMO_MODEL_ID, display_name: 'Paddock demo model (scripted)', created_at: '2025-01-01T00:00:00Z' };
    return sendJson(res, 200, path === '/v1/models' ? { data: [model], has_more: false, first_id: model.id, last_id: model.id } : model);
  }
  if (req.method === 'HEAD' || (req.method === 'GET' && path === '/')) {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(req.method === 'HEAD' ? undefined : 'Paddock demo model (scripted)\n');
    return;
  }
  sendError(res, 404, 'not_found_error', `the demo model has no ${req.method} ${path}`);
}

function isMessagesRequest(body: unknown): body is MessagesRequest {
  return typeof body === 'object' && body !== null && Array.isArray((body as { messages?: unknown }).messages);
}

const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

function messageOf(req: MessagesRequest) {
  const reply = scriptedReply(req);
  return {
    id: newId('msg'),
    type: 'message',
    role: 'assistant',
    model: DEMO_MODEL_ID,
    content: reply.blocks,
    stop_reason: reply.stopReason,
    stop_sequence: null,
    usage: { ...requestUsage(req), output_tokens: replyTokens(reply.blocks) } satisfies Usage,
  };
}

/** The real event sequence: message_start, ping, per block start/deltas/stop, message_delta, message_stop. */
async function streamReply(res: ServerResponse, req: MessagesRequest, delayMs: number): Promise<void> {
  const reply: Reply = scriptedReply(req);
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
  const send = async (event: string, data: unknown) => {
    if (res.destroyed) return;
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const pause = reply.pauseMs ?? delayMs;
    if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    else if (reply.eventPerTurn) await new Promise((r) => setImmediate(r));
  };
  const usage = requestUsage(req);
  await send('message_start', {
    type: 'message_start',
    message: {
      id: newId('msg'), type: 'message', role: 'assistant', model: DEMO_MODEL_ID, content: [],
      stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 },
    },
  });
  await send('ping', { type: 'ping' });
  for (const [index, block] of reply.blocks.entries()) await streamBlock(send, index, block);
  await send('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: reply.stopReason, stop_sequence: null },
    usage: { output_tokens: replyTokens(reply.blocks) },
  });
  await send('message_stop', { type: 'message_stop' });
  res.end();
}

type Send = (event: string, data: unknown) => Promise<void>;

async function streamBlock(send: Send, index: number, block: ReplyBlock): Promise<void> {
  if (block.type === 'text') {
    await send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
    for (const piece of pieces(block.text, 24)) {
      await send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
    }
  } else {
    await send('content_block_start', {
      type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
    });
    for (const piece of pieces(JSON.stringify(block.input), 64)) {
      await send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
    }
  }
  await send('content_block_stop', { type: 'content_block_stop', index });
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length > 0 ? out : [''];
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { type: 'error', error: { type, message } });
}

function sendOpenAiError(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { error: { message, type, param: null, code: null } });
}

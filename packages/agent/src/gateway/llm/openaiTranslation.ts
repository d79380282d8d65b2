/**
 * The Anthropic Messages API in front of an OpenAI-compatible Chat Completions
 * upstream. The workspace's tools (Claude Code, OpenCode) only speak Messages to
 * the gateway; for a blueprint whose endpoint is OpenAI-compatible the gateway
 * rewrites each request with `toChatCompletionsRequest`, and the answer back
 * with `toAnthropicMessage` (JSON), `OpenAiStreamTranslator` (SSE, chunk by
 * chunk, holding back only what interleaved tool calls make it) or `toAnthropicError`.
 */

import { randomUUID } from 'node:crypto';
import { SseDataReader, defaultMaxEventChars } from './sseData.js';

// ---- the Anthropic side (what the gateway receives and must answer) ----

type AnthropicBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string } }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content?: string | AnthropicBlock[]; is_error?: boolean }
  | { type: string; [key: string]: unknown };

/** Claude Code also sends 'system' turns inside messages (its environment notes), which the Messages API takes. */
interface AnthropicMessage { role: 'user' | 'assistant' | 'system'; content: string | AnthropicBlock[] }

export interface AnthropicRequest {
  model?: string;
  max_tokens?: number;
  system?: string | AnthropicBlock[];
  messages: AnthropicMessage[];
  tools?: Array<{ name: string; description?: string; input_schema?: unknown; type?: string }>;
  tool_choice?: { type: 'auto' | 'any' | 'none' | 'tool'; name?: string; disable_parallel_tool_use?: boolean };
  temperature?: number;
  top_p?: number;
  stop_sequences?: string[];
  stream?: boolean;
}

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

// ---- the OpenAI side (what the upstream receives and answers) ----

type OpenAiContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface OpenAiToolCall { id: string; type: 'function'; function: { name: string; arguments: string } }

export type OpenAiMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | OpenAiContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: OpenAiToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ChatCompletionsRequest {
  model: string;
  messages: OpenAiMessage[];
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  tools?: Array<{ type: 'function'; function: { name: string; description?: string; parameters: unknown } }>;
  tool_choice?: 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };
  parallel_tool_calls?: boolean;
  stream?: boolean;
  stream_options?: { include_usage: boolean };
}

export interface OpenAiUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

interface ChatCompletion {
  id?: string;
  model?: string;
  choices?: Array<{ message?: { content?: string | null; tool_calls?: OpenAiToolCall[] }; finish_reason?: string | null }>;
  usage?: OpenAiUsage;
}

/** One call's piece of a streamed delta: id and name first, then its arguments in fragments, by index. */
interface ToolCallDelta { index?: number; id?: string; function?: { name?: string; arguments?: string } }

interface ChatCompletionChunk {
  id?: string;
  model?: string;
  choices?: Array<{
    delta?: { content?: string | null; tool_calls?: ToolCallDelta[] };
    finish_reason?: string | null;
  }>;
  usage?: OpenAiUsage | null;
  error?: { message?: string; type?: string };
}

/** Anthropic's usage shape, cache fields included. */
export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

// ---- request ----

const blocksOf = (content: string | AnthropicBlock[] | undefined): AnthropicBlock[] =>
  content === undefined ? [] : typeof content === 'string' ? [{ type: 'text', text: content }] : content;

const isText = (b: AnthropicBlock): b is { type: 'text'; text: string } => b.type === 'text' && typeof b.text === 'string';

const textOf = (content: string | AnthropicBlock[] | undefined): string => blocksOf(content).filter(isText).map((b) => b.text).join('\n');

function imagePart(block: AnthropicBlock): OpenAiContentPart | undefined {
  if (block.type !== 'image') return undefined;
  const source = (block as { source?: { type?: string; media_type?: string; data?: string; url?: string } }).source;
  if (source?.type === 'base64' && source.data) return { type: 'image_url', image_url: { url: `data:${source.media_type ?? 'image/png'};base64,${source.data}` } };
  if (source?.type === 'url' && source.url) return { type: 'image_url', image_url: { url: source.url } };
  return undefined;
}

/** A user turn: its tool results become `tool` messages (which must follow the assistant's calls), the rest one user message. */
function userMessages(content: string | AnthropicBlock[]): OpenAiMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const out: OpenAiMessage[] = [];
  const parts: OpenAiContentPart[] = [];
  for (const block of content) {
    if (block.type === 'tool_result') {
      const result = block as { tool_use_id: string; content?: string | AnthropicBlock[]; is_error?: boolean };
      const text = textOf(result.content);
      out.push({ role: 'tool', tool_call_id: result.tool_use_id, content: result.is_error ? `Error: ${text}` : text });
    } else if (isText(block)) {
      parts.push({ type: 'text', text: block.text });
    } else {
      const image = imagePart(block);
      if (image) parts.push(image);
    }
  }
  if (parts.length > 0) {
    // Plain text as a string: the widest-supported form among compatible servers.
    const allText = parts.every((p) => p.type === 'text');
    out.push({ role: 'user', content: allText ? parts.map((p) => (p as { text: string }).text).join('\n') : parts });
  }
  return out;
}

function assistantMessage(content: string | AnthropicBlock[]): OpenAiMessage {
  const blocks = blocksOf(content);
  const text = blocks.filter(isText).map((b) => b.text).join('');
  const calls: OpenAiToolCall[] = blocks
    .filter((b): b is { type: 'tool_use'; id: string; name: string; input: unknown } => b.type === 'tool_use')
    .map((b) => ({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } }));
  // Thinking blocks carry a provider signature and have no OpenAI form: they are left out.
  return { role: 'assistant', content: text || null, ...(calls.length > 0 ? { tool_calls: calls } : {}) };
}

/**
 * A Messages request as a Chat Completions request for `model` (the route's
 * model wins over the tool's choice: an OpenAI-compatible upstream knows none
 * of the Claude names a tool may fall back to).
 */
export function toChatCompletionsRequest(req: AnthropicRequest, model?: string): ChatCompletionsRequest {
  const messages: OpenAiMessage[] = [];
  const system = textOf(req.system);
  if (system) messages.push({ role: 'system', content: system });
  for (const m of req.messages) {
    if (m.role === 'assistant') messages.push(assistantMessage(m.content));
    else if (m.role === 'system') messages.push({ role: 'system', content: textOf(m.content) });
    else messages.push(...userMessages(m.content));
  }
  const out: ChatCompletionsRequest = { model: model || req.model || '', messages };
  if (req.max_tokens !== undefined) out.max_tokens = req.max_tokens;
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.top_p !== undefined) out.top_p = req.top_p;
  if (req.stop_sequences?.length) out.stop = req.stop_sequences;
  // Only custom tools have a function form; Anthropic's server tools (web search, …) are typed and schemaless.
  const tools = (req.tools ?? []).filter((t) => t.input_schema !== undefined);
  if (tools.length > 0) {
    out.tools = tools.map((t) => ({
      type: 'function',
      function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.input_schema },
    }));
    const choice = req.tool_choice;
    if (choice?.type === 'any') out.tool_choice = 'required';
    else if (choice?.type === 'none') out.tool_choice = 'none';
    else if (choice?.type === 'tool' && choice.name) out.tool_choice = { type: 'function', function: { name: choice.name } };
    else if (choice?.type === 'auto') out.tool_choice = 'auto';
    if (choice?.disable_parallel_tool_use) out.parallel_tool_calls = false;
  }
  if (req.stream) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}

// ---- response ----

export function toStopReason(finishReason: string | null | undefined): AnthropicStopReason {
  switch (finishReason) {
    case 'length': return 'max_tokens';
    case 'tool_calls':
    case 'function_call': return 'tool_use';
    case 'content_filter': return 'refusal';
    default: return 'end_turn';
  }
}

/**
 * OpenAI counts cached tokens inside prompt_tokens; Anthropic's input_tokens
 * leaves cache reads out. Subtracting keeps the ledger's meaning (input + cache
 * read = the whole prompt) the same for either kind of upstream.
 */
export function toAnthropicUsage(usage: OpenAiUsage | null | undefined): AnthropicUsage {
  const prompt = usage?.prompt_tokens ?? 0;
  const cached = Math.min(prompt, usage?.prompt_tokens_details?.cached_tokens ?? 0);
  return { input_tokens: prompt - cached, output_tokens: usage?.completion_tokens ?? 0, cache_read_input_tokens: cached, cache_creation_input_tokens: 0 };
}

const messageId = (upstreamId: string | undefined) => `msg_${(upstreamId ?? '').replace(/[^A-Za-z0-9_-]/g, '') || randomUUID().replace(/-/g, '')}`;

function parseArguments(text: string): unknown {
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    // A model's malformed arguments: hand them to the tool as they are, so its error names them.
    return { _raw: text };
  }
}

/** A non-streaming Chat Completions answer as a Messages answer. */
export function toAnthropicMessage(body: ChatCompletion, requestedModel: string): Record<string, unknown> {
  const choice = body.choices?.[0];
  const content: AnthropicBlock[] = [];
  if (choice?.message?.content) content.push({ type: 'text', text: choice.message.content });
  for (const call of choice?.message?.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(call.function.arguments ?? '') });
  }
  return {
    id: messageId(body.id),
    type: 'message',
    role: 'assistant',
    model: body.model ?? requestedModel,
    content,
    stop_reason: toStopReason(choice?.finish_reason),
    stop_sequence: null,
    usage: toAnthropicUsage(body.usage),
  };
}

function errorType(status: number): string {
  if (status === 400 || status === 422) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 503 || status === 529) return 'overloaded_error';
  return 'api_error';
}

/** An upstream's error answer (OpenAI's `{error:{message}}`, or anything else) in the Messages API's error shape. */
export function toAnthropicError(status: number, bodyText: string): { type: 'error'; error: { type: string; message: string } } {
  let message = '';
  try {
    const body = JSON.parse(bodyText) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof body.error === 'string') message = body.error;
    else if (typeof body.error?.message === 'string') message = body.error.message;
    else if (typeof body.message === 'string') message = body.message;
  } catch {
    message = bodyText.trim().slice(0, 500);
  }
  return { type: 'error', error: { type: errorType(status), message: message || `the model provider answered ${status}` } };
}

const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * Tells when a streamed JSON object or array is complete, a fragment at a time,
 * without keeping it: the nesting depth outside strings returns to zero. A
 * call's arguments are an object, so this is when no more can follow.
 */
class JsonEnd {
  private depth = 0;
  private inString = false;
  private escaped = false;
  complete = false;

  push(text: string): void {
    for (const ch of text) {
      if (this.complete) return;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === '\\') this.escaped = true;
        else if (ch === '"') this.inString = false;
      } else if (ch === '"') {
        this.inString = true;
      } else if (ch === '{' || ch === '[') {
        this.depth += 1;
      } else if ((ch === '}' || ch === ']') && this.depth > 0) {
        this.depth -= 1;
        if (this.depth === 0) this.complete = true;
      }
    }
  }
}

/** A content block of the answer, and what is held for it until it may be sent (`sent`: it was started). */
type Block =
  | { kind: 'text'; held: string[]; sent: boolean }
  | { kind: 'tool'; id: string; name: string; held: string[]; sent: boolean; end: JsonEnd };

export interface StreamTranslatorOptions {
  /**
   * The most text and arguments held back while another block is open (calls
   * interleaved by a server); past it the answer ends with an error event.
   */
  maxHeldBytes?: number;
}

const defaultMaxHeldBytes = 8 * 1024 * 1024;

const waitingCost = (block: Block): number => 64 + (block.kind === 'tool' ? Buffer.byteLength(block.id) + Buffer.byteLength(block.name) : 0);

/**
 * Turns an OpenAI chunk stream into the Messages API's event stream as it
 * arrives: `push` takes upstream bytes and returns the events they complete
 * (possibly ''), `end` the closing events once the upstream is done. Usage
 * comes in OpenAI's last chunk (stream_options.include_usage), so it is sent
 * in message_delta, input and cache fields included.
 *
 * OpenAI streams parallel tool calls by `index`, and a server may interleave
 * their argument fragments; a Messages client holds one open block at a time.
 * So one block is open and streams live; a call or text that begins meanwhile
 * is held (bounded) and sent whole when the open block is done: a call once its
 * arguments form a complete object, text as soon as something else begins,
 * everything at the finish reason.
 */
export class OpenAiStreamTranslator {
  private readonly upstream = new SseDataReader();
  private readonly maxHeldBytes: number;
  private started = false;
  private finished = false;
  /** The block being streamed, and its Anthropic index. */
  private open: { block: Block; index: number } | undefined;
  /** Blocks begun while another was open, in the order they began. */
  private readonly waiting: Block[] = [];
  private heldBytes = 0;
  private nextIndex = 0;
  /** OpenAI tool-call index → its block (open, waiting, or sent and stopped). */
  private readonly toolBlocks = new Map<number, Block & { kind: 'tool' }>();
  private finishReason: string | null | undefined;
  private usage: OpenAiUsage | undefined;

  constructor(private readonly requestedModel: string, options: StreamTranslatorOptions = {}) {
    this.maxHeldBytes = options.maxHeldBytes ?? defaultMaxHeldBytes;
  }

  push(chunk: Buffer | string): string {
    let out = '';
    for (const data of this.upstream.push(chunk)) out += this.onData(data.trim());
    return out + this.overflow();
  }

  /** The closing events: message_delta and message_stop after a complete answer, an error event after a cut-off one. */
  end(): string {
    if (this.finished) return '';
    let out = '';
    for (const data of this.upstream.end()) out += this.onData(data.trim());
    if (this.finished) return out;
    if (this.finishReason === undefined) return out + this.fail('the model provider ended the stream before the answer was complete');
    return out + this.close();
  }

  /** An upstream event past the reader's bound: the answer ends with an error event. */
  private overflow(): string {
    if (!this.upstream.overflowed || this.finished) return '';
    return this.fail(`the model provider sent an event of more than ${defaultMaxEventChars} characters`);
  }

  private onData(data: string): string {
    if (this.finished || !data) return '';
    if (data === '[DONE]') return this.close();
    let chunk: ChatCompletionChunk;
    try {
      chunk = JSON.parse(data) as ChatCompletionChunk;
    } catch {
      return '';
    }
    if (chunk.error) return this.fail(chunk.error.message ?? 'the model provider reported an error');
    let out = this.start(chunk);
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) return out;
    const delta = choice.delta ?? {};
    if (delta.content) out += this.onText(delta.content);
    for (const call of delta.tool_calls ?? []) out += this.onToolCall(call);
    if (this.heldBytes > this.maxHeldBytes) {
      return out + this.fail(`the model provider interleaved more than ${this.maxHeldBytes} bytes of tool calls and text`);
    }
    if (choice.finish_reason) {
      this.finishReason = choice.finish_reason;
      out += this.flush();
    }
    return out;
  }

  private onText(text: string): string {
    const open = this.open?.block;
    if (open?.kind === 'text') return this.deltaEvent(open, text);
    if (open?.kind === 'tool' && !open.end.complete) {
      // Text beside an unfinished call: after it.
      const last = this.waiting.at(-1);
      return this.hold(last?.kind === 'text' ? last : this.wait({ kind: 'text', held: [], sent: false }), text);
    }
    return this.openBlock({ kind: 'text', held: [], sent: false }, text);
  }

  private onToolCall(call: ToolCallDelta): string {
    const key = call.index ?? 0;
    const args = call.function?.arguments ?? '';
    const known = this.toolBlocks.get(key);
    if (!known) {
      const block: Block & { kind: 'tool' } = { kind: 'tool', id: call.id ?? `toolu_${this.toolBlocks.size}`, name: call.function?.name ?? '', held: [], sent: false, end: new JsonEnd() };
      this.toolBlocks.set(key, block);
      block.end.push(args);
      const open = this.open?.block;
      if (open?.kind === 'tool' && !open.end.complete) return this.hold(this.wait(block), args);
      const out = this.openBlock(block, args);
      return block.end.complete ? out + this.next() : out;
    }
    if (!args) return '';
    if (this.open?.block === known) {
      known.end.push(args);
      const out = this.deltaEvent(known, args);
      return known.end.complete ? out + this.next() : out;
    }
    // A sent call's block is stopped: what follows its complete object could only
    // make the arguments invalid, and there is nowhere to send it.
    if (known.sent) return '';
    // Waiting: it goes out whole when its turn comes.
    known.end.push(args);
    return this.hold(known, args);
  }

  /** Queues a block behind the open one; what it costs to remember counts against the bound too. */
  private wait<B extends Block>(block: B): B {
    this.waiting.push(block);
    this.heldBytes += waitingCost(block);
    return block;
  }

  private nextWaiting(): Block | undefined {
    const block = this.waiting.shift();
    if (block) this.heldBytes -= waitingCost(block);
    return block;
  }

  private hold(block: Block, text: string): string {
    if (!text) return '';
    block.held.push(text);
    this.heldBytes += Buffer.byteLength(text);
    return '';
  }

  private deltaEvent(block: Block, text: string): string {
    if (!text || !this.open) return '';
    const delta = block.kind === 'text' ? { type: 'text_delta', text } : { type: 'input_json_delta', partial_json: text };
    return sse('content_block_delta', { type: 'content_block_delta', index: this.open.index, delta });
  }

  /** Stops the open block and starts `block` with what it held, and `live`, the piece that just came. */
  private openBlock(block: Block, live = ''): string {
    let out = this.closeBlock();
    this.open = { block, index: this.nextIndex++ };
    block.sent = true;
    const contentBlock = block.kind === 'text' ? { type: 'text', text: '' } : { type: 'tool_use', id: block.id, name: block.name, input: {} };
    out += sse('content_block_start', { type: 'content_block_start', index: this.open.index, content_block: contentBlock });
    const held = block.held.join('');
    this.heldBytes -= Buffer.byteLength(held);
    block.held = [];
    return out + this.deltaEvent(block, held + live);
  }

  /**
   * The open call is complete: send what waited behind it, each in turn, until
   * one is still unfinished (it stays open) or none is left.
   */
  private next(): string {
    let out = this.closeBlock();
    for (let block = this.nextWaiting(); block; block = this.nextWaiting()) {
      out += this.openBlock(block);
      const unfinished = block.kind === 'tool' ? !block.end.complete : this.waiting.length === 0;
      if (unfinished) return out;
      out += this.closeBlock();
    }
    return out;
  }

  /** The answer is complete: the open block and every waiting one, whole, in order. */
  private flush(): string {
    let out = '';
    for (let block = this.nextWaiting(); block; block = this.nextWaiting()) out += this.openBlock(block);
    return out + this.closeBlock();
  }

  private start(chunk: ChatCompletionChunk): string {
    if (this.started) return '';
    this.started = true;
    return sse('message_start', {
      type: 'message_start',
      message: {
        id: messageId(chunk.id), type: 'message', role: 'assistant', model: chunk.model ?? this.requestedModel, content: [],
        stop_reason: null, stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
      },
    });
  }

  private closeBlock(): string {
    if (!this.open) return '';
    const out = sse('content_block_stop', { type: 'content_block_stop', index: this.open.index });
    this.open = undefined;
    return out;
  }

  private fail(message: string): string {
    this.finished = true;
    this.waiting.length = 0;
    return sse('error', { type: 'error', error: { type: 'api_error', message } });
  }

  private close(): string {
    if (this.finished) return '';
    const out = this.start({}) + this.flush();
    this.finished = true;
    return out
      + sse('message_delta', { type: 'message_delta', delta: { stop_reason: toStopReason(this.finishReason), stop_sequence: null }, usage: toAnthropicUsage(this.usage) })
      + sse('message_stop', { type: 'message_stop' });
  }
}

/**
 * The Anthropic Messages API in front of an OpenAI-compatible Chat Completions
 * upstream. The workspace's tools (Claude Code, OpenCode) only speak Messages to
 * the gateway; for a blueprint whose endpoint is OpenAI-compatible the gateway
 * rewrites each request with `toChatCompletionsRequest`, and the answer back
 * with `toAnthropicMessage` (JSON), `OpenAiStreamTranslator` (SSE, chunk by
 * chunk, never holding the stream back) or `toAnthropicError`.
 */

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

interface ChatCompletionChunk {
  id?: string;
  model?: string;
  choices?: Array<{
    delta?: { content?: string | null; tool_calls?: Array<{ index?: number; id?: string; function?: { name?: string; arguments?: string } }> };
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

const messageId = (upstreamId: string | undefined) => `msg_${(upstreamId ?? '').replace(/[^A-Za-z0-9_-]/g, '') || Date.now().toString(36)}`;

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
 * Turns an OpenAI chunk stream into the Messages API's event stream as it
 * arrives: `push` takes upstream bytes and returns the events they complete
 * (possibly ''), `end` the closing events once the upstream is done. Usage
 * comes in OpenAI's last chunk (stream_options.include_usage), so it is sent
 * in message_delta, input and cache fields included.
 */
export class OpenAiStreamTranslator {
  private readonly decoder = new TextDecoder();
  private pending = '';
  private started = false;
  private finished = false;
  /** The Anthropic index of the open content block, or -1. */
  private open = -1;
  private openKind: 'text' | 'tool' | undefined;
  private nextIndex = 0;
  /** OpenAI tool-call index → Anthropic block index. */
  private readonly toolBlocks = new Map<number, number>();
  private finishReason: string | null | undefined;
  private usage: OpenAiUsage | undefined;

  constructor(private readonly requestedModel: string) {}

  push(chunk: Buffer | string): string {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    let out = '';
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, newline).replace(/\r$/, '');
      this.pending = this.pending.slice(newline + 1);
      if (line.startsWith('data:')) out += this.onData(line.slice(5).trim());
    }
    return out;
  }

  /** The closing events: message_delta and message_stop after a complete answer, an error event after a cut-off one. */
  end(): string {
    if (this.finished) return '';
    const rest = this.pending.trim();
    let out = rest.startsWith('data:') ? this.onData(rest.slice(5).trim()) : '';
    this.pending = '';
    if (this.finished) return out;
    if (this.finishReason === undefined) {
      this.finished = true;
      return out + sse('error', { type: 'error', error: { type: 'api_error', message: 'the model provider ended the stream before the answer was complete' } });
    }
    return out + this.close();
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
    if (chunk.error) {
      this.finished = true;
      return sse('error', { type: 'error', error: { type: 'api_error', message: chunk.error.message ?? 'the model provider reported an error' } });
    }
    let out = this.start(chunk);
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) return out;
    const delta = choice.delta ?? {};
    if (delta.content) {
      if (this.openKind !== 'text') out += this.openBlock('text', { type: 'text', text: '' });
      out += sse('content_block_delta', { type: 'content_block_delta', index: this.open, delta: { type: 'text_delta', text: delta.content } });
    }
    for (const call of delta.tool_calls ?? []) {
      const key = call.index ?? 0;
      let index = this.toolBlocks.get(key);
      if (index === undefined) {
        out += this.openBlock('tool', { type: 'tool_use', id: call.id ?? `toolu_${this.nextIndex}`, name: call.function?.name ?? '', input: {} });
        index = this.open;
        this.toolBlocks.set(key, index);
      }
      // Arguments of a call whose block was already closed (interleaved calls) cannot be sent any more.
      if (call.function?.arguments && index === this.open) {
        out += sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: call.function.arguments } });
      }
    }
    if (choice.finish_reason) {
      this.finishReason = choice.finish_reason;
      out += this.closeBlock();
    }
    return out;
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

  private openBlock(kind: 'text' | 'tool', block: unknown): string {
    const out = this.closeBlock();
    this.open = this.nextIndex++;
    this.openKind = kind;
    return out + sse('content_block_start', { type: 'content_block_start', index: this.open, content_block: block });
  }

  private closeBlock(): string {
    if (this.open < 0) return '';
    const out = sse('content_block_stop', { type: 'content_block_stop', index: this.open });
    this.open = -1;
    this.openKind = undefined;
    return out;
  }

  private close(): string {
    if (this.finished) return '';
    this.finished = true;
    const out = this.start({}) + this.closeBlock();
    return out
      + sse('message_delta', { type: 'message_delta', delta: { stop_reason: toStopReason(this.finishReason), stop_sequence: null }, usage: toAnthropicUsage(this.usage) })
      + sse('message_stop', { type: 'message_stop' });
  }
}

import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ContentBlock, Message, MessagesRequest, Reply, ReplyBlock } from './messages.js';
import { DEMO_MODEL_ID, scriptedReply } from './scenarios.js';
import { estimateTokens, replyTokens } from './usage.js';

/** The part of an OpenAI Chat Completions request the scripted model reads. */
export interface ChatCompletionsRequest {
  model?: string;
  messages: ChatMessage[];
  tools?: Array<{ type?: string; function?: { name: string; description?: string; parameters?: unknown } }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

type ChatMessage =
  | { role: 'system' | 'developer'; content: string | Array<{ type: string; text?: string }> }
  | { role: 'user'; content: string | Array<{ type: string; text?: string }> }
  | { role: 'assistant'; content?: string | null; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> }
  | { role: 'tool'; tool_call_id: string; content: string };

/** OpenAI caches prompt prefixes of 1024 tokens and more; the scripted model counts a long system prompt as cached. */
const cacheMinimumTokens = 1024;

const textOf = (content: string | Array<{ type: string; text?: string }> | null | undefined): string =>
  typeof content === 'string' ? content : (content ?? []).map((p) => p.text ?? '').join('\n');

/** The same conversation in the Messages API's terms, so the scenarios read it as they read any other. */
export function asMessagesRequest(req: ChatCompletionsRequest): MessagesRequest {
  const system: string[] = [];
  const messages: Message[] = [];
  const userBlocks = (): ContentBlock[] => {
    const last = messages.at(-1);
    if (last?.role === 'user' && Array.isArray(last.content)) return last.content;
    const blocks: ContentBlock[] = [];
    messages.push({ role: 'user', content: blocks });
    return blocks;
  };
  for (const m of req.messages) {
    if (m.role === 'system' || m.role === 'developer') system.push(textOf(m.content));
    else if (m.role === 'user') userBlocks().push({ type: 'text', text: textOf(m.content) });
    else if (m.role === 'tool') userBlocks().push({ type: 'tool_result', tool_use_id: m.tool_call_id, content: m.content });
    else if (m.role === 'assistant') {
      const blocks: ContentBlock[] = [];
      if (m.content) blocks.push({ type: 'text', text: m.content });
      for (const call of m.tool_calls ?? []) blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: {} });
      messages.push({ role: 'assistant', content: blocks });
    }
  }
  return {
    model: req.model,
    messages,
    ...(system.length > 0 ? { system: system.join('\n') } : {}),
    ...(req.tools ? { tools: req.tools.flatMap((t) => (t.function ? [{ name: t.function.name }] : [])) } : {}),
  };
}

export function isChatCompletionsRequest(body: unknown): body is ChatCompletionsRequest {
  return typeof body === 'object' && body !== null && Array.isArray((body as { messages?: unknown }).messages);
}

/** Usage as OpenAI reports it: cached tokens are part of prompt_tokens. */
function usageOf(req: ChatCompletionsRequest, reply: Reply) {
  const prompt = estimateTokens({ messages: req.messages, tools: req.tools });
  const systemTokens = estimateTokens(req.messages.filter((m) => m.role === 'system' || m.role === 'developer'));
  const cached = systemTokens >= cacheMinimumTokens ? systemTokens : 0;
  const completion = replyTokens(reply.blocks);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } };
}

const finishReason = (reply: Reply) => (reply.stopReason === 'tool_use' ? 'tool_calls' : 'stop');

const completionId = () => `chatcmpl-${randomBytes(12).toString('hex')}`;

/** The scripted reply as one chat.completion object. */
export function chatCompletionOf(req: ChatCompletionsRequest, reply: Reply) {
  const text = reply.blocks.filter((b) => b.type === 'text').map((b) => b.text).join('');
  const calls = reply.blocks.flatMap((b) => (b.type === 'tool_use' ? [{ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input) } }] : []));
  return {
    id: completionId(),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: DEMO_MODEL_ID,
    choices: [{
      index: 0,
      message: { role: 'assistant', content: text || null, ...(calls.length > 0 ? { tool_calls: calls } : {}) },
      finish_reason: finishReason(reply),
    }],
    usage: usageOf(req, reply),
  };
}

/**
 * The scripted reply as chat.completion.chunk events: the role, text in pieces,
 * each tool call (id and name first, then its arguments in pieces; with
 * `interleaveToolCalls`, the calls' pieces taken in turn), the finish
 * reason, the usage chunk when asked for (stream_options.include_usage), [DONE].
 */
export async function streamChatCompletion(res: ServerResponse, req: ChatCompletionsRequest, delayMs: number): Promise<void> {
  const reply = scriptedReply(asMessagesRequest(req));
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
  const base = { id: completionId(), object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: DEMO_MODEL_ID };
  const pause = reply.pauseMs ?? delayMs;
  const send = async (data: unknown) => {
    if (res.destroyed) return;
    res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    else if (reply.eventPerTurn) await new Promise((r) => setImmediate(r));
  };
  const delta = (d: unknown, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta: d, finish_reason: finish }] });
  await send(delta({ role: 'assistant', content: '' }));
  // Each tool call as its chunks: id and name first, then its arguments in pieces.
  let toolIndex = 0;
  const callChunks = (block: ReplyBlock & { type: 'tool_use' }, size: number) => {
    const index = toolIndex++;
    return [
      delta({ tool_calls: [{ index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] }),
      ...pieces(JSON.stringify(block.input), size).map((piece) => delta({ tool_calls: [{ index, function: { arguments: piece } }] })),
    ];
  };
  for (const block of reply.blocks) {
    if (block.type === 'text') {
      for (const piece of pieces(block.text, 24)) await send(delta({ content: piece }));
    } else if (!reply.interleaveToolCalls) {
      for (const c of callChunks(block, 64)) await send(c);
    }
  }
  if (reply.interleaveToolCalls) {
    // Round robin over the calls, a small piece of each in turn.
    const queues = reply.blocks.flatMap((b) => (b.type === 'tool_use' ? [callChunks(b, 8)] : []));
    while (queues.some((q) => q.length > 0)) {
      for (const q of queues) {
        const next = q.shift();
        if (next) await send(next);
      }
    }
  }
  await send(delta({}, finishReason(reply)));
  if (req.stream_options?.include_usage) await send({ ...base, choices: [], usage: usageOf(req, reply) });
  await send('[DONE]');
  res.end();
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

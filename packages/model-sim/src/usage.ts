import { blocksOf, type ContentBlock, type MessagesRequest, type ReplyBlock, type Usage } from './messages.js';

/** About four characters a token, like the real tokenizers on English; deterministic. */
export const estimateTokens = (value: unknown): number => Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / 4));

const hasCacheControl = (blocks: ContentBlock[]): boolean => blocks.some((b) => b.cache_control !== undefined);

/**
 * Deterministic usage for a request, shaped like the real API's: when the
 * client marks cache breakpoints, the system prompt counts as a cache read and
 * the earlier turns as a cache write; only the last message is plain input.
 */
export function requestUsage(req: MessagesRequest): Omit<Usage, 'output_tokens'> {
  const messages = req.messages ?? [];
  const system = req.system === undefined ? [] : blocksOf(req.system);
  const cached = hasCacheControl(system) || messages.some((m) => typeof m.content !== 'string' && hasCacheControl(m.content));
  const all = estimateTokens({ system: req.system, messages, tools: req.tools });
  if (!cached) return { input_tokens: all, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
  const cacheRead = estimateTokens({ system: req.system, tools: req.tools });
  const cacheWrite = messages.length > 1 ? estimateTokens(messages.slice(0, -1)) : 0;
  return {
    input_tokens: messages.length > 0 ? estimateTokens(messages.at(-1)) : 1,
    cache_read_input_tokens: cacheRead,
    cache_creation_input_tokens: cacheWrite,
  };
}

export const replyTokens = (blocks: ReplyBlock[]): number => estimateTokens(blocks);

/** The part of the Anthropic Messages API request the scripted model reads. */
export interface MessagesRequest {
  model?: string;
  max_tokens?: number;
  stream?: boolean;
  system?: string | ContentBlock[];
  messages: Message[];
  tools?: Array<{ name: string; description?: string; input_schema?: unknown }>;
}

export interface Message {
  role: 'user' | 'assistant';
  content: string | ContentBlock[];
}

export type ContentBlock =
  | { type: 'text'; text: string; cache_control?: unknown }
  | { type: 'tool_use'; id: string; name: string; input: unknown; cache_control?: unknown }
  | { type: 'tool_result'; tool_use_id: string; content?: unknown; is_error?: boolean; cache_control?: unknown }
  | { type: string; cache_control?: unknown; [key: string]: unknown };

/** A block of the reply: what the scripted model "says". */
export type ReplyBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface Reply {
  blocks: ReplyBlock[];
  stopReason: 'end_turn' | 'tool_use';
  /** Pause between streamed events for this reply (a slow answer, so a client can stop it). */
  pauseMs?: number;
  /** Write each streamed event in its own turn of the event loop, so each leaves as its own chunk (no pause). */
  eventPerTurn?: boolean;
  /**
   * In a Chat Completions stream, interleave the tool calls' argument fragments
   * (as some OpenAI-compatible servers do with parallel calls) instead of one call after another.
   */
  interleaveToolCalls?: boolean;
  /** Answer with this API error instead (how a client shows a model's error). */
  error?: { status: number; type: string; message: string };
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export const blocksOf = (content: string | ContentBlock[]): ContentBlock[] =>
  typeof content === 'string' ? [{ type: 'text', text: content }] : content;

export const textOf = (content: string | ContentBlock[]): string =>
  blocksOf(content)
    .filter((b): b is { type: 'text'; text: string } => b.type === 'text' && typeof (b as { text?: unknown }).text === 'string')
    .map((b) => b.text)
    .join('\n');

import { SseDataReader } from './sseData.js';

/** Token counts as the Anthropic Messages API reports them, summed for one request. */
export interface TokenUsage {
  model: string | undefined;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

interface ApiUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

const maxJsonBytes = 8 * 1024 * 1024;

/**
 * Reads usage from a response as it passes through, one chunk at a time, so the
 * gateway never holds the response back to count it. Streams carry usage in
 * message_start (input and cache) and message_delta (output, running totals);
 * a JSON body carries it in `usage`.
 */
export class UsageParser {
  private readonly sse: SseDataReader | undefined;
  private readonly decoder = new TextDecoder();
  private pending = '';
  private jsonBytes = 0;
  private seen = false;
  private readonly usage: TokenUsage = { model: undefined, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

  constructor(contentType: string | undefined) {
    this.sse = (contentType ?? '').startsWith('text/event-stream') ? new SseDataReader() : undefined;
  }

  push(chunk: Buffer): void {
    if (!this.sse) {
      // A JSON answer is parsed once complete; past the cap it is only counted as unknown.
      this.jsonBytes += chunk.length;
      if (this.jsonBytes <= maxJsonBytes) this.pending += this.decoder.decode(chunk, { stream: true });
      return;
    }
    for (const data of this.sse.push(chunk)) this.onEvent(data);
  }

  /** The usage once the response ended; undefined when it reported none. */
  finish(): TokenUsage | undefined {
    if (this.sse) {
      for (const data of this.sse.end()) this.onEvent(data);
    } else if (this.jsonBytes <= maxJsonBytes) {
      try {
        const body = JSON.parse(this.pending + this.decoder.decode()) as { model?: string; usage?: ApiUsage };
        if (typeof body.model === 'string') this.usage.model = body.model;
        if (body.usage) this.apply(body.usage);
      } catch {
        // Not JSON (an error page): no usage.
      }
    }
    return this.seen ? { ...this.usage } : undefined;
  }

  private onEvent(data: string): void {
    let event: { type?: string; message?: { model?: string; usage?: ApiUsage }; usage?: ApiUsage };
    try {
      event = JSON.parse(data) as typeof event;
    } catch {
      return;
    }
    if (event.type === 'message_start' && event.message) {
      if (typeof event.message.model === 'string') this.usage.model = event.message.model;
      if (event.message.usage) this.apply(event.message.usage);
    } else if (event.type === 'message_delta' && event.usage) {
      this.apply(event.usage);
    }
  }

  /** Counts are cumulative in the API (message_delta repeats totals), so a later value replaces an earlier one. */
  private apply(u: ApiUsage): void {
    this.seen = true;
    if (typeof u.input_tokens === 'number') this.usage.inputTokens = u.input_tokens;
    if (typeof u.output_tokens === 'number') this.usage.outputTokens = u.output_tokens;
    if (typeof u.cache_read_input_tokens === 'number') this.usage.cacheReadTokens = u.cache_read_input_tokens;
    if (typeof u.cache_creation_input_tokens === 'number') this.usage.cacheWriteTokens = u.cache_creation_input_tokens;
  }
}

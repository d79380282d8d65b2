import { SseDataReader } from './sseData.js';

/** One tool call a model asked for: the tool's name and its input as the model wrote it. */
export interface ToolUse { name: string; input: unknown }

/** A response is read for tool calls up to this size; past it, no more are collected (the response still passes). */
const maxJsonBytes = 8 * 1024 * 1024;
/** A model asking for more calls than this in one answer is not recorded call by call. */
const maxToolUses = 64;

/**
 * Reads the `tool_use` blocks of a Messages answer as it passes through, a
 * chunk at a time, never holding it back: from a stream, each block's
 * `input_json_delta` fragments joined when the block stops; from a JSON
 * answer, its `content` once complete.
 */
export class ToolUseReader {
  private readonly sse: SseDataReader | undefined;
  private readonly decoder = new TextDecoder();
  private pending = '';
  private jsonBytes = 0;
  private readonly open = new Map<number, { name: string; json: string; input: unknown }>();
  private readonly found: ToolUse[] = [];

  constructor(contentType: string | undefined) {
    this.sse = (contentType ?? '').startsWith('text/event-stream') ? new SseDataReader() : undefined;
  }

  push(chunk: Buffer | string): void {
    if (!this.sse) {
      this.jsonBytes += chunk.length;
      if (this.jsonBytes <= maxJsonBytes) this.pending += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
      return;
    }
    for (const data of this.sse.push(chunk)) this.onEvent(data);
  }

  /** Every complete tool call, once the answer ended (or was cut: those that completed before). */
  finish(): ToolUse[] {
    if (this.sse) {
      for (const data of this.sse.end()) this.onEvent(data);
    } else if (this.jsonBytes <= maxJsonBytes) {
      try {
        const body = JSON.parse(this.pending + this.decoder.decode()) as { content?: unknown };
        if (Array.isArray(body.content)) {
          for (const block of body.content as Array<{ type?: unknown; name?: unknown; input?: unknown }>) {
            if (block?.type === 'tool_use' && typeof block.name === 'string') this.add({ name: block.name, input: block.input });
          }
        }
      } catch {
        // Not JSON (an error page): no tool calls.
      }
    }
    return this.found;
  }

  private onEvent(data: string): void {
    let event: { type?: string; index?: number; content_block?: { type?: string; name?: unknown; input?: unknown }; delta?: { type?: string; partial_json?: unknown } };
    try {
      event = JSON.parse(data) as typeof event;
    } catch {
      return;
    }
    const index = typeof event.index === 'number' ? event.index : -1;
    if (event.type === 'content_block_start' && event.content_block?.type === 'tool_use' && typeof event.content_block.name === 'string') {
      this.open.set(index, { name: event.content_block.name, json: '', input: event.content_block.input });
    } else if (event.type === 'content_block_delta' && event.delta?.type === 'input_json_delta' && typeof event.delta.partial_json === 'string') {
      const block = this.open.get(index);
      if (block && block.json.length + event.delta.partial_json.length <= maxJsonBytes) block.json += event.delta.partial_json;
    } else if (event.type === 'content_block_stop') {
      const block = this.open.get(index);
      if (!block) return;
      this.open.delete(index);
      let input = block.input;
      if (block.json) {
        try {
          input = JSON.parse(block.json);
        } catch {
          input = undefined;
        }
      }
      this.add({ name: block.name, input });
    }
  }

  private add(use: ToolUse): void {
    if (this.found.length < maxToolUses) this.found.push(use);
  }
}

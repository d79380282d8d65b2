import { createParser, type EventSourceParser } from 'eventsource-parser';

/** The most an event may buffer before it is complete (characters): an upstream that never ends a line can't grow memory. */
export const defaultMaxEventChars = 8 * 1024 * 1024;

/**
 * Reads a server-sent event stream as it arrives (eventsource-parser, the
 * WHATWG rules: any line ending, several data lines joined, comments and
 * unknown fields ignored) and hands back the data of each event a chunk
 * completes. An event longer than the bound ends the reading: `overflowed`.
 */
export class SseDataReader {
  private readonly decoder = new TextDecoder();
  private readonly parser: EventSourceParser;
  private completed: string[] = [];
  overflowed = false;

  constructor(maxEventChars = defaultMaxEventChars) {
    this.parser = createParser({
      maxBufferSize: maxEventChars,
      onEvent: (event) => { this.completed.push(event.data); },
      onError: (err) => { if (err.type === 'max-buffer-size-exceeded') this.overflowed = true; },
    });
  }

  /** The data of each event this chunk completes, in order. */
  push(chunk: Buffer | string): string[] {
    if (this.overflowed) return [];
    this.parser.feed(typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));
    return this.take();
  }

  /** Once the stream ended: the data of a last event that came without its closing blank line. */
  end(): string[] {
    if (this.overflowed) return [];
    this.parser.feed(`${this.decoder.decode()}\n\n`);
    return this.take();
  }

  private take(): string[] {
    const done = this.completed;
    this.completed = [];
    return done;
  }
}

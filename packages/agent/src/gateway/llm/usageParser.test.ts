import { describe, expect, it } from 'vitest';
import { UsageParser } from './usageParser.js';

const start = { type: 'message_start', message: { model: 'claude-x', usage: { input_tokens: 7, output_tokens: 1, cache_read_input_tokens: 3, cache_creation_input_tokens: 2 } } };
const end = { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 11 } };

describe('the usage parser', () => {
  it('counts a Messages stream however it is cut into chunks', () => {
    const text = `event: message_start\ndata: ${JSON.stringify(start)}\n\nevent: ping\ndata: {"type":"ping"}\n\nevent: message_delta\ndata: ${JSON.stringify(end)}\n\n`;
    for (const size of [1, 7, text.length]) {
      const p = new UsageParser('text/event-stream; charset=utf-8');
      for (let i = 0; i < text.length; i += size) p.push(Buffer.from(text.slice(i, i + size)));
      expect(p.finish(), `chunks of ${size}`).toEqual({ model: 'claude-x', inputTokens: 7, outputTokens: 11, cacheReadTokens: 3, cacheWriteTokens: 2 });
    }
  });

  it('reads the stream as an event stream: CR line endings, data over several lines, the last event without its blank line', () => {
    const p = new UsageParser('text/event-stream');
    p.push(Buffer.from(`event: message_start\rdata: ${JSON.stringify(start, null, 1).split('\n').join('\rdata: ')}\r\r`));
    p.push(Buffer.from(`event: message_delta\ndata: ${JSON.stringify(end)}`));
    expect(p.finish()).toEqual({ model: 'claude-x', inputTokens: 7, outputTokens: 11, cacheReadTokens: 3, cacheWriteTokens: 2 });
  });

  it('reads a JSON answer once complete, and nothing from one that is not JSON', () => {
    const json = new UsageParser('application/json');
    const body = Buffer.from(JSON.stringify({ model: 'claude-x', usage: { input_tokens: 5, output_tokens: 6 } }));
    json.push(body.subarray(0, 10));
    json.push(body.subarray(10));
    expect(json.finish()).toMatchObject({ model: 'claude-x', inputTokens: 5, outputTokens: 6 });
    const html = new UsageParser('text/html');
    html.push(Buffer.from('<html>Bad gateway</html>'));
    expect(html.finish()).toBeUndefined();
  });
});

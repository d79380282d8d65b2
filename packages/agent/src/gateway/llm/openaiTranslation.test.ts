import { describe, expect, it } from 'vitest';
import {
  OpenAiStreamTranslator, toAnthropicError, toAnthropicMessage, toAnthropicUsage, toChatCompletionsRequest, toStopReason,
} from './openaiTranslation.js';

interface SseEvent { event: string; data: any }

function parseSse(text: string): SseEvent[] {
  return text.split('\n\n').filter((chunk) => chunk.trim()).map((chunk) => ({
    event: /^event: (.+)$/m.exec(chunk)?.[1] ?? '',
    data: JSON.parse(/^data: (.+)$/m.exec(chunk)?.[1] ?? 'null'),
  }));
}

const chunk = (body: unknown) => `data: ${JSON.stringify(body)}\n\n`;
const delta = (d: unknown, finish: string | null = null) => chunk({ id: 'chatcmpl-1', model: 'gpt-x', choices: [{ index: 0, delta: d, finish_reason: finish }] });

describe('Messages request → Chat Completions request', () => {
  it('maps system, text turns, tool calls and tool results, keeping the order OpenAI needs', () => {
    const out = toChatCompletionsRequest({
      model: 'claude-sonnet',
      max_tokens: 512,
      temperature: 0.2,
      top_p: 0.9,
      stop_sequences: ['END'],
      system: [{ type: 'text', text: 'You are helpful.' }, { type: 'text', text: 'Be brief.' }],
      messages: [
        { role: 'user', content: 'list the files' },
        { role: 'assistant', content: [
          { type: 'thinking', thinking: 'hmm', signature: 'sig' },
          { type: 'text', text: 'Looking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } },
          { type: 'tool_use', id: 'toolu_2', name: 'Read', input: { file_path: '/a' } },
        ] },
        { role: 'user', content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'a b' }] },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'no such file', is_error: true },
          { type: 'text', text: 'and now?' },
        ] },
        // Claude Code's environment notes ride as a system turn after the prompt.
        { role: 'system', content: [{ type: 'text', text: "Today's date is 2026-01-01.", cache_control: { type: 'ephemeral' } }] },
      ],
    }, 'gpt-x');
    expect(out).toEqual({
      model: 'gpt-x',
      max_tokens: 512,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['END'],
      messages: [
        { role: 'system', content: 'You are helpful.\nBe brief.' },
        { role: 'user', content: 'list the files' },
        { role: 'assistant', content: 'Looking.', tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'Read', arguments: '{"file_path":"/a"}' } },
        ] },
        // Tool answers come straight after the calls, before the user's next words.
        { role: 'tool', tool_call_id: 'toolu_1', content: 'a b' },
        { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: no such file' },
        { role: 'user', content: 'and now?' },
        { role: 'system', content: "Today's date is 2026-01-01." },
      ],
    });
  });

  it("uses the tool's model when the route names none; an assistant turn of only calls has null content", () => {
    const out = toChatCompletionsRequest({
      model: 'local-llama',
      messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] }],
    });
    expect(out.model).toBe('local-llama');
    expect(out.messages[1]).toEqual({ role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }] });
    expect(out).not.toHaveProperty('stream');
    expect(out).not.toHaveProperty('tools');
  });

  it('maps tools to functions and each tool_choice; server tools without a schema are left out', () => {
    const tools = [
      { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } } } },
      { name: 'web_search', type: 'web_search_20250305' },
    ];
    const req = (tool_choice?: any) => toChatCompletionsRequest({ messages: [], tools, ...(tool_choice ? { tool_choice } : {}) });
    expect(req().tools).toEqual([{ type: 'function', function: { name: 'Bash', description: 'Run a command', parameters: tools[0]!.input_schema } }]);
    expect(req().tool_choice).toBeUndefined();
    expect(req({ type: 'auto' }).tool_choice).toBe('auto');
    expect(req({ type: 'any' }).tool_choice).toBe('required');
    expect(req({ type: 'none' }).tool_choice).toBe('none');
    expect(req({ type: 'tool', name: 'Bash', disable_parallel_tool_use: true })).toMatchObject({
      tool_choice: { type: 'function', function: { name: 'Bash' } }, parallel_tool_calls: false,
    });
  });

  it('asks for usage in the stream, and sends images as data URLs', () => {
    const out = toChatCompletionsRequest({
      stream: true,
      messages: [{ role: 'user', content: [
        { type: 'text', text: 'what is this?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } },
      ] }],
    });
    expect(out.stream).toBe(true);
    expect(out.stream_options).toEqual({ include_usage: true });
    expect(out.messages[0]).toEqual({ role: 'user', content: [
      { type: 'text', text: 'what is this?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } },
    ] });
  });
});

describe('Chat Completions answer → Messages answer', () => {
  it('maps text, tool calls, the finish reason and usage (cached tokens out of input)', () => {
    const out = toAnthropicMessage({
      id: 'chatcmpl-abc',
      model: 'gpt-x',
      choices: [{ message: { content: 'Running it.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }] }, finish_reason: 'tool_calls' }],
      usage: { prompt_tokens: 1200, completion_tokens: 30, prompt_tokens_details: { cached_tokens: 1024 } },
    }, 'asked');
    expect(out).toEqual({
      id: 'msg_chatcmpl-abc', type: 'message', role: 'assistant', model: 'gpt-x',
      content: [{ type: 'text', text: 'Running it.' }, { type: 'tool_use', id: 'call_1', name: 'Bash', input: { command: 'ls' } }],
      stop_reason: 'tool_use', stop_sequence: null,
      usage: { input_tokens: 176, output_tokens: 30, cache_read_input_tokens: 1024, cache_creation_input_tokens: 0 },
    });
  });

  it('maps every finish reason, and survives missing usage and malformed arguments', () => {
    expect(['stop', 'length', 'tool_calls', 'function_call', 'content_filter', null].map(toStopReason))
      .toEqual(['end_turn', 'max_tokens', 'tool_use', 'tool_use', 'refusal', 'end_turn']);
    expect(toAnthropicUsage(undefined)).toEqual({ input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    expect(toAnthropicUsage({ prompt_tokens: 10, completion_tokens: 2 })).toMatchObject({ input_tokens: 10, cache_read_input_tokens: 0 });
    const bad = toAnthropicMessage({ choices: [{ message: { content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":' } }] }, finish_reason: 'tool_calls' }] }, 'asked');
    expect(bad.model).toBe('asked');
    expect(bad.content).toEqual([{ type: 'tool_use', id: 'c', name: 'f', input: { _raw: '{"a":' } }]);
  });

  it("turns an upstream's error into the Messages API's error shape, by status", () => {
    expect(toAnthropicError(401, JSON.stringify({ error: { message: 'Incorrect API key', type: 'invalid_request_error' } })))
      .toEqual({ type: 'error', error: { type: 'authentication_error', message: 'Incorrect API key' } });
    expect(toAnthropicError(429, '{"error":"slow down"}').error).toEqual({ type: 'rate_limit_error', message: 'slow down' });
    expect(toAnthropicError(400, '{"error":{"message":"bad"}}').error.type).toBe('invalid_request_error');
    expect(toAnthropicError(502, '<html>Bad gateway</html>').error).toEqual({ type: 'api_error', message: '<html>Bad gateway</html>' });
    expect(toAnthropicError(500, '').error.message).toBe('the model provider answered 500');
  });
});

describe('the stream translator', () => {
  it('turns a text stream into the Messages event sequence, usage in message_delta', () => {
    const t = new OpenAiStreamTranslator('asked');
    let out = '';
    out += t.push(delta({ role: 'assistant', content: '' }));
    out += t.push(delta({ content: 'Hel' }));
    out += t.push(delta({ content: 'lo' }));
    out += t.push(delta({}, 'stop'));
    out += t.push(chunk({ id: 'chatcmpl-1', model: 'gpt-x', choices: [], usage: { prompt_tokens: 50, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 20 } } }));
    out += t.push('data: [DONE]\n\n');
    out += t.end();
    const events = parseSse(out);
    expect(events.map((e) => e.event)).toEqual([
      'message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop',
    ]);
    for (const e of events) expect(e.data.type).toBe(e.event);
    expect(events[0]!.data.message).toMatchObject({ id: 'msg_chatcmpl-1', model: 'gpt-x', role: 'assistant', content: [] });
    expect(events[1]!.data).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    expect(events[2]!.data.delta).toEqual({ type: 'text_delta', text: 'Hel' });
    expect(events[5]!.data).toEqual({
      type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 30, output_tokens: 2, cache_read_input_tokens: 20, cache_creation_input_tokens: 0 },
    });
  });

  it('emits each event as soon as its line is complete, across arbitrary chunk boundaries', () => {
    const t = new OpenAiStreamTranslator('m');
    const whole = delta({ content: 'abc' });
    expect(t.push(whole.slice(0, 10))).toBe('');
    const first = parseSse(t.push(whole.slice(10)));
    expect(first.map((e) => e.event)).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    // A multi-byte character split between chunks arrives whole.
    const euro = Buffer.from(delta({ content: '€' }));
    const cut = euro.indexOf(0xe2) + 1;
    expect(t.push(euro.subarray(0, cut))).toBe('');
    expect(parseSse(t.push(euro.subarray(cut)))[0]!.data.delta.text).toBe('€');
  });

  it('turns text then parallel tool calls into a text block and tool_use blocks with input_json_delta', () => {
    const t = new OpenAiStreamTranslator('m');
    const out = [
      delta({ role: 'assistant', content: 'Writing.' }),
      delta({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Write', arguments: '' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '{"file_path":' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '"/a"}' } }] }),
      delta({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }] }),
      delta({}, 'tool_calls'),
      'data: [DONE]\n\n',
    ].map((c) => t.push(c)).join('') + t.end();
    const events = parseSse(out);
    const starts = events.filter((e) => e.event === 'content_block_start').map((e) => e.data);
    expect(starts).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_a', name: 'Write', input: {} } },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'call_b', name: 'Bash', input: {} } },
    ]);
    const json = (index: number) => events.filter((e) => e.event === 'content_block_delta' && e.data.index === index).map((e) => e.data.delta.partial_json).join('');
    expect(JSON.parse(json(1))).toEqual({ file_path: '/a' });
    expect(JSON.parse(json(2))).toEqual({ command: 'ls' });
    // Every block is stopped before the next starts, and once.
    expect(events.filter((e) => e.event === 'content_block_stop').map((e) => e.data.index)).toEqual([0, 1, 2]);
    const order = events.map((e) => `${e.event}:${e.data.index ?? ''}`);
    expect(order.indexOf('content_block_stop:0')).toBeLessThan(order.indexOf('content_block_start:1'));
    expect(events.find((e) => e.event === 'message_delta')!.data.delta.stop_reason).toBe('tool_use');
    expect(events.at(-1)!.event).toBe('message_stop');
  });

  /** Each tool_use block's id, name and input (its input_json_delta pieces joined), in block order. */
  function toolUses(events: SseEvent[]) {
    return events.filter((e) => e.event === 'content_block_start' && e.data.content_block.type === 'tool_use').map((e) => {
      const pieces = events.filter((d) => d.event === 'content_block_delta' && d.data.index === e.data.index).map((d) => d.data.delta.partial_json);
      return { id: e.data.content_block.id, name: e.data.content_block.name, input: JSON.parse(pieces.join('')) };
    });
  }

  /** Anthropic clients hold one open block at a time: each starts after the last one stopped, and stops once. */
  function expectOneBlockAtATime(events: SseEvent[]) {
    let open: number | undefined;
    const seen: number[] = [];
    for (const e of events) {
      if (e.event === 'content_block_start') {
        expect(open, `block ${e.data.index} started while ${open} was open`).toBeUndefined();
        open = e.data.index;
        seen.push(e.data.index);
      } else if (e.event === 'content_block_delta') {
        expect(e.data.index, 'a delta for a block that is not the open one').toBe(open);
      } else if (e.event === 'content_block_stop') {
        expect(e.data.index).toBe(open);
        open = undefined;
      }
    }
    expect(open).toBeUndefined();
    expect(seen).toEqual(seen.map((_, i) => i));
  }

  it('keeps every argument of tool calls whose fragments interleave, one block at a time', () => {
    const t = new OpenAiStreamTranslator('m');
    const call = (index: number, fn: Record<string, string>, id?: string) => delta({ tool_calls: [{ index, ...(id ? { id, type: 'function' } : {}), function: fn }] });
    const out = [
      delta({ role: 'assistant', content: '' }),
      call(0, { name: 'Read', arguments: '' }, 'call_a'),
      call(1, { name: 'Bash', arguments: '' }, 'call_b'),
      call(0, { arguments: '{"file_' }),
      call(2, { name: 'Grep', arguments: '{"pattern":' }, 'call_c'),
      call(1, { arguments: '{"command":' }),
      call(0, { arguments: 'path":"/a' }),
      call(2, { arguments: '"x{\\"}\\\\"' }),
      call(1, { arguments: '"ls -l"}' }),
      // Two calls' fragments in one chunk, as some servers send them.
      delta({ tool_calls: [{ index: 2, function: { arguments: ', "path": "/src"}' } }, { index: 0, function: { arguments: '.txt"}' } }] }),
      delta({}, 'tool_calls'),
      'data: [DONE]\n\n',
    ].map((c) => t.push(c)).join('') + t.end();
    const events = parseSse(out);
    expect(toolUses(events)).toEqual([
      { id: 'call_a', name: 'Read', input: { file_path: '/a.txt' } },
      { id: 'call_b', name: 'Bash', input: { command: 'ls -l' } },
      { id: 'call_c', name: 'Grep', input: { pattern: 'x{"}\\', path: '/src' } },
    ]);
    expectOneBlockAtATime(events);
    expect(events.find((e) => e.event === 'message_delta')!.data.delta.stop_reason).toBe('tool_use');
    expect(events.at(-1)!.event).toBe('message_stop');
  });

  it('streams a call live, closes it once its arguments are complete, and holds only what it must', () => {
    const t = new OpenAiStreamTranslator('m');
    const call = (index: number, fn: Record<string, string>, id?: string) => delta({ tool_calls: [{ index, ...(id ? { id, type: 'function' } : {}), function: fn }] });
    // The first call's fragments pass as they come.
    const first = parseSse(t.push(call(0, { name: 'Bash', arguments: '{"command":"ec' }, 'call_a')));
    expect(first.map((e) => e.event)).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    // A second call while the first is incomplete waits; more of the first still passes.
    expect(t.push(call(1, { name: 'Bash', arguments: '{"command":' }, 'call_b'))).toBe('');
    expect(parseSse(t.push(call(0, { arguments: 'ho 1"}' }))).map((e) => `${e.event}:${e.data.index}`)).toEqual([
      // Complete: the first block stops, the held call starts with what it has, and goes on live.
      'content_block_delta:0', 'content_block_stop:0', 'content_block_start:1', 'content_block_delta:1',
    ]);
    expect(parseSse(t.push(call(1, { arguments: '"echo 2"}' }))).map((e) => `${e.event}:${e.data.index}`)).toEqual(['content_block_delta:1', 'content_block_stop:1']);
    // Text after the calls, then the end.
    const rest = parseSse(t.push(delta({ content: 'Both ran.' })) + t.push(delta({}, 'tool_calls')) + t.end());
    expect(rest.map((e) => `${e.event}:${e.data.index ?? ''}`)).toEqual([
      'content_block_start:2', 'content_block_delta:2', 'content_block_stop:2', 'message_delta:', 'message_stop:',
    ]);
  });

  it('holds text that arrives while a call is incomplete, and sends it after that call', () => {
    const t = new OpenAiStreamTranslator('m');
    const out = [
      delta({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Bash', arguments: '{"command":' } }] }),
      delta({ content: 'Running ' }),
      delta({ content: 'it.' }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '"ls"}' } }] }),
      delta({}, 'tool_calls'),
    ].map((c) => t.push(c)).join('') + t.end();
    const events = parseSse(out);
    expectOneBlockAtATime(events);
    expect(toolUses(events)).toEqual([{ id: 'call_a', name: 'Bash', input: { command: 'ls' } }]);
    const text = events.filter((e) => e.event === 'content_block_delta' && e.data.delta.type === 'text_delta').map((e) => e.data.delta.text).join('');
    expect(text).toBe('Running it.');
  });

  it('answers an error event instead of holding more than its bound', () => {
    const t = new OpenAiStreamTranslator('m', { maxHeldBytes: 64 });
    let out = t.push(delta({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Write', arguments: '{"content":"' } }] }));
    out += t.push(delta({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'Write', arguments: '{"content":"' } }] }));
    for (let i = 0; i < 10; i++) out += t.push(delta({ tool_calls: [{ index: 1, function: { arguments: 'x'.repeat(10) } }] }));
    out += t.push(delta({}, 'tool_calls')) + t.end();
    const events = parseSse(out);
    expect(events.at(-1)).toEqual({ event: 'error', data: { type: 'error', error: { type: 'api_error', message: expect.stringContaining('interleaved') } } });
    expect(events.some((e) => e.event === 'message_stop')).toBe(false);
    expect(t.push(delta({ content: 'late' }))).toBe('');
  });

  it('maps length to max_tokens, closes without [DONE] when the finish reason came, and sends nothing after the end', () => {
    const t = new OpenAiStreamTranslator('m');
    t.push(delta({ content: 'x' }));
    t.push(delta({}, 'length'));
    const events = parseSse(t.end());
    expect(events.map((e) => e.event)).toEqual(['message_delta', 'message_stop']);
    expect(events[0]!.data.delta.stop_reason).toBe('max_tokens');
    expect(t.end()).toBe('');
    expect(t.push(delta({ content: 'late' }))).toBe('');
  });

  it('reports a stream cut off before its finish reason, or an error chunk, as an error event', () => {
    const cut = new OpenAiStreamTranslator('m');
    cut.push(delta({ content: 'partial' }));
    const end = parseSse(cut.end());
    expect(end.map((e) => e.event)).toEqual(['error']);
    expect(end[0]!.data.error.type).toBe('api_error');

    const failing = new OpenAiStreamTranslator('m');
    const events = parseSse(failing.push(chunk({ error: { message: 'model overloaded' } })) + failing.end());
    expect(events).toEqual([{ event: 'error', data: { type: 'error', error: { type: 'api_error', message: 'model overloaded' } } }]);
  });

  it('still answers with a whole message when the upstream sends only [DONE]', () => {
    const t = new OpenAiStreamTranslator('asked');
    const events = parseSse(t.push('data: [DONE]\n\n'));
    expect(events.map((e) => e.event)).toEqual(['message_start', 'message_delta', 'message_stop']);
    expect(events[0]!.data.message.model).toBe('asked');
  });

  it('reads the upstream as an event stream: any line ending, an event\'s data over several lines, comments and ids', () => {
    const t = new OpenAiStreamTranslator('asked');
    const first = JSON.stringify({ id: 'c1', model: 'gpt-x', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] }, null, 1);
    let out = t.push(`: keep-alive\r\nid: 1\r\n${first.split('\n').map((l) => `data: ${l}`).join('\r\n')}\r\n\r\n`);
    out += t.push(`data: ${JSON.stringify({ id: 'c1', model: 'gpt-x', choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: 'stop' }] })}\r\r`);
    out += t.push('data: [DONE]');
    out += t.end();
    const events = parseSse(out);
    expect(events.map((e) => e.event)).toEqual([
      'message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop',
    ]);
    expect(events.filter((e) => e.event === 'content_block_delta').map((e) => e.data.delta.text)).toEqual(['Hel', 'lo']);
  });

  it('ends the answer with an error event when an upstream event grows past the bound without ending', () => {
    const t = new OpenAiStreamTranslator('m');
    const before = parseSse(t.push(delta({ role: 'assistant', content: 'ok' })));
    expect(before.map((e) => e.event)).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    const line = `data: {"choices":[{"index":0,"delta":{"content":"${'x'.repeat(1024 * 1024)}`;
    let out = '';
    for (let i = 0; i < 9; i++) out += t.push(line);
    const events = parseSse(out);
    expect(events).toEqual([{ event: 'error', data: { type: 'error', error: { type: 'api_error', message: expect.stringContaining('more than 8388608 characters') } } }]);
    expect(t.push('\n\n') + t.end()).toBe('');
  });
});

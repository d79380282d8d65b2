import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL_ID, startModelSim, type ModelSim } from './index.js';

interface SseEvent { event: string; data: any }

function parseSse(text: string): SseEvent[] {
  return text.split('\n\n').filter((chunk) => chunk.trim()).map((chunk) => {
    const event = /^event: (.+)$/m.exec(chunk)?.[1] ?? '';
    const data = JSON.parse(/^data: (.+)$/m.exec(chunk)?.[1] ?? 'null');
    return { event, data };
  });
}

const claudeTools = [{ name: 'Write', input_schema: {} }, { name: 'Bash', input_schema: {} }, { name: 'Read', input_schema: {} }];

describe('the scripted model server', () => {
  let sim: ModelSim;
  beforeAll(async () => { sim = await startModelSim(); });
  afterAll(async () => { await sim.close(); });

  const post = (path: string, body: unknown) => fetch(`${sim.url}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });

  it('streams the real event sequence for a text answer, with usage in message_start and message_delta', async () => {
    const res = await post('/v1/messages', { model: 'any', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'say hello' }] });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = parseSse(await res.text());
    const names = events.map((e) => e.event).filter((n) => n !== 'ping');
    expect(names[0]).toBe('message_start');
    expect(names[1]).toBe('content_block_start');
    expect(names.slice(2, -4).every((n) => n === 'content_block_delta')).toBe(true);
    expect(names.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    // Every event's data names its own type, as the real API's do.
    for (const e of events) expect(e.data.type).toBe(e.event);
    const start = events[0]!.data.message;
    expect(start.model).toBe(DEMO_MODEL_ID);
    expect(start.usage.input_tokens).toBeGreaterThan(0);
    expect(start.usage).toHaveProperty('cache_read_input_tokens', 0);
    expect(start.usage).toHaveProperty('cache_creation_input_tokens', 0);
    const text = events.filter((e) => e.event === 'content_block_delta').map((e) => e.data.delta.text).join('');
    expect(text).toContain('scripted');
    expect(text).toContain('say hello');
    const delta = events.find((e) => e.event === 'message_delta')!.data;
    expect(delta.delta.stop_reason).toBe('end_turn');
    expect(delta.usage.output_tokens).toBeGreaterThan(0);
  });

  it('answers non-streaming with one message carrying the same text and usage', async () => {
    const res = await post('/v1/messages', { model: 'any', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'text', text: 'say hello' }] }] });
    const body = await res.json() as any;
    expect(body.type).toBe('message');
    expect(body.role).toBe('assistant');
    expect(body.content[0].type).toBe('text');
    expect(body.content[0].text).toContain('demo model');
    expect(body.stop_reason).toBe('end_turn');
    expect(body.usage.output_tokens).toBeGreaterThan(0);
  });

  it('plays "build a page" as tool calls with the tools the client offers, then a final answer', async () => {
    const system = [{ type: 'text', text: 'You are a coding agent. Working directory: /workspace', cache_control: { type: 'ephemeral' } }];
    const prompt = { role: 'user', content: [{ type: 'text', text: 'Build a page that says Hello Finance' }] };
    const first = await post('/v1/messages', { model: 'm', max_tokens: 1000, stream: true, system, tools: claudeTools, messages: [prompt] });
    const events = parseSse(await first.text());
    const starts = events.filter((e) => e.event === 'content_block_start').map((e) => e.data.content_block);
    const tools = starts.filter((b) => b.type === 'tool_use');
    expect(tools.map((t) => t.name)).toEqual(['Write', 'Write']);
    // Tool input arrives as input_json_delta pieces that join into the JSON input.
    const toolIndex = events.find((e) => e.event === 'content_block_start' && e.data.content_block.type === 'tool_use')!.data.index;
    const json = events.filter((e) => e.event === 'content_block_delta' && e.data.index === toolIndex).map((e) => e.data.delta.partial_json).join('');
    const input = JSON.parse(json);
    expect(input.file_path).toBe('/workspace/index.html');
    expect(input.content).toContain('<h1>Hello Finance</h1>');
    expect(events.find((e) => e.event === 'message_delta')!.data.delta.stop_reason).toBe('tool_use');
    // The system prompt is marked for caching, so the usage shows a cache read.
    expect(events[0]!.data.message.usage.cache_read_input_tokens).toBeGreaterThan(0);

    const afterWrites = [prompt,
      { role: 'assistant', content: tools.map((t) => ({ type: 'tool_use', id: t.id, name: t.name, input: {} })) },
      { role: 'user', content: tools.map((t) => ({ type: 'tool_result', tool_use_id: t.id, content: 'ok' })) }];
    const second = await (await post('/v1/messages', { model: 'm', max_tokens: 1000, system, tools: claudeTools, messages: afterWrites })).json() as any;
    expect(second.content[0].name).toBe('Bash');
    expect(second.content[0].input.command).toContain('node serve.mjs');
    expect(second.usage.cache_creation_input_tokens).toBeGreaterThan(0);

    const done = [...afterWrites,
      { role: 'assistant', content: [{ type: 'tool_use', id: second.content[0].id, name: 'Bash', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: second.content[0].id, content: 'serving' }] }];
    const third = await (await post('/v1/messages', { model: 'm', max_tokens: 1000, system, tools: claudeTools, messages: done })).json() as any;
    expect(third.stop_reason).toBe('end_turn');
    expect(third.content[0].text).toContain('Hello Finance');
  });

  it("uses OpenCode's lower-case tools and camelCase paths when those are offered", async () => {
    const res = await post('/v1/messages', {
      model: 'm', max_tokens: 1000, tools: [{ name: 'write' }, { name: 'bash' }],
      messages: [{ role: 'user', content: 'build a page that says Quarterly Numbers' }],
    });
    const body = await res.json() as any;
    const write = body.content.find((b: any) => b.type === 'tool_use');
    expect(write.name).toBe('write');
    expect(write.input.filePath).toBe('/workspace/index.html');
  });

  it('answers in text when the client offers no tools to build with', async () => {
    const body = await (await post('/v1/messages', { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'build a page that says Hi' }] })).json() as any;
    expect(body.content.map((b: any) => b.type)).toEqual(['text']);
  });

  it('counts tokens, lists the demo model, and answers unknown paths with an API-shaped error', async () => {
    const count = await (await post('/v1/messages/count_tokens', { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(400) }] })).json() as any;
    expect(count.input_tokens).toBeGreaterThanOrEqual(100);
    const models = await (await fetch(`${sim.url}/v1/models`)).json() as any;
    expect(models.data[0].id).toBe(DEMO_MODEL_ID);
    expect(models.data[0].display_name).toMatch(/demo/i);
    const missing = await fetch(`${sim.url}/v1/nothing`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error.type).toBe('not_found_error');
    const bad = await post('/v1/messages', { model: 'm' });
    expect(bad.status).toBe(400);
  });
  describe('in its OpenAI-compatible mode (POST /v1/chat/completions)', () => {
    const chunks = (text: string) => text.split('\n\n').filter((c) => c.trim()).map((c) => c.replace(/^data: /, ''));

    it('answers one chat.completion with the scripted text and OpenAI usage', async () => {
      const res = await post('/v1/chat/completions', { model: 'any', messages: [{ role: 'system', content: 'short' }, { role: 'user', content: 'say hello' }] });
      expect(res.status).toBe(200);
      const body = await res.json() as any;
      expect(body.object).toBe('chat.completion');
      expect(body.model).toBe(DEMO_MODEL_ID);
      expect(body.choices[0].message).toMatchObject({ role: 'assistant', content: expect.stringContaining('You said: "say hello"') });
      expect(body.choices[0].finish_reason).toBe('stop');
      expect(body.usage.prompt_tokens).toBeGreaterThan(0);
      expect(body.usage.completion_tokens).toBeGreaterThan(0);
      expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
      // A short system prompt is below OpenAI's caching threshold.
      expect(body.usage.prompt_tokens_details.cached_tokens).toBe(0);
    });

    it('streams chunks, then the usage chunk when asked for, then [DONE]', async () => {
      const res = await post('/v1/chat/completions', {
        model: 'any', stream: true, stream_options: { include_usage: true },
        messages: [{ role: 'system', content: 'x'.repeat(6000) }, { role: 'user', content: 'say hello' }],
      });
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const list = chunks(await res.text());
      expect(list.at(-1)).toBe('[DONE]');
      const parsed = list.slice(0, -1).map((c) => JSON.parse(c));
      for (const c of parsed) expect(c.object).toBe('chat.completion.chunk');
      expect(parsed[0].choices[0].delta.role).toBe('assistant');
      expect(parsed.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toContain('Hello from the Paddock demo model');
      expect(parsed.at(-2).choices[0].finish_reason).toBe('stop');
      const last = parsed.at(-1);
      expect(last.choices).toEqual([]);
      expect(last.usage.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(1024);
      expect(last.usage.prompt_tokens).toBeGreaterThan(last.usage.prompt_tokens_details.cached_tokens);
      // Without include_usage there is no usage chunk.
      const plain = chunks(await (await post('/v1/chat/completions', { stream: true, messages: [{ role: 'user', content: 'hi' }] })).text());
      expect(plain.slice(0, -1).every((c) => !JSON.parse(c).usage)).toBe(true);
    });

    it('plays "build a page" as function calls, reading tool messages to move on', async () => {
      const tools = [{ type: 'function', function: { name: 'Write', parameters: {} } }, { type: 'function', function: { name: 'Bash', parameters: {} } }];
      const prompt = { role: 'user', content: 'Build a page that says Hello Finance' };
      const first = chunks(await (await post('/v1/chat/completions', { stream: true, tools, messages: [prompt] })).text()).slice(0, -1).map((c) => JSON.parse(c));
      const calls = new Map<number, { id: string; name: string; args: string }>();
      for (const c of first) {
        for (const t of c.choices[0]?.delta?.tool_calls ?? []) {
          const call = calls.get(t.index) ?? { id: t.id, name: t.function.name, args: '' };
          call.args += t.function.arguments ?? '';
          calls.set(t.index, call);
        }
      }
      expect([...calls.values()].map((c) => c.name)).toEqual(['Write', 'Write']);
      expect(JSON.parse(calls.get(0)!.args)).toMatchObject({ file_path: '/workspace/index.html' });
      expect(first.at(-1).choices[0].finish_reason).toBe('tool_calls');

      const history = [prompt,
        { role: 'assistant', content: null, tool_calls: [...calls.values()].map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args } })) },
        ...[...calls.values()].map((c) => ({ role: 'tool', tool_call_id: c.id, content: 'ok' }))];
      const second = await (await post('/v1/chat/completions', { tools, messages: history })).json() as any;
      expect(second.choices[0].finish_reason).toBe('tool_calls');
      expect(second.choices[0].message.tool_calls[0].function.name).toBe('Bash');
      expect(JSON.parse(second.choices[0].message.tool_calls[0].function.arguments).command).toContain('node serve.mjs');
    });

    it('plays "run three commands at once" as parallel calls whose argument fragments interleave, then answers', async () => {
      const tools = [{ type: 'function', function: { name: 'bash', parameters: {} } }, { type: 'function', function: { name: 'write', parameters: {} } }];
      const prompt = { role: 'user', content: 'run three commands at once' };
      const list = chunks(await (await post('/v1/chat/completions', { stream: true, tools, messages: [prompt] })).text()).slice(0, -1).map((c) => JSON.parse(c));
      const order = list.flatMap((c) => (c.choices[0]?.delta?.tool_calls ?? []).map((t: any) => t.index));
      // Not one call after another: a call's fragments come after another call's began.
      expect(order.findIndex((i: number) => i === 1)).toBeLessThan(order.lastIndexOf(0));
      expect(order.findIndex((i: number) => i === 2)).toBeLessThan(order.lastIndexOf(1));
      const calls = new Map<number, { id: string; name: string; args: string }>();
      for (const c of list) {
        for (const t of c.choices[0]?.delta?.tool_calls ?? []) {
          const call = calls.get(t.index) ?? { id: t.id, name: t.function.name, args: '' };
          call.args += t.function.arguments ?? '';
          calls.set(t.index, call);
        }
      }
      expect([...calls.values()].map((c) => [c.name, JSON.parse(c.args).command])).toEqual([1, 2, 3].map((n) => ['bash', `cd /workspace && echo "call ${n} of 3" > parallel-${n}.txt`]));
      expect(list.at(-1).choices[0].finish_reason).toBe('tool_calls');

      const history = [prompt,
        { role: 'assistant', content: null, tool_calls: [...calls.values()].map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args } })) },
        ...[...calls.values()].map((c) => ({ role: 'tool', tool_call_id: c.id, content: '' }))];
      const done = await (await post('/v1/chat/completions', { tools, messages: history })).json() as any;
      expect(done.choices[0].finish_reason).toBe('stop');
      expect(done.choices[0].message.content).toContain('Ran three commands at once');
    });

    it('answers a scripted failure and a malformed request with OpenAI errors', async () => {
      const failed = await post('/v1/chat/completions', { messages: [{ role: 'user', content: 'fail with an error' }] });
      expect(failed.status).toBe(400);
      expect(((await failed.json()) as any).error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('fail') });
      expect((await post('/v1/chat/completions', { model: 'm' })).status).toBe(400);
    });
  });

  it('streams a "long answer" as 200 text deltas', async () => {
    const res = await post('/v1/messages', { model: 'm', max_tokens: 10_000, stream: true, messages: [{ role: 'user', content: 'give me a long answer' }] });
    const deltas = parseSse(await res.text()).filter((e) => e.event === 'content_block_delta');
    expect(deltas).toHaveLength(200);
    expect(deltas[0]!.data.delta.text).toBe('Part 001 of the answer. ');
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startModelSim, type ModelSim } from '@paddock/model-sim';
import { LlmGateway, type UsageRecord } from './llmGateway.js';

const REAL_KEY = 'sk-ant-real-provider-key-0123456789';

interface Answer { status: number; headers: IncomingHttpHeaders; body: string; firstByteAt: number; endAt: number }

/** An HTTP call over the workspace's gateway socket, timing the first body byte. */
function call(socketPath: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // A connection of its own: a pooled one could belong to a listener the test has since replaced.
    const req = request({ socketPath, path, agent: false, method: body === undefined ? 'GET' : 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      let firstByteAt = 0;
      res.on('data', (chunk: Buffer) => { firstByteAt ||= Date.now(); text += chunk.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, firstByteAt, endAt: Date.now() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/**
 * Sends one request line exactly as given over the gateway's socket: fetch and
 * node:http would normalise or refuse some of these targets before they left.
 */
function rawCall(socketPath: string, method: string, target: string, headers: Record<string, string>, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const head = [`${method} ${target} HTTP/1.1`, 'host: 127.0.0.1:4141', 'connection: close', `content-length: ${Buffer.byteLength(body)}`,
      'content-type: application/json', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
    let answer = '';
    socket.on('data', (chunk: Buffer) => { answer += chunk.toString('latin1'); });
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      const split = answer.indexOf('\r\n\r\n');
      resolve({ status, body: split < 0 ? '' : answer.slice(split + 4) });
    });
    socket.write(`${head}\r\n\r\n${body}`);
  });
}

/**
 * A listener on host loopback that must receive nothing. It answers like an
 * HTTP server (so a gateway that proxies to it gets an answer instead of
 * hanging) and keeps count of connections and every byte that arrived.
 */
interface Trap { port: number; connections: number; received: string; close(): Promise<void> }
async function startTrap(): Promise<Trap> {
  const server = createTcpServer((socket) => {
    trap.connections += 1;
    socket.on('data', (chunk: Buffer) => {
      trap.received += chunk.toString('latin1');
      if (trap.received.includes('\r\n\r\n')) socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 13\r\nconnection: close\r\n\r\n{"trap":true}');
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const trap: Trap = {
    port: (server.address() as AddressInfo).port, connections: 0, received: '',
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  return trap;
}

/**
 * The model provider mounted under a base path, as https://host/anthropic or an
 * OpenAI-compatible …/v1 is: it records every raw request target, and serves
 * the model sim under its prefix (nothing else).
 */
interface Upstream { url: string; targets: string[]; close(): Promise<void> }
async function startPrefixedUpstream(sim: ModelSim, prefix: string): Promise<Upstream> {
  const targets: string[] = [];
  const server = createServer((req, res) => {
    targets.push(req.url ?? '');
    const url = req.url ?? '';
    if (!url.startsWith(`${prefix}/`)) {
      req.resume();
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"outside":"the prefix"}');
      return;
    }
    const upstreamReq = request(`${sim.url}${url.slice(prefix.length)}`, { method: req.method, headers: req.headers }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    });
    req.pipe(upstreamReq);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, targets,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

describe('the LLM gateway', () => {
  let dir: string;
  let sim: ModelSim;
  let seen: Array<{ path: string; headers: IncomingHttpHeaders; body?: any }>;
  let gateway: LlmGateway;
  let usage: UsageRecord[];
  let slow: Server | undefined;
  const listeners: NetServer[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'llm-gateway-'));
    sim = await startModelSim({ onRequest: (r) => seen.push({ path: r.path, headers: r.headers, body: r.body }) });
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await gateway.closeAll();
    for (const listener of listeners.splice(0)) listener.close();
    slow?.closeAllConnections();
    slow?.close();
    slow = undefined;
  });

  async function openGateway(upstreamBaseUrl: string, key = 'pdk-vk-test-key', upstreamFormat: 'anthropic' | 'openai' = 'anthropic') {
    seen = [];
    usage = [];
    gateway = new LlmGateway();
    gateway.on('usage', (r) => usage.push(r));
    const socket = join(dir, `llm-${Math.random().toString(36).slice(2)}.sock`);
    gateway.serve('ws1', { upstreamBaseUrl, upstreamApiKey: REAL_KEY, model: 'paddock-demo-model', upstreamFormat }, key);
    await exposeFor('ws1', socket);
    return { socket, key };
  }

  /**
   * An upstream that begins a stream at once and ends it only once `released`
   * resolves (never, without it); `called` resolves when the call has reached it.
   */
  async function streamingUpstream(released: Promise<void> = new Promise(() => undefined)) {
    let reached!: () => void;
    const called = new Promise<void>((r) => (reached = r));
    slow = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: ping\ndata: {"type":"ping"}\n\n');
      reached();
      void released.then(() => res.end('event: message_stop\ndata: {"type":"message_stop"}\n\n'));
    });
    await new Promise<void>((r) => slow!.listen(0, '127.0.0.1', () => r()));
    return { url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`, called };
  }

  /** The workspace's end of the gateway, as a runtime exposes it: each connection handed over as that workspace's. */
  async function exposeFor(workspaceId: string, socketPath: string) {
    const listener = createTcpServer((connection) => gateway.accept(workspaceId, connection));
    await new Promise<void>((r) => listener.listen(socketPath, () => r()));
    listeners.push(listener);
  }

  it('refuses a missing or wrong virtual key with 401, without calling upstream', async () => {
    const { socket } = await openGateway(sim.url);
    const request = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
    const missing = await call(socket, '/v1/messages', {}, request);
    const wrong = await call(socket, '/v1/messages', { 'x-api-key': 'pdk-vk-test-kez' }, request);
    const providerKey = await call(socket, '/v1/messages', { 'x-api-key': REAL_KEY }, request);
    for (const answer of [missing, wrong, providerKey]) {
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body).error.type).toBe('authentication_error');
    }
    expect(seen).toHaveLength(0);
    expect(usage).toHaveLength(0);
  });

  it("answers every model call with the route's refusal (a used-up budget) and reaches no model; counting tokens still works; lifted with the next route", async () => {
    const { socket, key } = await openGateway(sim.url);
    const route = { upstreamBaseUrl: sim.url, upstreamApiKey: REAL_KEY, model: 'paddock-demo-model' };
    const refusal = 'Your monthly AI budget of $20 is used up; ask your admin';
    gateway.serve('ws1', { ...route, refusal }, key);
    const body = { model: 'm', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'say hello' }] };
    const refused = await call(socket, '/v1/messages?beta=true', { 'x-api-key': key }, body);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: refusal } });
    expect(seen).toEqual([]);
    expect(usage).toEqual([expect.objectContaining({ workspaceId: 'ws1', refused: true, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 })]);
    expect((await call(socket, '/v1/messages/count_tokens', { 'x-api-key': key }, body)).status).toBe(200);

    gateway.serve('ws1', route, key);
    expect((await call(socket, '/v1/messages', { 'x-api-key': key }, { ...body, stream: false })).status).toBe(200);
    expect(usage.filter((u) => u.refused)).toHaveLength(1);
  });

  it('swaps the virtual key for the provider key (x-api-key or Bearer) and records usage from a JSON answer', async () => {
    const { socket, key } = await openGateway(sim.url);
    const body = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'say hello' }] };
    const a = await call(socket, '/v1/messages', { 'x-api-key': key, 'anthropic-version': '2023-06-01' }, body);
    const b = await call(socket, '/v1/messages', { authorization: `Bearer ${key}` }, body);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(JSON.parse(a.body).content[0].text).toContain('say hello');
    expect(seen).toHaveLength(2);
    for (const s of seen) {
      expect(s.path).toBe('/v1/messages');
      expect(s.headers['x-api-key']).toBe(REAL_KEY);
      expect(s.headers.authorization).toBeUndefined();
      expect(JSON.stringify(s.headers)).not.toContain(key);
    }
    expect(seen[0]!.headers['anthropic-version']).toBe('2023-06-01');
    const expected = JSON.parse(a.body).usage;
    expect(usage).toHaveLength(2);
    expect(usage[0]).toMatchObject({
      workspaceId: 'ws1', model: 'paddock-demo-model',
      inputTokens: expected.input_tokens, outputTokens: expected.output_tokens,
      cacheReadTokens: 0, cacheWriteTokens: 0,
    });
    expect(usage[0]!.inputTokens).toBeGreaterThan(0);
  });

  it('reads usage, cache reads and writes included, from a stream as it passes', async () => {
    const { socket, key } = await openGateway(sim.url);
    const cached = { type: 'text', text: 'system prompt', cache_control: { type: 'ephemeral' } };
    const answer = await call(socket, '/v1/messages', { 'x-api-key': key }, {
      model: 'm', max_tokens: 10, stream: true, system: [cached],
      messages: [{ role: 'user', content: 'first' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'say hello' }],
    });
    expect(answer.headers['content-type']).toMatch(/^text\/event-stream/);
    const start = JSON.parse(/event: message_start\ndata: (.+)/.exec(answer.body)![1]!).message.usage;
    const delta = JSON.parse(/event: message_delta\ndata: (.+)/.exec(answer.body)![1]!).usage;
    expect(start.cache_read_input_tokens).toBeGreaterThan(0);
    expect(start.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(usage).toEqual([expect.objectContaining({
      inputTokens: start.input_tokens, outputTokens: delta.output_tokens,
      cacheReadTokens: start.cache_read_input_tokens, cacheWriteTokens: start.cache_creation_input_tokens,
    })]);
  });

  it('streams unbuffered: the first bytes reach the workspace while the upstream is still answering', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    slow = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { model: 'slow-model', usage: { input_tokens: 7, output_tokens: 1, cache_read_input_tokens: 3, cache_creation_input_tokens: 2 } } })}\n\n`);
      void released.then(() => {
        res.write(`event: message_delta\ndata: ${JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 11 } })}\n\n`);
        res.end('event: message_stop\ndata: {"type":"message_stop"}\n\n');
      });
    });
    await new Promise<void>((r) => slow!.listen(0, '127.0.0.1', () => r()));
    const { socket, key } = await openGateway(`http://127.0.0.1:${(slow.address() as AddressInfo).port}`);
    const holdMs = 2000;
    const started = Date.now();
    setTimeout(release, holdMs);
    const answer = await call(socket, '/v1/messages', { 'x-api-key': key }, { stream: true, messages: [] });
    // The first event arrived long before the upstream let go of the rest.
    expect(answer.firstByteAt - started).toBeLessThan(holdMs / 2);
    expect(answer.endAt - started).toBeGreaterThanOrEqual(holdMs - 20);
    expect(answer.body).toContain('message_stop');
    expect(usage).toEqual([expect.objectContaining({ model: 'slow-model', inputTokens: 7, outputTokens: 11, cacheReadTokens: 3, cacheWriteTokens: 2 })]);
  });

  it('answers 502 in the API error shape when the upstream is down, and routes nothing once closed', async () => {
    const { socket, key } = await openGateway('http://127.0.0.1:1');
    const answer = await call(socket, '/v1/messages', { 'x-api-key': key }, { messages: [] });
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body).error.type).toBe('api_error');
    expect(answer.body).not.toContain(REAL_KEY);
    await gateway.close('ws1');
    const closed = await call(socket, '/v1/messages', { 'x-api-key': key }, { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(closed.status).toBe(503);
    expect(JSON.parse(closed.body).error.type).toBe('api_error');
  });

  it("serves each connection by its own workspace's route and key, and ends a workspace's calls in flight when it closes", async () => {
    const upstream = await streamingUpstream();
    const { socket, key } = await openGateway(upstream.url);
    const other = join(dir, `llm-other-${Math.random().toString(36).slice(2)}.sock`);
    gateway.serve('ws2', { upstreamBaseUrl: sim.url, upstreamApiKey: 'sk-ant-other-key', model: 'paddock-demo-model' }, 'pdk-vk-other-key');
    await exposeFor('ws2', other);
    const hello = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
    // One workspace's key means nothing on the other's connections.
    expect((await call(other, '/v1/messages', { 'x-api-key': key }, hello)).status).toBe(401);
    expect((await call(other, '/v1/messages', { 'x-api-key': 'pdk-vk-other-key' }, hello)).status).toBe(200);
    expect(seen.map((s) => s.headers['x-api-key'])).toEqual(['sk-ant-other-key']);

    const inFlight = call(socket, '/v1/messages', { 'x-api-key': key }, { stream: true, messages: [] });
    await upstream.called;
    await gateway.close('ws1');
    await expect(inFlight).rejects.toThrow();
    // The other workspace is served on.
    expect((await call(other, '/v1/messages', { 'x-api-key': 'pdk-vk-other-key' }, hello)).status).toBe(200);
  });

  it('takes a changed route in place for the next calls, with the same key and without cutting a call in flight; another key replaces the key', async () => {
    let release!: () => void;
    const upstream = await streamingUpstream(new Promise<void>((r) => (release = r)));
    const { socket, key } = await openGateway(upstream.url);
    const inFlight = call(socket, '/v1/messages', { 'x-api-key': key }, { stream: true, messages: [] });
    await upstream.called;
    const rotated = { upstreamBaseUrl: sim.url, upstreamApiKey: 'sk-ant-rotated-key', model: 'paddock-demo-model' };
    gateway.serve('ws1', rotated, key);
    const next = await call(socket, '/v1/messages', { 'x-api-key': key }, { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(next.status).toBe(200);
    expect(seen.map((s) => s.headers['x-api-key'])).toEqual(['sk-ant-rotated-key']);
    release();
    expect((await inFlight).body).toContain('message_stop');

    gateway.serve('ws1', rotated, 'pdk-vk-another-key');
    expect((await call(socket, '/v1/messages', { 'x-api-key': key }, { messages: [] })).status).toBe(401);
    expect((await call(socket, '/v1/messages', { 'x-api-key': 'pdk-vk-another-key' }, { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
  });

  describe('with an OpenAI-compatible upstream', () => {
    const openAi = () => openGateway(`${sim.url}/v1`, 'pdk-vk-test-key', 'openai');
    const events = (body: string) => body.split('\n\n').filter((c) => c.trim()).map((c) => ({
      event: /^event: (.+)$/m.exec(c)?.[1] ?? '', data: JSON.parse(/^data: (.+)$/m.exec(c)?.[1] ?? 'null'),
    }));

    it('posts a Chat Completions request with the provider key as Bearer, and answers JSON in the Messages shape with usage', async () => {
      const { socket, key } = await openAi();
      const answer = await call(socket, '/v1/messages', { 'x-api-key': key, 'anthropic-version': '2023-06-01' }, {
        model: 'claude-whatever', max_tokens: 100, system: 'Be kind.', messages: [{ role: 'user', content: 'say hello' }],
      });
      expect(answer.status).toBe(200);
      const message = JSON.parse(answer.body);
      expect(message).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn', model: 'paddock-demo-model' });
      expect(message.content[0].text).toContain('You said: "say hello"');
      expect(seen).toHaveLength(1);
      expect(seen[0]!.path).toBe('/v1/chat/completions');
      expect(seen[0]!.headers.authorization).toBe(`Bearer ${REAL_KEY}`);
      expect(seen[0]!.headers['x-api-key']).toBeUndefined();
      expect(seen[0]!.headers['anthropic-version']).toBeUndefined();
      expect(JSON.stringify(seen[0]!.headers)).not.toContain(key);
      // OpenAI-shaped, for the route's model.
      expect(seen[0]!.body).toEqual({
        model: 'paddock-demo-model', max_tokens: 100,
        messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'say hello' }],
      });
      expect(usage).toEqual([expect.objectContaining({ workspaceId: 'ws1', model: 'paddock-demo-model', inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens })]);
      expect(usage[0]!.inputTokens).toBeGreaterThan(0);
      expect(usage[0]!.outputTokens).toBeGreaterThan(0);
    });

    it('translates a streamed tool-use turn into Messages events and records usage, cache reads included', async () => {
      const { socket, key } = await openAi();
      const system = `Working directory: /workspace\n${'You are a careful coding agent. '.repeat(200)}`;
      const answer = await call(socket, '/v1/messages', { 'x-api-key': key }, {
        model: 'm', max_tokens: 1000, stream: true, system,
        tools: [{ name: 'Write', input_schema: { type: 'object' } }, { name: 'Bash', input_schema: { type: 'object' } }],
        messages: [{ role: 'user', content: 'Build a page that says Hello Finance' }],
      });
      expect(answer.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(seen[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
      expect(seen[0]!.body.tools[0]).toEqual({ type: 'function', function: { name: 'Write', parameters: { type: 'object' } } });
      const list = events(answer.body);
      expect(list[0]!.event).toBe('message_start');
      expect(list.slice(-2).map((e) => e.event)).toEqual(['message_delta', 'message_stop']);
      const tools = list.filter((e) => e.event === 'content_block_start' && e.data.content_block.type === 'tool_use');
      expect(tools.map((e) => e.data.content_block.name)).toEqual(['Write', 'Write']);
      const input = JSON.parse(list.filter((e) => e.event === 'content_block_delta' && e.data.index === tools[0]!.data.index).map((e) => e.data.delta.partial_json).join(''));
      expect(input).toMatchObject({ file_path: '/workspace/index.html' });
      expect(input.content).toContain('Hello Finance');
      const end = list.find((e) => e.event === 'message_delta')!.data;
      expect(end.delta.stop_reason).toBe('tool_use');
      expect(end.usage.cache_read_input_tokens).toBeGreaterThan(0);
      expect(usage).toEqual([expect.objectContaining({
        inputTokens: end.usage.input_tokens, outputTokens: end.usage.output_tokens, cacheReadTokens: end.usage.cache_read_input_tokens, cacheWriteTokens: 0,
      })]);
      expect(usage[0]!.inputTokens).toBeGreaterThan(0);
    });

    it('keeps every argument of parallel calls whose fragments the upstream interleaves, one block at a time', async () => {
      const { socket, key } = await openAi();
      const answer = await call(socket, '/v1/messages', { 'x-api-key': key }, {
        model: 'm', max_tokens: 1000, stream: true, system: 'Working directory: /workspace/app',
        tools: [{ name: 'Bash', input_schema: { type: 'object' } }, { name: 'Write', input_schema: { type: 'object' } }],
        messages: [{ role: 'user', content: 'Please run three commands at once.' }],
      });
      expect(answer.status).toBe(200);
      const list = events(answer.body);
      // One block open at a time, each stopped before the next starts, every delta for the open one.
      let open: number | undefined;
      for (const e of list) {
        if (e.event === 'content_block_start') { expect(open).toBeUndefined(); open = e.data.index; }
        if (e.event === 'content_block_delta') expect(e.data.index).toBe(open);
        if (e.event === 'content_block_stop') { expect(e.data.index).toBe(open); open = undefined; }
      }
      const calls = list.filter((e) => e.event === 'content_block_start' && e.data.content_block.type === 'tool_use').map((e) => ({
        name: e.data.content_block.name,
        input: JSON.parse(list.filter((d) => d.event === 'content_block_delta' && d.data.index === e.data.index).map((d) => d.data.delta.partial_json).join('')),
      }));
      expect(calls).toEqual([1, 2, 3].map((n) => ({
        name: 'Bash', input: { command: `cd /workspace/app && echo "call ${n} of 3" > parallel-${n}.txt`, description: `Write parallel-${n}.txt` },
      })));
      expect(list.find((e) => e.event === 'message_delta')!.data.delta.stop_reason).toBe('tool_use');
      expect(list.at(-1)!.event).toBe('message_stop');
    });

    it('passes the tool results back as tool messages, so the scripted conversation carries on', async () => {
      const { socket, key } = await openAi();
      const tools = [{ name: 'Write', input_schema: {} }, { name: 'Bash', input_schema: {} }];
      const prompt = { role: 'user', content: 'Build a page that says Hi' };
      const first = JSON.parse((await call(socket, '/v1/messages', { 'x-api-key': key }, { model: 'm', max_tokens: 1000, tools, messages: [prompt] })).body);
      const calls = first.content.filter((b: any) => b.type === 'tool_use');
      expect(calls).toHaveLength(2);
      const second = JSON.parse((await call(socket, '/v1/messages', { 'x-api-key': key }, {
        model: 'm', max_tokens: 1000, tools,
        messages: [prompt, { role: 'assistant', content: first.content }, { role: 'user', content: calls.map((c: any) => ({ type: 'tool_result', tool_use_id: c.id, content: 'ok' })) }],
      })).body);
      expect(seen[1]!.body.messages.filter((m: any) => m.role === 'tool').map((m: any) => m.tool_call_id)).toEqual(calls.map((c: any) => c.id));
      expect(second.content[0]).toMatchObject({ type: 'tool_use', name: 'Bash' });
      expect(second.stop_reason).toBe('tool_use');
    });

    it("streams unbuffered: a translated event reaches the workspace while the upstream is still answering", async () => {
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      slow = createServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ id: 'c1', model: 'slow-gpt', choices: [{ index: 0, delta: { role: 'assistant', content: 'first' }, finish_reason: null }] })}\n\n`);
        void released.then(() => {
          res.write(`data: ${JSON.stringify({ id: 'c1', model: 'slow-gpt', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
          res.write(`data: ${JSON.stringify({ id: 'c1', model: 'slow-gpt', choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 5 } } })}\n\n`);
          res.end('data: [DONE]\n\n');
        });
      });
      await new Promise<void>((r) => slow!.listen(0, '127.0.0.1', () => r()));
      const { socket, key } = await openGateway(`http://127.0.0.1:${(slow.address() as AddressInfo).port}/v1`, 'pdk-vk-test-key', 'openai');
      const holdMs = 2000;
      const started = Date.now();
      setTimeout(release, holdMs);
      const answer = await call(socket, '/v1/messages', { 'x-api-key': key }, { stream: true, messages: [{ role: 'user', content: 'hi' }] });
      expect(answer.firstByteAt - started).toBeLessThan(holdMs / 2);
      expect(answer.endAt - started).toBeGreaterThanOrEqual(holdMs - 20);
      expect(answer.body.indexOf('"text":"first"')).toBeGreaterThan(0);
      expect(answer.body).toContain('message_stop');
      expect(usage).toEqual([expect.objectContaining({ model: 'slow-gpt', inputTokens: 4, outputTokens: 4, cacheReadTokens: 5, cacheWriteTokens: 0 })]);
    });

    it("answers the upstream's errors, an unreachable upstream and unsupported paths in the Messages error shape", async () => {
      const { socket, key } = await openAi();
      const failed = await call(socket, '/v1/messages', { 'x-api-key': key }, { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'fail with an error' }] });
      expect(failed.status).toBe(400);
      expect(JSON.parse(failed.body)).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('asked to fail') } });
      const counting = await call(socket, '/v1/messages/count_tokens', { 'x-api-key': key }, { messages: [] });
      expect(counting.status).toBe(404);
      expect(JSON.parse(counting.body).error.type).toBe('not_found_error');
      const notJson = await call(socket, '/v1/messages', { 'x-api-key': key }, 'not json' as unknown);
      expect(notJson.status).toBe(400);
      expect(usage).toHaveLength(0);
      await gateway.closeAll();
      const down = await openGateway('http://127.0.0.1:1/v1', 'pdk-vk-test-key', 'openai');
      const unreachable = await call(down.socket, '/v1/messages', { 'x-api-key': down.key }, { messages: [] });
      expect(unreachable.status).toBe(502);
      expect(unreachable.body).not.toContain(REAL_KEY);
    });
  });

  describe('where a request may go', () => {
    let trap: Trap;
    let upstream: Upstream;
    const prefix = '/provider';
    beforeAll(async () => {
      trap = await startTrap();
      upstream = await startPrefixedUpstream(sim, prefix);
    });
    afterAll(async () => {
      await trap.close();
      await upstream.close();
    });
    afterEach(() => {
      trap.connections = 0;
      trap.received = '';
      upstream.targets.length = 0;
    });

    // Each aims the gateway at the trap on host loopback, outside the route's base path, or at an API the tools don't need.
    const escapes = (port: number): Array<[string, string, string]> => [
      ['a protocol-relative target', 'GET', `//127.0.0.1:${port}/x`],
      ['a protocol-relative target to an allowed path', 'POST', `//127.0.0.1:${port}/v1/messages`],
      ['the absolute form', 'POST', `http://127.0.0.1:${port}/v1/messages`],
      ['the absolute form with userinfo', 'POST', `http://${REAL_KEY}@127.0.0.1:${port}/v1/messages`],
      ['userinfo after //', 'POST', `//user:pass@127.0.0.1:${port}/v1/messages`],
      ['an @ in the first segment', 'POST', `/@127.0.0.1:${port}/v1/messages`],
      ['encoded slashes', 'POST', `/%2F%2F127.0.0.1:${port}/v1/messages`],
      ['encoded slashes after an allowed path', 'POST', `/v1/messages/%2F%2F127.0.0.1:${port}`],
      ['dot segments to another host', 'POST', `/v1/../../..//127.0.0.1:${port}/v1/messages`],
      ['dot segments out of the base path', 'POST', '/../v1/messages'],
      ['dot segments to an allowed path', 'POST', '/v1/models/../messages'],
      ['encoded dot segments', 'POST', '/v1/%2e%2e/%2E%2E/v1/messages'],
      ['half-encoded dot segments', 'POST', '/.%2e/v1/messages'],
      ['a backslash', 'POST', `/\\127.0.0.1:${port}/v1/messages`],
      ['a backslash inside the path', 'POST', '/v1\\..\\..\\v1/messages'],
      ['the asterisk form', 'OPTIONS', '*'],
      ['a fragment', 'POST', '/v1/messages#x'],
      ['a model id with a slash', 'GET', `/v1/models/..%2F..%2F127.0.0.1:${port}`],
      ['the wrong method', 'GET', '/v1/messages'],
      ['an API the tools do not need', 'POST', '/v1/messages/batches'],
      ['the legacy completions API', 'POST', '/v1/complete'],
      ['the files API', 'GET', '/v1/files'],
      ['the root', 'GET', '/'],
    ];
    const message = JSON.stringify({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'say hello' }] });

    for (const format of ['anthropic', 'openai'] as const) {
      for (const basePath of format === 'anthropic' ? ['', prefix] : [`${prefix}/v1`]) {
        it(`refuses every target but the API paths with 404, and nothing reaches the trap or the provider (${format}, base path '${basePath}')`, async () => {
          const { socket, key } = await openGateway(`${upstream.url}${basePath}`, 'pdk-vk-test-key', format);
          for (const [what, method, target] of escapes(trap.port)) {
            const answer = await rawCall(socket, method, target, { 'x-api-key': key }, method === 'POST' ? message : '');
            expect(answer.status, `${what}: ${method} ${target}`).toBe(404);
            expect(JSON.parse(answer.body), what).toEqual({ type: 'error', error: { type: 'not_found_error', message: expect.any(String) } });
          }
          expect(trap.connections).toBe(0);
          expect(trap.received).toBe('');
          expect(upstream.targets).toEqual([]);
          expect(seen).toEqual([]);
          expect(usage).toEqual([]);
        });
      }
    }

    it('refuses CONNECT and a target Node cannot parse in the API error shape, and never dials', async () => {
      const { socket, key } = await openGateway(upstream.url);
      const connectAnswer = await rawCall(socket, 'CONNECT', `127.0.0.1:${trap.port}`, { 'x-api-key': key });
      expect(connectAnswer.status).toBe(404);
      expect(JSON.parse(connectAnswer.body).error.type).toBe('not_found_error');
      const garbled = await rawCall(socket, 'POST', `@127.0.0.1:${trap.port}/v1/messages`, { 'x-api-key': key }, message);
      expect(garbled.status).toBe(400);
      expect(JSON.parse(garbled.body).error.type).toBe('invalid_request_error');
      expect(trap.connections).toBe(0);
      expect(upstream.targets).toEqual([]);
    });

    it("forwards Claude Code's and OpenCode's API paths under the route's base path, query strings included, and meters only Messages", async () => {
      const { socket, key } = await openGateway(`${upstream.url}${prefix}/`);
      const headers = { 'x-api-key': key };
      const claudeMessage = await rawCall(socket, 'POST', '/v1/messages?beta=true', headers, message);
      const openCodeMessage = await rawCall(socket, 'POST', '/v1/messages', headers, message);
      const counted = await rawCall(socket, 'POST', '/v1/messages/count_tokens?beta=true', headers, message);
      const models = await rawCall(socket, 'GET', '/v1/models?limit=100', headers);
      const model = await rawCall(socket, 'GET', '/v1/models/paddock-demo-model', headers);
      expect([claudeMessage, openCodeMessage, counted, models, model].map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      expect(JSON.parse(claudeMessage.body).content[0].text).toContain('say hello');
      expect(JSON.parse(counted.body).input_tokens).toBeGreaterThan(0);
      expect(JSON.parse(models.body).data[0].id).toBe('paddock-demo-model');
      expect(JSON.parse(model.body).id).toBe('paddock-demo-model');
      expect(upstream.targets).toEqual([
        `${prefix}/v1/messages?beta=true`, `${prefix}/v1/messages`, `${prefix}/v1/messages/count_tokens?beta=true`,
        `${prefix}/v1/models?limit=100`, `${prefix}/v1/models/paddock-demo-model`,
      ]);
      for (const s of seen) expect(s.headers['x-api-key']).toBe(REAL_KEY);
      expect(usage).toHaveLength(2);
      expect(trap.connections).toBe(0);
    });

    it("sends a translated call to <base>/chat/completions whatever query the tool adds", async () => {
      const { socket, key } = await openGateway(`${upstream.url}${prefix}/v1`, 'pdk-vk-test-key', 'openai');
      const answer = await rawCall(socket, 'POST', '/v1/messages?beta=true', { 'x-api-key': key }, message);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).content[0].text).toContain('say hello');
      expect(upstream.targets).toEqual([`${prefix}/v1/chat/completions`]);
      expect(usage).toHaveLength(1);
    });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startLlmForwarder, type LlmForwarder } from './llmForwarder.js';

describe('the model forwarder in the workspace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llm-forwarder-'));
  let forwarder: LlmForwarder | undefined;
  let gateway: Server | undefined;
  afterEach(async () => {
    await forwarder?.close();
    gateway?.close();
    forwarder = gateway = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const post = (port: number) => fetch(`http://127.0.0.1:${port}/v1/messages`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'pdk-vk-k', connection: 'close' }, body: '{"messages":[]}',
  });

  it("answers 503 in the API's error shape while the gateway is away (an agent restarting), so the tools retry", async () => {
    const socketPath = join(dir, 'away.sock');
    forwarder = await startLlmForwarder({ port: 0, socketPath });
    const away = await post(forwarder.port);
    expect(away.status).toBe(503);
    expect(await away.json()).toEqual({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('not reachable') } });

    // Back: the same forwarder relays to it, bytes untouched.
    gateway = createServer((req, res) => { req.resume(); res.end(JSON.stringify({ url: req.url, key: req.headers['x-api-key'] })); });
    await new Promise<void>((r) => gateway!.listen(socketPath, () => r()));
    const back = await post(forwarder.port);
    expect(back.status).toBe(200);
    expect(await back.json()).toEqual({ url: '/v1/messages', key: 'pdk-vk-k' });
  });

  it('keeps serving after a client that leaves before the gateway answered', async () => {
    forwarder = await startLlmForwarder({ port: 0, socketPath: join(dir, 'none.sock') });
    const { port } = forwarder;
    await new Promise<void>((resolve) => { const c = connect(port, '127.0.0.1', () => { c.destroy(); resolve(); }); });
    expect((await post(port)).status).toBe(503);
  });
});

import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { registerRequestIds, requestIdFor } from './requestId.js';

describe('request ids', () => {
  it('reach lines the services write after the body was read, across awaits', async () => {
    let text = '';
    const log = createLogger('info', new Writable({ write(chunk, _enc, cb) { text += chunk; cb(); } }));
    const app = Fastify({ loggerInstance: log as FastifyBaseLogger, genReqId: requestIdFor });
    registerRequestIds(app);
    // A service logs through the root logger, not req.log, after an await and a body large enough to arrive in pieces.
    app.post('/x', async () => { await new Promise((r) => setTimeout(r, 5)); log.info('from a service'); return { ok: true }; });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const port = (app.server.address() as { port: number }).port;
      const res = await fetch(`http://127.0.0.1:${port}/x`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'client-42' }, body: JSON.stringify({ a: 'x'.repeat(200_000) }),
      });
      expect(res.headers.get('x-request-id')).toBe('client-42');
      // Two requests at once keep their own ids.
      const [a, b] = await Promise.all(['one', 'two'].map((id) => fetch(`http://127.0.0.1:${port}/x`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body: '{}' })));
      expect([a!.headers.get('x-request-id'), b!.headers.get('x-request-id')]).toEqual(['one', 'two']);
    } finally {
      await app.close();
    }
    const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; reqId?: string });
    expect(lines.filter((l) => l.msg === 'from a service').map((l) => l.reqId).sort()).toEqual(['client-42', 'one', 'two']);
    // Fastify's own lines carry it once, not twice.
    expect(text).not.toMatch(/"reqId":"[^"]*".*"reqId"/);
  });
});

import { once } from 'node:events';
import { createServer, request, type Server as HttpServer } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameDuplex } from './frameDuplex.js';
import { loadTunnelProto } from './tunnel.js';
import type { TunnelClient } from './generated/paddock/tunnel/v1/Tunnel.js';

/**
 * FrameDuplex over a real gRPC Dial call on loopback (the tunnel's own service definition):
 * its idle timeout behaves as a socket's, so Node's HTTP client timeouts work over the tunnel.
 */
describe('FrameDuplex timeouts', () => {
  let server: grpc.Server;
  let client: TunnelClient;
  /** What the portal side does with each dialed call; set by each test. */
  let onDial: (stream: FrameDuplex) => void = () => {};

  beforeAll(async () => {
    const proto = loadTunnelProto();
    server = new grpc.Server();
    server.addService(proto.paddock.tunnel.v1.Tunnel.service, {
      Dial: (call: grpc.ServerDuplexStream<never, never>) => onDial(new FrameDuplex(call as never)),
    } as never);
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
    });
    client = new proto.paddock.tunnel.v1.Tunnel(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    server?.forceShutdown();
  });

  /** A dialed pair: the agent's end (the gRPC client) and the portal's (the server), as the tunnel makes them. */
  async function pair(): Promise<{ near: FrameDuplex; far: FrameDuplex }> {
    const far = new Promise<FrameDuplex>((resolve) => { onDial = resolve; });
    const near = new FrameDuplex(client.Dial());
    near.write('hello'); // the server sees the call once something is sent
    const farEnd = await far;
    await once(farEnd, 'data');
    return { near, far: farEnd };
  }

  it('emits timeout after that long without a byte, and stays open', async () => {
    const { near, far } = await pair();
    let fired = 0;
    near.setTimeout(200, () => fired++);
    expect(near.timeout).toBe(200);
    await once(near, 'timeout');
    expect(fired).toBe(1);
    expect(near.destroyed).toBe(false);
    // Still a working stream: the timeout only tells.
    far.write('still here');
    const [chunk] = await once(near, 'data') as [Buffer];
    expect(chunk.toString()).toBe('still here');
    near.destroy();
  });

  it('starts the silence over with every byte read', async () => {
    const { near, far } = await pair();
    const idleMs = 3_000;
    near.setTimeout(idleMs);
    const started = performance.now();
    setTimeout(() => far.write('tick'), 100);
    await once(near, 'data');
    const seen = performance.now();
    await once(near, 'timeout');
    // Load only delays the timer: without the restart it would fire 100 ms or more sooner than this.
    expect(performance.now() - seen).toBeGreaterThanOrEqual(idleMs - 50);
    expect(seen - started).toBeLessThan(idleMs);
    near.destroy();
  });

  it('turns off with 0, and forgets the callback it is given', async () => {
    const { near } = await pair();
    let fired = 0;
    const callback = () => fired++;
    near.setTimeout(100, callback);
    near.setTimeout(0, callback);
    expect(near.timeout).toBe(0);
    expect(near.listenerCount('timeout')).toBe(0);
    await new Promise((r) => setTimeout(r, 400));
    expect(fired).toBe(0);
    near.destroy();
  });

  it('makes Node\'s HTTP client time out a request the server never answers', async () => {
    const http: HttpServer = createServer(() => { /* accepts the request, never answers */ });
    onDial = (stream) => http.emit('connection', stream);
    const near = new FrameDuplex(client.Dial());
    const req = request({ path: '/', headers: { host: 'workspace' }, createConnection: () => near as never });
    req.on('error', () => {});
    req.setTimeout(300);
    req.end();
    await once(req, 'timeout');
    req.destroy();
    await once(near, 'close');
    http.close();
  });
});

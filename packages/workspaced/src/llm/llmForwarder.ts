import { createConnection, createServer, type Server } from 'node:net';

export interface LlmForwarder {
  port: number;
  close(): Promise<void>;
}

// What the tools read while the gateway is away (an agent restarting): a 5xx in the Messages API's error shape, which they retry.
const unavailableBody = JSON.stringify({
  type: 'error',
  error: { type: 'api_error', message: 'the model gateway is not reachable right now (the runtime agent may be restarting); try again shortly' },
});
const unavailable = `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(unavailableBody)}\r\nretry-after: 2\r\nconnection: close\r\n\r\n${unavailableBody}`;

/**
 * Listens on 127.0.0.1:<port> inside the workspace and relays each connection
 * to the agent's LLM gateway socket, so CLIs can use an ordinary
 * ANTHROPIC_BASE_URL. Bytes pass through untouched, in both directions, with
 * backpressure (pipe). It checks nothing: it runs inside the sandbox, where
 * anyone can bypass it; the gateway checks the key and where a call may go.
 */
export async function startLlmForwarder(options: { port: number; socketPath: string }): Promise<LlmForwarder> {
  return startSocketForwarder({ ...options, unavailable });
}

/**
 * The same for any of the agent's bridges: 127.0.0.1:<port> here, relayed to the
 * bridge's socket, answering `unavailable` (a whole HTTP response) while the
 * agent's side is away.
 */
export async function startSocketForwarder(options: { port: number; socketPath: string; unavailable: string }): Promise<LlmForwarder> {
  const { unavailable } = options;
  const server: Server = createServer((client) => {
    const gateway = createConnection(options.socketPath);
    // Without it Nagle holds each event behind the client's delayed ACK: ~40 ms on the first one (docs/performance.md §5).
    client.setNoDelay(true);
    let reached = false;
    gateway.once('connect', () => { reached = true; });
    const teardown = () => { client.destroy(); gateway.destroy(); };
    client.on('error', teardown);
    gateway.on('error', () => {
      // Nothing was relayed yet, so the client still waits for a first answer: say why instead of a reset.
      if (!reached && client.writable) {
        client.unpipe(gateway);
        client.resume();
        client.end(unavailable);
      } else {
        teardown();
      }
    });
    client.pipe(gateway);
    gateway.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

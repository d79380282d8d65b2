import { createConnection, createServer, type Server } from 'node:net';

export interface LlmForwarder {
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:<port> inside the workspace and relays each connection
 * to the agent's LLM gateway socket, so CLIs can use an ordinary
 * ANTHROPIC_BASE_URL. Bytes pass through untouched, in both directions, with
 * backpressure (pipe); the gateway checks the workspace's key.
 */
export async function startLlmForwarder(options: { port: number; socketPath: string }): Promise<LlmForwarder> {
  const server: Server = createServer((client) => {
    const gateway = createConnection(options.socketPath);
    // Without it Nagle holds each event behind the client's delayed ACK: ~40 ms on the first one (docs/performance.md §5).
    client.setNoDelay(true);
    const teardown = () => { client.destroy(); gateway.destroy(); };
    client.on('error', teardown);
    gateway.on('error', teardown);
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

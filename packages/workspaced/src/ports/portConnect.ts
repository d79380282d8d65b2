import type { IncomingMessage } from 'node:http';
import { createConnection } from 'node:net';
import type { Duplex } from 'node:stream';
import { parseDaemonConnectTarget, type DialableService } from '@paddock/protocol';

/** Ports a preview may reach: unprivileged ones, minus the workspace's own services. */
export function isPreviewablePort(port: number, reserved: ReadonlySet<number>): boolean {
  return Number.isInteger(port) && port >= 1024 && port <= 65535 && !reserved.has(port);
}

/**
 * `CONNECT 127.0.0.1:<port>` or `CONNECT opencode:4096` on the daemon's socket
 * (see @paddock/protocol's daemon.ts): answers 200 once the port accepts, then
 * the connection is a raw TCP stream to that port inside the workspace. Bytes
 * pass untouched both ways with backpressure (pipe). Only loopback is a target:
 * the workspace has no other network. A port dial never reaches a service port
 * (`reserved`); a service is reached only by its name, at the port `services` says.
 */
export function handlePortConnect(
  req: IncomingMessage, client: Duplex, head: Buffer,
  reserved: ReadonlySet<number>, services: Readonly<Record<DialableService, number>>,
): void {
  const target = parseDaemonConnectTarget(req.url ?? '');
  if (!target) return refuse(client, 403, 'only 127.0.0.1:<1024-65535> or a workspace service by name can be reached');
  if ('port' in target && reserved.has(target.port)) {
    return refuse(client, 403, `port ${target.port} is the workspace's own service: it is never reachable as a port`);
  }
  if ('port' in target && !isPreviewablePort(target.port, reserved)) return refuse(client, 403, 'only ports 1024-65535 can be reached');
  const port = 'port' in target ? target.port : services[target.service];
  const upstream = createConnection({ host: '127.0.0.1', port });
  const teardown = () => { client.destroy(); upstream.destroy(); };
  let connected = false;
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    if (!connected) return refuse(client, 502, `nothing accepts connections on port ${port} (${err.code ?? err.message})`);
    teardown();
  });
  client.on('error', teardown);
  client.once('close', () => upstream.destroy());
  upstream.once('connect', () => {
    connected = true;
    upstream.setNoDelay(true);
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    client.pipe(upstream);
    upstream.pipe(client);
  });
}

function refuse(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: { code: status === 403 ? 'port_not_allowed' : 'port_unreachable', message } });
  socket.end(`HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Bad Gateway'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

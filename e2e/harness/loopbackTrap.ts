import net from 'node:net';

/**
 * A listener on host loopback that must receive nothing: it counts
 * connections and keeps every byte that arrived. It answers like an HTTP
 * server, so a proxy that wrongly dials it gets an answer instead of hanging.
 */
export class LoopbackTrap {
  connections = 0;
  received = '';
  port = 0;
  private server: net.Server | undefined;

  static async start(): Promise<LoopbackTrap> {
    const trap = new LoopbackTrap();
    trap.server = net.createServer((socket) => {
      trap.connections += 1;
      socket.on('data', (chunk: Buffer) => {
        trap.received += chunk.toString('latin1');
        if (trap.received.includes('\r\n\r\n')) socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 13\r\nconnection: close\r\n\r\n{"trap":true}');
      });
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => trap.server!.listen(0, '127.0.0.1', resolve));
    trap.port = (trap.server.address() as net.AddressInfo).port;
    return trap;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

import type { Socket } from 'node:net';
import { daemonConnectTarget, type DaemonConnectTarget } from '@paddock/protocol';

const maxHeadBytes = 16 * 1024;

/**
 * Asks a workspace daemon, over a fresh connection to it, for a raw TCP stream
 * to a port or a service inside the workspace (`CONNECT`, see @paddock/protocol's
 * daemon.ts). Resolves with the same socket once the daemon answers 200; any
 * bytes that arrived after the answer are put back for the caller to read.
 */
export function daemonPortConnect(socket: Socket, to: DaemonConnectTarget): Promise<Socket> {
  const target = daemonConnectTarget(to);
  const what = 'port' in to ? `port ${to.port}` : to.service;
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const fail = (err: Error) => { cleanup(); socket.destroy(); reject(err); };
    const onError = (err: Error) => fail(err);
    const onClose = () => fail(new Error(`the workspace daemon closed the connection before answering CONNECT to ${what}`));
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) {
        if (buffered.length > maxHeadBytes) fail(new Error('the workspace daemon sent an oversized answer'));
        return;
      }
      const head = buffered.subarray(0, end).toString('latin1');
      const rest = buffered.subarray(end + 4);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]);
      if (status !== 200) {
        const message = /"message":"([^"]*)"/.exec(rest.toString('utf8'))?.[1] ?? `HTTP ${status || '?'}`;
        return fail(new Error(`${what}: ${message}`));
      }
      cleanup();
      socket.pause();
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  });
}

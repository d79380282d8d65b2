import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import type { AcceptConnection } from '../driver.js';

interface Listener {
  path: string;
  server: Server;
  /** Replaced when the socket is exposed again: connections already taken stay where they went. */
  accept: AcceptConnection;
  connections: Set<Socket>;
}

/**
 * The agent-side listeners the local runtime exposes in its sandboxes: a Unix
 * socket each, in a directory bound read-only into one sandbox, so that
 * sandbox and no other can connect and none can replace it.
 */
export class UnixListeners {
  private readonly listeners = new Map<string, Listener>();

  /** Listens at `path` under `key`, or keeps the listener already there (with `accept` for what comes next). */
  async listen(key: string, path: string, accept: AcceptConnection): Promise<void> {
    const current = this.listeners.get(key);
    if (current && current.path === path && current.server.listening && isSocket(path)) {
      current.accept = accept;
      return;
    }
    await this.close(key);
    // Whatever is at the path goes (a socket of an earlier agent); a directory there is an error, not something to remove.
    rmSync(path, { force: true });
    const listener: Listener = { path, accept, connections: new Set(), server: createServer((socket) => {
      listener.connections.add(socket);
      socket.once('close', () => listener.connections.delete(socket));
      // The bridge handles its connections' errors; one it doesn't must not end the agent.
      socket.on('error', () => socket.destroy());
      listener.accept(socket);
    }) };
    // Made under a name of its own (no longer than the real one, for sun_path's 108 bytes), given its mode, then
    // renamed into place: the socket never stands at its path with the mode the umask gave it.
    const made = join(dirname(path), `.${randomBytes(3).toString('hex')}`);
    await new Promise<void>((resolve, reject) => {
      listener.server.once('error', reject);
      listener.server.listen(made, () => {
        listener.server.off('error', reject);
        resolve();
      });
    });
    try {
      // Connectable by any uid of the sandbox: the directory it sits in is what confines it to one workspace.
      chmodSync(made, 0o666);
      renameSync(made, path);
    } catch (err) {
      listener.server.close();
      rmSync(made, { force: true });
      throw err;
    }
    this.listeners.set(key, listener);
  }

  /** Stops listening under `key`, ends the connections it took and removes its socket. */
  async close(key: string): Promise<void> {
    const listener = this.listeners.get(key);
    if (!listener) return;
    this.listeners.delete(key);
    for (const socket of listener.connections) socket.destroy();
    await new Promise<void>((resolve) => listener.server.close(() => resolve()));
    rmSync(listener.path, { force: true });
  }

  async closeWhere(matches: (key: string) => boolean): Promise<void> {
    await Promise.all([...this.listeners.keys()].filter(matches).map((key) => this.close(key)));
  }
}

function isSocket(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}

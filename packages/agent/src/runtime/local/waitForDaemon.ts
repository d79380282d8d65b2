import { request } from 'node:http';
import { pinSocketFile } from './socketFile.js';
import type { Deadline } from '../../clock.js';

/** Polls GET /v1/healthz on the daemon's socket until it answers 200 or `deadline` passes. */
export async function waitForDaemon(socketPath: string, deadline: Deadline, isAborted: () => string | undefined): Promise<void> {
  for (let delay = 5; ; delay = Math.min(delay * 2, 50)) {
    if (await healthy(socketPath)) return;
    const aborted = isAborted();
    if (aborted) throw new Error(aborted);
    if (deadline.passed()) throw new Error('the workspace daemon did not answer in time');
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function healthy(socketPath: string): Promise<boolean> {
  // Pinned like every connect to a daemon socket (see socketFile.ts): the sandbox is already running.
  const pinned = pinSocketFile(socketPath);
  if (!pinned) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    // A connection of its own: a pooled one is keyed by the /proc/self/fd/<n> name, and
    // that number, reused, may hold a connection to another workspace's daemon.
    const req = request({ socketPath: pinned.path, agent: false, path: '/v1/healthz', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  }).finally(() => pinned.close());
}

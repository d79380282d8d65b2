import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, createWriteStream, type WriteStream } from 'node:fs';
import { delimiter, join } from 'node:path';
import { WORKSPACE_SERVICES } from '@paddock/protocol';

/** Where OpenCode's HTTP API listens inside every workspace; the portal's AI chat dials it by name. */
export const OPENCODE_SERVER_PORT = WORKSPACE_SERVICES.opencode.port;

export interface OpenCodeServerOptions {
  workspaceDir: string;
  /** Default: the daemon's own minus PADDOCK_DAEMON_*, as PTY sessions get, so it reaches the model the same way. */
  env?: Record<string, string>;
  port?: number;
  logFile?: string;
  /** First restart delay; doubles per quick crash up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export interface OpenCodeServer {
  stop(): void;
}

/** A run this long counts as healthy: the next crash restarts quickly again. */
const HEALTHY_RUN_MS = 60_000;

/**
 * Supervises `opencode serve` on loopback: restarted when it exits, with
 * backoff so a broken install never spins. Started only when the workspace has
 * a model route (OPENCODE_CONFIG_CONTENT) and the CLI is on PATH; otherwise the
 * chat has nothing to talk to and the process would only cost memory.
 */
export function startOpenCodeServer(options: OpenCodeServerOptions): OpenCodeServer | undefined {
  const env = options.env ?? sessionEnv();
  const binary = findOnPath('opencode', env.PATH ?? '');
  if (!binary || !env.OPENCODE_CONFIG_CONTENT) return undefined;
  const port = options.port ?? OPENCODE_SERVER_PORT;
  const base = options.backoffMs ?? 1_000;
  const max = options.maxBackoffMs ?? 30_000;
  const log: WriteStream = createWriteStream(options.logFile ?? '/tmp/opencode-server.log', { flags: 'a' });
  log.on('error', () => undefined);
  let child: ChildProcess | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let backoff = base;

  const launch = () => {
    timer = undefined;
    if (stopped) return;
    const startedAt = Date.now();
    child = spawn(binary, ['serve', '--hostname', '127.0.0.1', '--port', String(port)], {
      cwd: options.workspaceDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('error', (err) => log.write(`workspaced: opencode serve failed to start: ${err.message}\n`));
    child.once('close', (code, signal) => {
      child = undefined;
      if (stopped) return;
      backoff = Date.now() - startedAt > HEALTHY_RUN_MS ? base : Math.min(backoff * 2, max);
      log.write(`workspaced: opencode serve exited (${signal ?? code}); restarting in ${backoff} ms\n`);
      timer = setTimeout(launch, backoff);
    });
  };
  launch();

  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      child?.kill('SIGTERM');
      log.end();
    },
  };
}

function sessionEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('PADDOCK_DAEMON_')) env[key] = value;
  }
  return env;
}

function findOnPath(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { chmodSync, rmSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import {
  RESERVED_PORTS, WORKSPACE_SERVICES, attachOptionsSchema, createSessionRequestSchema, sessionNameSchema, terminalSizeSchema, type DaemonBoot, type WorkspaceService,
} from '@paddock/protocol';
import { applyBoot } from './boot/applyBoot.js';
import { readJsonBody } from './http/readJsonBody.js';
import { SessionLimitError, SessionRegistry } from './pty/sessionRegistry.js';
import { defaultFlowControl, type FlowControlOptions } from './pty/ptySession.js';
import { defaultShell } from './defaultShell.js';
import { sendError, sendJson } from './http/sendJson.js';
import { rejectUpgrade } from './http/rejectUpgrade.js';
import { listeningPorts } from './ports/listeningPorts.js';
import { handlePortConnect, isPreviewablePort } from './ports/portConnect.js';
import { createFilesApi } from './files/filesApi.js';

export interface DaemonOptions {
  socketPath: string;
  workspaceDir: string;
  scrollbackBytes?: number;
  shell?: { file: string; args: string[] };
  env?: Record<string, string>;
  flow?: Partial<FlowControlOptions>;
  /**
   * Where the workspace's own services listen (default: WORKSPACE_SERVICES' ports). Their ports,
   * and the defaults, are never listed nor reachable by a port CONNECT; OpenCode is reached by name.
   */
  servicePorts?: Partial<Record<WorkspaceService, number>>;
  /** What the blueprint sets up at start (AGENTS.md, the tabs' sessions); see boot/applyBoot.ts. */
  boot?: DaemonBoot;
  /** How a session defined with a command runs it (default: `bash -lc`). */
  commandShell?: (command: string) => { file: string; args: string[] };
  /** At most this many live PTY sessions (default 16), unless an attach states its own cap (the portal's). */
  maxSessions?: number;
  /** A session with no client attached this long is ended (default 1 h; 0: never), unless created saying otherwise. */
  sessionIdleMs?: number;
}

/** Defaults for attaches that don't say (the portal always does, from its settings). */
export const DEFAULT_MAX_SESSIONS = 16;
export const DEFAULT_SESSION_IDLE_MS = 3600_000;

export interface Daemon {
  close(): Promise<void>;
}

const sessionPath = /^\/v1\/sessions\/([^/]+)$/;
const attachPath = /^\/v1\/sessions\/([^/]+)\/attach$/;
const defaultSize = { cols: 80, rows: 24 };

/** Starts the workspace daemon on a Unix socket; resolves once it is listening. */
export async function createDaemon(options: DaemonOptions): Promise<Daemon> {
  const env = options.env ?? inheritedEnv();
  const sessions = new SessionRegistry({
    shell: options.shell ?? defaultShell(),
    cwd: options.workspaceDir,
    env,
    scrollbackBytes: options.scrollbackBytes ?? 256 * 1024,
    flow: { ...defaultFlowControl, ...options.flow },
    ...(options.commandShell ? { commandShell: options.commandShell } : {}),
    maxSessions: options.maxSessions ?? DEFAULT_MAX_SESSIONS,
    idleMs: options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS,
  });
  if (options.boot) applyBoot(options.boot, { sessions, workspaceDir: options.workspaceDir, env });
  // perMessageDeflate stays off: it would buffer outside bufferedAmount and hide backpressure.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1024 * 1024 });
  const services = { opencode: options.servicePorts?.opencode ?? WORKSPACE_SERVICES.opencode.port };
  // The defaults stay reserved when a service listens elsewhere: nothing else may take their place as a preview.
  const reserved = new Set([...RESERVED_PORTS, ...Object.values(options.servicePorts ?? {})]);
  const files = createFilesApi(options.workspaceDir);
  const server = createServer((req, res) => {
    if (!files(req, res, new URL(req.url ?? '/', 'http://daemon'))) handleRequest(sessions, reserved, req, res);
  });
  server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => handlePortConnect(req, socket, head, reserved, services));

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://daemon');
    const match = attachPath.exec(url.pathname);
    if (!match) return rejectUpgrade(socket, 404, 'not_found', 'no such endpoint');
    const name = sessionNameSchema.safeParse(decodeURIComponent(match[1] ?? ''));
    if (!name.success) return rejectUpgrade(socket, 400, 'invalid_session_name', 'a session name is 1-64 letters, digits, - or _');
    const size = parseSize(url.searchParams);
    const attach = attachOptionsSchema.safeParse(Object.fromEntries(url.searchParams));
    if (!attach.success) return rejectUpgrade(socket, 400, 'invalid_input', attach.error.issues[0]?.message ?? 'invalid attach options');
    // Found or created before the upgrade completes, so a refusal is a plain HTTP status the portal can pass on.
    let session;
    try {
      session = sessions.getOrCreate(name.data, size, attach.data);
    } catch (err) {
      if (err instanceof SessionLimitError) return rejectUpgrade(socket, 429, 'too_many_sessions', err.message);
      return rejectUpgrade(socket, 500, 'spawn_failed', 'could not start the session');
    }
    wss.handleUpgrade(req, socket, head, (ws) => session.attach(ws));
  });

  rmSync(options.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Only the daemon's own user (the agent maps onto it) may connect.
  chmodSync(options.socketPath, 0o600);

  return {
    async close() {
      sessions.closeAll();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function handleRequest(sessions: SessionRegistry, reserved: ReadonlySet<number>, req: IncomingMessage, res: ServerResponse): void {
  const { pathname } = new URL(req.url ?? '/', 'http://daemon');
  if (pathname === '/v1/healthz') {
    if (req.method !== 'GET') return sendError(res, 405, 'method_not_allowed', 'use GET');
    return sendJson(res, 200, { ok: true });
  }
  if (pathname === '/v1/sessions') {
    if (req.method !== 'GET') return sendError(res, 405, 'method_not_allowed', 'use GET');
    return sendJson(res, 200, { sessions: sessions.list() });
  }
  if (pathname === '/v1/ports') {
    if (req.method !== 'GET') return sendError(res, 405, 'method_not_allowed', 'use GET');
    return sendJson(res, 200, { ports: listeningPorts().filter((p) => isPreviewablePort(p.port, reserved)) });
  }
  const match = sessionPath.exec(pathname);
  if (match && req.method === 'POST') return void createSession(sessions, decodeURIComponent(match[1] ?? ''), req, res);
  if (match) {
    if (req.method !== 'DELETE') return sendError(res, 405, 'method_not_allowed', 'use POST or DELETE');
    const name = decodeURIComponent(match[1] ?? '');
    if (!sessions.delete(name)) return sendError(res, 404, 'not_found', `no session named ${JSON.stringify(name)}`);
    res.writeHead(204).end();
    return;
  }
  sendError(res, 404, 'not_found', 'no such endpoint');
}

/** POST /v1/sessions/:name {command, start?}: the session runs `command` from now on; 201 when started now, 200 when it already ran or starts on attach. */
async function createSession(sessions: SessionRegistry, rawName: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const name = sessionNameSchema.safeParse(rawName);
  if (!name.success) return sendError(res, 400, 'invalid_session_name', 'a session name is 1-64 letters, digits, - or _');
  const body = createSessionRequestSchema.safeParse(await readJsonBody(req).catch(() => undefined));
  if (!body.success) return sendError(res, 400, 'invalid_input', body.error.issues[0]?.message ?? 'expected {"command": "…"}');
  const running = sessions.list().some((s) => s.name === name.data && !s.exited);
  try {
    sessions.define(name.data, body.data.command, { start: body.data.start });
  } catch {
    return sendError(res, 500, 'spawn_failed', 'could not start the session');
  }
  const info = sessions.list().find((s) => s.name === name.data);
  sendJson(res, running || !body.data.start ? 200 : 201, { name: name.data, command: body.data.command, session: info ?? null });
}

function parseSize(params: URLSearchParams): { cols: number; rows: number } {
  const parsed = terminalSizeSchema.safeParse({
    cols: Number(params.get('cols') ?? defaultSize.cols),
    rows: Number(params.get('rows') ?? defaultSize.rows),
  });
  return parsed.success ? parsed.data : defaultSize;
}

function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('PADDOCK_DAEMON_')) env[key] = value;
  }
  return env;
}

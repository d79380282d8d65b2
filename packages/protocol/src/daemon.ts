import { z } from 'zod';
import { wellFormedString } from './strings.js';

/**
 * The workspace daemon's API: HTTP and WebSocket over a stream the agent opens
 * (a Unix socket in the local runtime). The portal reaches it through a dialed
 * tunnel stream and speaks plain HTTP/1.1 over that stream.
 *
 *   GET    /v1/healthz                        -> { ok: true }
 *   GET    /v1/sessions                       -> { sessions: PtySessionInfo[] }
 *   DELETE /v1/sessions/:name                 -> 204, or 404 with the API error shape
 *   POST   /v1/sessions/:name {command, start?} -> 201 (started) or 200: the session runs
 *          `bash -lc <command>` from now on, also when re-created after it exited (daemonBoot.ts)
 *   WS     /v1/sessions/:name/attach?cols=&rows=&run=&command=&idleMs=&maxSessions=
 *          Attaches to the named PTY session, creating it when missing: what it
 *          runs is the attach's `run` (see attachOptionsSchema), else the name's
 *          definition, else a login shell in /workspace. 429 when creating it would
 *          exceed the cap, 400 for options that don't parse. The daemon first sends
 *          the session's scrollback, then live output. Binary frames carry terminal
 *          bytes in both directions; text frames carry TerminalControl JSON.
 *   GET    /v1/ports                          -> { ports: ListeningPort[] } (TCP LISTEN on loopback/any, 1024-65535)
 *   /v1/files…                               the code editor's files (see filesApi.ts)
 *   CONNECT 127.0.0.1:<port>                  -> 200, then the stream is raw TCP to that port in the
 *          workspace (403 outside 1024-65535 or on a service port below, 502 when nothing accepts)
 *   CONNECT opencode:4096                     -> the same, to OpenCode's server: the AI chat's one way in
 *          (daemonConnectTarget builds both forms)
 */
export const DAEMON_SOCKET_NAME = 'daemon.sock';

/**
 * The workspace's own services, on loopback in every workspace. They act with
 * the workspace's credentials (OpenCode's config holds its virtual key and its
 * API runs commands; the gateway bridge spends the model budget), so neither a
 * preview nor a port dial may reach them: the portal refuses previews of these
 * ports, and the daemon refuses to CONNECT to them as ports. The AI chat reaches
 * OpenCode by name (a `service` dial), which only the portal's AI routes use.
 */
export const WORKSPACE_SERVICES = {
  opencode: { port: 4096, description: "OpenCode's server, behind the AI chat" },
  llmGateway: { port: 4141, description: 'the bridge to the model gateway' },
  egressProxy: { port: 4142, description: 'the bridge to the egress proxy' },
} as const;
export type WorkspaceService = keyof typeof WORKSPACE_SERVICES;

/** The services the portal may dial by name. */
export const DIALABLE_SERVICES = ['opencode'] as const satisfies readonly WorkspaceService[];
export type DialableService = (typeof DIALABLE_SERVICES)[number];

export function isDialableService(name: string): name is DialableService {
  return (DIALABLE_SERVICES as readonly string[]).includes(name);
}

/** Ports no preview and no port dial may reach: the services above. */
export const RESERVED_PORTS: ReadonlySet<number> = new Set(Object.values(WORKSPACE_SERVICES).map((s) => s.port));

/** Why a port can't be previewed, when it is one of the workspace's own services. */
export function reservedPortReason(port: number): string | undefined {
  const service = Object.values(WORKSPACE_SERVICES).find((s) => s.port === port);
  return service && `port ${port} is the workspace's own service (${service.description}), not an app: preview your dev server's port instead`;
}

export type DaemonConnectTarget = { port: number } | { service: DialableService };

/** The request target of a daemon CONNECT: `127.0.0.1:<port>` for a port, `<service>:<its port>` for a service. */
export function daemonConnectTarget(target: DaemonConnectTarget): string {
  return 'service' in target ? `${target.service}:${WORKSPACE_SERVICES[target.service].port}` : `127.0.0.1:${target.port}`;
}

/** Reads a daemon CONNECT target; undefined for anything else (another host, a malformed port, an unknown service). */
export function parseDaemonConnectTarget(text: string): DaemonConnectTarget | undefined {
  const match = /^([a-z0-9.]+):(\d{1,5})$/i.exec(text);
  if (!match) return undefined;
  const [, host = '', digits = ''] = match;
  const port = Number(digits);
  if (host === '127.0.0.1' || host.toLowerCase() === 'localhost') return { port };
  if (isDialableService(host) && WORKSPACE_SERVICES[host].port === port) return { service: host };
  return undefined;
}

export const sessionNameSchema = wellFormedString()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/, 'a session name is 1-64 letters, digits, - or _');

/** What a session runs with `bash -lc` (a blueprint's command tab, `claude`). */
export const sessionCommandSchema = wellFormedString().min(1).max(4000);

/** Longest a detached session may be kept: a week. */
export const MAX_SESSION_IDLE_MS = 7 * 24 * 3600 * 1000;

/**
 * An attach's options (query string) beside cols and rows. The portal sets them
 * from the workspace's blueprint, so a browser never chooses what runs:
 * - run: `shell` (a login shell) or `command` (`bash -lc <command>`); unset: the
 *   name's definition (boot.json, POST), else a login shell. A session already
 *   running keeps what it runs.
 * - idleMs: how long a session created by this attach may have no client attached
 *   before the daemon ends it; 0 never (a dev server). Unset: the daemon's default.
 * - maxSessions: create a session only while fewer than this many are live
 *   (attaching to a live one always works). Unset: the daemon's default.
 */
const decimal = (min: number, max: number) => z.string().regex(/^\d{1,15}$/, 'a whole number').transform(Number).pipe(z.number().min(min).max(max));

export const attachOptionsSchema = z.object({
  run: z.enum(['shell', 'command']).optional(),
  command: sessionCommandSchema.optional(),
  idleMs: decimal(0, MAX_SESSION_IDLE_MS).optional(),
  maxSessions: decimal(1, 1000).optional(),
}).refine((o) => (o.run === 'command') === (o.command !== undefined), { message: 'run=command takes a command, and nothing else does' });
export type AttachOptions = z.infer<typeof attachOptionsSchema>;

export const terminalSizeSchema = z.object({
  cols: z.number().int().min(2).max(1000),
  rows: z.number().int().min(1).max(500),
});

/** Control messages in text frames, either direction. */
export const terminalControlSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('resize'), cols: terminalSizeSchema.shape.cols, rows: terminalSizeSchema.shape.rows }),
  // daemon -> client: the session's process ended.
  z.object({ type: z.literal('exit'), code: z.number().int().nullable(), signal: z.number().int().nullable() }),
]);
export type TerminalControl = z.infer<typeof terminalControlSchema>;

export const ptySessionInfoSchema = z.object({
  name: z.string(),
  pid: z.number().int(),
  cols: z.number().int(),
  rows: z.number().int(),
  createdAt: z.string(),
  attached: z.number().int(),
  exited: z.boolean(),
});
export type PtySessionInfo = z.infer<typeof ptySessionInfoSchema>;

export const listeningPortSchema = z.object({ port: z.number().int(), address: z.string() });
export type ListeningPort = z.infer<typeof listeningPortSchema>;

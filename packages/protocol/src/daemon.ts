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
 *   WS     /v1/sessions/:name/attach?cols=&rows=
 *          Attaches to the named PTY session, creating it (a login shell in
 *          /workspace) when missing. The daemon first sends the session's
 *          scrollback, then live output. Binary frames carry terminal bytes in
 *          both directions; text frames carry TerminalControl JSON.
 *   GET    /v1/ports                          -> { ports: ListeningPort[] } (TCP LISTEN on loopback/any, 1024-65535)
 *   /v1/files…                               the code editor's files (see filesApi.ts)
 *   CONNECT 127.0.0.1:<port>                  -> 200, then the stream is raw TCP to that port in the
 *          workspace (403 outside 1024-65535 or the daemon's own ports, 502 when nothing accepts)
 */
export const DAEMON_SOCKET_NAME = 'daemon.sock';

export const sessionNameSchema = wellFormedString()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/, 'a session name is 1-64 letters, digits, - or _');

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

// Plugin type augmentations must be imported where they are used (NodeNext resolution).
import type {} from '@fastify/cookie';
import type {} from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import WebSocket from 'ws';
import { z } from 'zod';
import { SESSION_COOKIE, sessionNameSchema, terminalControlSchema } from '@paddock/protocol';
import { ApiError, BlueprintAccessLostError } from '../errors.js';
import { relayWebSockets } from '../relay/relayWebSockets.js';
import type { Identity } from '../auth/identity.js';
import { terminalSessionOf, type TerminalSessionSpec } from '../blueprints/terminalSessions.js';
import type { PortalConfig } from '../config.js';
import type { PortalServices } from '../services.js';
import type { WebSocketRoute } from './route.js';

export const terminalRoute: WebSocketRoute = {
  url: '/api/v1/workspaces/:id/terminal',
  access: 'ticket',
  summary: 'Terminal WebSocket (?ticket=…&session=main): binary frames are terminal bytes, text frames JSON control',
};

/** Close codes the browser acts on. */
export const TerminalClose = {
  badTicket: 4401,
  /** The blueprint's tabs don't offer this session (no shell tab, no such command tab). */
  notPermitted: 4403,
  notFound: 4404,
  notRunning: 4409,
  /** The workspace already runs as many sessions as it may. */
  tooManySessions: 4429,
  /** An admin ended it (Admin → Security); the browser does not reconnect on its own. */
  endedByAdmin: 4408,
  upstream: 1011,
} as const;

/** The daemon refused the attach with this HTTP status. */
class DaemonRefused extends Error {
  constructor(readonly status: number) { super(`daemon answered ${status}`); }
}

const querySchema = z.object({
  ticket: z.string().min(1).max(256),
  session: sessionNameSchema.default('main'),
  cols: z.coerce.number().int().min(2).max(1000).optional(),
  rows: z.coerce.number().int().min(1).max(500).optional(),
});

/** Only resize goes from a browser to a daemon; anything else in a text frame is dropped. */
function browserControl(text: string): string | null {
  try {
    const msg = terminalControlSchema.parse(JSON.parse(text));
    return msg.type === 'resize' ? JSON.stringify(msg) : null;
  } catch {
    return null;
  }
}

/** The daemon's attach options for a session (protocol: attachOptionsSchema); the daemon enforces them. */
function daemonAttachOptions(spec: TerminalSessionSpec, limits: PortalConfig['terminal']): Record<string, string> {
  const options: Record<string, string> = { maxSessions: String(limits.maxSessions) };
  if (spec.run === 'shell') return { ...options, run: 'shell', idleMs: String(limits.idleMs) };
  // A command tab's session is a service (a dev server behind a preview): it keeps running unwatched.
  return { ...options, run: 'command', command: spec.command, idleMs: String(spec.service ? 0 : limits.idleMs) };
}

/**
 * The users the request's own credentials (a bearer token, the session cookie) name.
 * A ticket alone is enough (it was issued to a signed-in user seconds ago), but a
 * request that also carries credentials must carry only the ticket's user's: a
 * leaked ticket is then useless in anyone else's browser (which sends its cookie
 * unasked), and no one opens a terminal while claiming to be someone else. A
 * credential that proves nothing (forged, malformed, revoked, expired, signed out)
 * makes the whole request 'invalid' rather than being ignored: we can't tell it
 * from someone else's, and the rightful client loses nothing, as it got its ticket
 * with a valid credential at most 30 s ago and just asks for a fresh one.
 */
async function presentedUsers(req: FastifyRequest, identity: Identity): Promise<string[] | 'invalid'> {
  const users: string[] = [];
  const header = req.headers.authorization;
  if (header !== undefined) {
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const actor = token ? await identity.actorFromToken(token) : null;
    if (!actor) return 'invalid';
    users.push(actor.user.id);
  }
  const cookie = req.cookies[SESSION_COOKIE];
  if (cookie !== undefined) {
    const actor = await identity.actorFromSession(cookie);
    if (!actor) return 'invalid';
    users.push(actor.user.id);
  }
  return users;
}

async function notAnUpgrade(_req: FastifyRequest, reply: FastifyReply): Promise<never> {
  void reply.header('upgrade', 'websocket');
  throw new ApiError(426, 'upgrade_required', 'this is a WebSocket: open it with an upgrade request');
}

type TerminalDeps = Pick<PortalServices, 'config' | 'tickets' | 'identity' | 'workspaces' | 'blueprints' | 'hub' | 'activity' | 'connections'>;

export function registerTerminalRoute(app: FastifyInstance, services: TerminalDeps) {
  // A GET that asks for no upgrade gets the one error shape (the WebSocket plugin alone answers an empty 404).
  app.route({ method: 'GET', url: terminalRoute.url, handler: notAnUpgrade, wsHandler: (socket: WebSocket, req: FastifyRequest) => {
    // Messages that arrive while we dial are held (bounded) and replayed in order.
    const early: Array<[Buffer, boolean]> = [];
    let earlyBytes = 0;
    const hold = (data: Buffer, isBinary: boolean) => {
      earlyBytes += data.length;
      if (earlyBytes > 1024 * 1024) socket.close(1009, 'too much input before the terminal was ready');
      else early.push([data, isBinary]);
    };
    socket.on('message', hold);
    void connect(socket, req, services, hold, early).catch((err: unknown) => {
      if (socket.readyState !== socket.OPEN) return;
      if (err instanceof DaemonRefused && err.status === 429) {
        const { maxSessions } = services.config.terminal;
        return socket.close(TerminalClose.tooManySessions, `this workspace already runs ${maxSessions} terminal sessions, the most it may; close one first`);
      }
      req.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'terminal relay failed');
      socket.close(TerminalClose.upstream, 'the workspace could not be reached');
    });
  } });
}

async function connect(
  socket: WebSocket,
  req: FastifyRequest,
  services: TerminalDeps,
  hold: (data: Buffer, isBinary: boolean) => void,
  early: Array<[Buffer, boolean]>,
) {
  const workspaceId = (req.params as { id: string }).id;
  const query = querySchema.safeParse(req.query);
  if (!query.success) return socket.close(TerminalClose.badTicket, 'a ticket is required');
  const userId = await services.tickets.redeem(query.data.ticket, workspaceId);
  if (!userId) return socket.close(TerminalClose.badTicket, 'the ticket is invalid, used or expired');
  // Checked after the ticket is spent, so a refused attempt can't be retried without its credentials.
  const presented = await presentedUsers(req, services.identity);
  if (presented === 'invalid') return socket.close(TerminalClose.badTicket, "the request's credentials are not valid; sign in again");
  if (presented.some((id) => id !== userId)) return socket.close(TerminalClose.badTicket, 'the ticket belongs to another user');
  const actor = await services.identity.actorById(userId);
  if (!actor) return socket.close(TerminalClose.badTicket, 'the ticket\'s user no longer exists');
  const workspace = await services.workspaces.get(actor, workspaceId, 'connect').catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  // Visible, but its owner may no longer use its blueprint: say so (anything else refused reads as not found).
  if (workspace instanceof BlueprintAccessLostError) return socket.close(TerminalClose.notPermitted, "the workspace's owner may no longer use its blueprint");
  if (workspace instanceof Error) return socket.close(TerminalClose.notFound, 'workspace not found');
  const agentId = await services.workspaces.agentOf(workspaceId);
  if (workspace.state !== 'running' || !agentId) return socket.close(TerminalClose.notRunning, `the workspace is ${workspace.state}`);
  // The blueprint decides which sessions exist and what each runs; the browser only names one.
  const spec = terminalSessionOf(await services.blueprints.setupOf(workspace), query.data.session);
  if ('refused' in spec) return socket.close(TerminalClose.notPermitted, spec.refused);

  const stream = await services.hub.dial(agentId, workspaceId, { daemon: true });
  const params = new URLSearchParams(daemonAttachOptions(spec, services.config.terminal));
  if (query.data.cols) params.set('cols', String(query.data.cols));
  if (query.data.rows) params.set('rows', String(query.data.rows));
  const upstream = new WebSocket(`ws://workspace/v1/sessions/${query.data.session}/attach?${params}`, {
    createConnection: () => stream as never,
    perMessageDeflate: false,
  });
  upstream.on('error', () => socket.readyState === socket.OPEN && socket.close(TerminalClose.upstream, 'the workspace closed the terminal'));
  socket.on('close', () => { if (upstream.readyState !== upstream.CLOSED) upstream.terminate(); stream.destroy(); });
  // Relay from inside the open handler: the daemon replays scrollback the moment it
  // accepts, and a frame that arrived before a listener was attached would be lost.
  await new Promise<void>((resolve, reject) => {
    upstream.once('open', () => {
      if (socket.readyState !== socket.OPEN) { upstream.terminate(); return resolve(); }
      socket.off('message', hold);
      for (const [data, isBinary] of early) {
        if (!isBinary) { const text = browserControl(data.toString('utf8')); if (text) upstream.send(text); } else upstream.send(data);
      }
      relayWebSockets(socket, upstream, { filterAtoB: browserControl });
      const live = services.connections.add({
        kind: 'terminal', userId, workspaceId, ip: req.ip, detail: query.data.session,
        end: () => socket.close(TerminalClose.endedByAdmin, 'an admin ended this terminal session'),
      });
      socket.once('close', live.remove);
      // Keystrokes (binary frames; text ones are resizes) are activity: they keep the workspace from its idle stop.
      socket.on('message', (_data: Buffer, isBinary: boolean) => {
        if (isBinary) services.activity.touch(workspaceId).catch((err: unknown) => req.log.warn({ err }, 'recording terminal activity failed'));
      });
      resolve();
    });
    upstream.once('error', reject);
    upstream.once('unexpected-response', (_r, res) => reject(new DaemonRefused(res.statusCode ?? 0)));
  });
  await services.activity.record(actor, workspace, 'workspace.terminal.open', { session: query.data.session });
  // When it detached, for the admin timeline's connected stretches (overview/timeline.ts).
  const detached = () => {
    services.activity.recordEnd(actor, workspace, 'workspace.terminal.close', { session: query.data.session })
      .catch((err: unknown) => req.log.warn({ err }, 'recording the end of a terminal failed'));
  };
  if (socket.readyState === socket.CLOSED) detached();
  else socket.once('close', detached);
}

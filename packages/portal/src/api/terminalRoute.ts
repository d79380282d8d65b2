// Plugin type augmentations must be imported where they are used (NodeNext resolution).
import type {} from '@fastify/cookie';
import type {} from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import WebSocket from 'ws';
import { z } from 'zod';
import { SESSION_COOKIE, sessionNameSchema, terminalControlSchema } from '@paddock/protocol';
import { ApiError } from '../errors.js';
import { relayWebSockets } from '../relay/relayWebSockets.js';
import type { PortalServices } from '../services.js';
import type { WebSocketRoute } from './route.js';

export const terminalRoute: WebSocketRoute = {
  url: '/api/v1/workspaces/:id/terminal',
  access: 'ticket',
  summary: 'Terminal WebSocket (?ticket=…&session=main): binary frames are terminal bytes, text frames JSON control',
};

/** Close codes the browser acts on. */
export const TerminalClose = { badTicket: 4401, notFound: 4404, notRunning: 4409, upstream: 1011 } as const;

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

async function notAnUpgrade(_req: FastifyRequest, reply: FastifyReply): Promise<never> {
  void reply.header('upgrade', 'websocket');
  throw new ApiError(426, 'upgrade_required', 'this is a WebSocket: open it with an upgrade request');
}

export function registerTerminalRoute(app: FastifyInstance, services: PortalServices) {
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
      req.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'terminal relay failed');
      if (socket.readyState === socket.OPEN) socket.close(TerminalClose.upstream, 'the workspace could not be reached');
    });
  } });
}

async function connect(
  socket: WebSocket,
  req: FastifyRequest,
  services: PortalServices,
  hold: (data: Buffer, isBinary: boolean) => void,
  early: Array<[Buffer, boolean]>,
) {
  const workspaceId = (req.params as { id: string }).id;
  const query = querySchema.safeParse(req.query);
  if (!query.success) return socket.close(TerminalClose.badTicket, 'a ticket is required');
  const userId = await services.tickets.redeem(query.data.ticket, workspaceId);
  if (!userId) return socket.close(TerminalClose.badTicket, 'the ticket is invalid, used or expired');
  // A browser with a session must be the ticket's user: a leaked ticket is useless to anyone else.
  const cookie = req.cookies[SESSION_COOKIE];
  if (cookie) {
    const sessionActor = await services.identity.actorFromSession(cookie);
    if (sessionActor && sessionActor.user.id !== userId) return socket.close(TerminalClose.badTicket, 'the ticket belongs to another user');
  }
  const actor = await services.identity.actorById(userId);
  if (!actor) return socket.close(TerminalClose.badTicket, 'the ticket\'s user no longer exists');
  const workspace = await services.workspaces.get(actor, workspaceId).catch(() => null);
  if (!workspace) return socket.close(TerminalClose.notFound, 'workspace not found');
  const agentId = await services.workspaces.agentOf(workspaceId);
  if (workspace.state !== 'running' || !agentId) return socket.close(TerminalClose.notRunning, `the workspace is ${workspace.state}`);

  const stream = await services.hub.dial(agentId, workspaceId, { daemon: true });
  const params = new URLSearchParams();
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
      resolve();
    });
    upstream.once('error', reject);
    upstream.once('unexpected-response', (_r, res) => reject(new Error(`daemon answered ${res.statusCode}`)));
  });
  await services.audit.append({
    actorId: actor.user.id, actorEmail: actor.user.email, action: 'workspace.terminal.open', targetType: 'workspace',
    targetId: workspaceId, blueprintId: workspace.blueprintId, outcome: 'success', detail: { session: query.data.session },
  });
}

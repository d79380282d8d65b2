// Plugin type augmentations must be imported where they are used (NodeNext resolution).
import type {} from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type WebSocket from 'ws';
import { governanceEventFilterSchema, type GovernanceEventFilter, type GovernanceEventItem } from '@paddock/protocol';
import { hasRole } from '../auth/actor.js';
import { ApiError, ForbiddenError, UnauthenticatedError } from '../errors.js';
import { matchesFilter } from '../governance/governanceEvents.js';
import type { PortalServices } from '../services.js';
import { authenticate } from './authenticate.js';
import { parseInput } from './parse.js';
import type { WebSocketRoute } from './route.js';

export const governanceFeedRoute: WebSocketRoute = {
  url: '/api/v1/governance/feed',
  access: 'auditor',
  summary: 'Governance events, live (?workspaceId=&class=&verdict=): text frames {"type":"event","event":{…}}, as GET /governance/events items',
};

/** Close codes the browser acts on. */
export const FeedClose = {
  /** Events from other portals may have been missed: reconnect and refetch the list. */
  missed: 4000,
  /** The client read too slowly; reconnect. */
  tooSlow: 4008,
} as const;

/** A client more than this behind is closed rather than buffered without end. */
const MAX_BUFFERED = 1024 * 1024;
const PING_EVERY_MS = 15_000;

interface Subscriber { socket: WebSocket; filter: GovernanceEventFilter }

/**
 * The live governance feed, for admins and auditors. Authenticated before the
 * upgrade (a refusal is the API's one error shape); a browser's session cookie
 * counts only from the portal's own origin, since any site can open a WebSocket
 * that carries our cookie. One subscription to the bus serves every socket:
 * each event is read once and sent to those whose filters it passes.
 */
export function registerGovernanceFeed(app: FastifyInstance, services: PortalServices): void {
  const subscribers = new Set<Subscriber>();
  const filters = new WeakMap<FastifyRequest, GovernanceEventFilter>();

  const deliver = (event: GovernanceEventItem) => {
    const text = JSON.stringify({ type: 'event', event });
    for (const s of subscribers) {
      if (!matchesFilter(event, s.filter)) continue;
      if (s.socket.bufferedAmount > MAX_BUFFERED) { s.socket.close(FeedClose.tooSlow, 'the feed was read too slowly; reconnect'); continue; }
      s.socket.send(text);
    }
  };
  services.events.on('governance', async ({ decisionId }) => {
    if (subscribers.size === 0) return;
    const event = await services.governanceEvents.get(decisionId);
    if (event) deliver(event);
  });
  services.events.onMissed(() => {
    for (const s of subscribers) s.socket.close(FeedClose.missed, 'events may have been missed; reconnect');
  });

  app.route({
    method: 'GET',
    url: governanceFeedRoute.url,
    preValidation: async (req) => {
      const actor = await authenticate(req, services.identity);
      if (!actor) throw new UnauthenticatedError();
      if (actor.via === 'session' && req.headers.origin !== services.config.publicUrl) {
        throw new ForbiddenError('the feed opens with a session only from the portal itself');
      }
      if (!hasRole(actor, ['admin', 'auditor'])) throw new ForbiddenError('only admins and auditors see the governance feed');
      filters.set(req, parseInput(governanceEventFilterSchema.strict(), req.query, 'query'));
    },
    // A GET that asks for no upgrade gets the one error shape (the WebSocket plugin alone answers an empty 404).
    handler: async (_req, reply) => {
      void reply.header('upgrade', 'websocket');
      throw new ApiError(426, 'upgrade_required', 'this is a WebSocket: open it with an upgrade request');
    },
    wsHandler: (socket: WebSocket, req: FastifyRequest) => {
      const subscriber = { socket, filter: filters.get(req) ?? {} };
      subscribers.add(subscriber);
      const ping = setInterval(() => socket.ping(), PING_EVERY_MS);
      // Only the server speaks on this socket; what a client sends is ignored.
      socket.on('close', () => { clearInterval(ping); subscribers.delete(subscriber); });
      socket.on('error', () => socket.terminate());
    },
  });
}

import type { Workspace } from '@paddock/protocol';
import { can } from '../authz/policy.js';
import { route } from './route.js';
import { openEventStream } from './eventStream.js';

const KEEPALIVE_MS = 15_000;

export const eventRoutes = [
  route({
    method: 'GET', url: '/api/v1/events', access: 'user', response: 'event-stream',
    summary: 'Server-sent events: `workspace` whenever a workspace you can see changes',
    handler: async ({ actor, req, reply, services }) => {
      const res = openEventStream(reply);
      res.write('retry: 2000\n\n');
      const onWorkspace = (w: Workspace) => {
        if (!can(actor, 'read', { type: 'workspace', ownerId: w.ownerId })) return;
        // A client that can't keep up is dropped (it reconnects and refetches) rather than buffered forever.
        if (res.writableLength > 1024 * 1024) { res.destroy(); return; }
        res.write(`event: workspace\ndata: ${JSON.stringify({ type: 'workspace', workspace: w })}\n\n`);
      };
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
      const subscriptions = [
        services.events.on('workspace', onWorkspace),
        // Events from other portals may have been lost: ending the stream makes the browser reconnect and refetch.
        services.events.onMissed(() => res.end()),
      ];
      const cleanup = () => { clearInterval(keepalive); for (const unsubscribe of subscriptions) unsubscribe(); };
      req.raw.on('close', cleanup);
      res.on('close', cleanup);
    },
  }),
];

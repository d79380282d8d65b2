import type { Workspace, WorkspaceGovernanceEvent } from '@paddock/protocol';
import { can } from '../authz/policy.js';
import { route } from './route.js';
import { openEventStream } from './eventStream.js';

const KEEPALIVE_MS = 15_000;

export const eventRoutes = [
  route({
    method: 'GET', url: '/api/v1/events', access: 'user', response: 'event-stream',
    summary: 'Server-sent events: `workspace` whenever a workspace you can see changes; `governance` when what its page shows of governance may have',
    handler: async ({ actor, req, reply, services }) => {
      const res = openEventStream(reply);
      res.write('retry: 2000\n\n');
      const send = (event: string, data: unknown) => {
        // A check that answers after the client left (the governance events) has nowhere to write.
        if (res.writableEnded || res.destroyed) return;
        // A client that can't keep up is dropped (it reconnects and refetches) rather than buffered forever.
        if (res.writableLength > 1024 * 1024) { res.destroy(); return; }
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const onWorkspace = (w: Workspace) => {
        if (can(actor, 'read', { type: 'workspace', ownerId: w.ownerId })) send('workspace', { type: 'workspace', workspace: w });
      };
      const onGovernance = (data: WorkspaceGovernanceEvent) => send('governance', data);
      // A hold names its workspace: only those who may read that workspace hear of it (the policy, through Workspaces.get;
      // a refusal is the answer here, not an error).
      const onWorkspaceGovernance = async ({ workspaceId }: { workspaceId: string }) => {
        const mayRead = await services.workspaces.get(actor, workspaceId).then(() => true, () => false);
        if (mayRead) onGovernance({ type: 'governance', workspaceId });
      };
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
      const subscriptions = [
        services.events.on('workspace', onWorkspace),
        services.events.on('approval', onWorkspaceGovernance),
        // A policy or kill switch change names a blueprint (or nothing, for the org's): that it changed is all this says.
        services.events.on('governancePolicy', async ({ workspaceId }) => {
          if (workspaceId) await onWorkspaceGovernance({ workspaceId });
          else onGovernance({ type: 'governance' });
        }),
        // Events from other portals may have been lost: ending the stream makes the browser reconnect and refetch.
        services.events.onMissed(() => res.end()),
      ];
      const cleanup = () => { clearInterval(keepalive); for (const unsubscribe of subscriptions) unsubscribe(); };
      req.raw.on('close', cleanup);
      res.on('close', cleanup);
    },
  }),
];

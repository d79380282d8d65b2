import type { PublishRequestEvent, Workspace, WorkspaceGovernanceEvent } from '@paddock/protocol';
import { can } from '../authz/policy.js';
import type { PortalServices } from '../services.js';
import { route } from './route.js';
import { openEventStream } from './eventStream.js';

const KEEPALIVE_MS = 15_000;

/**
 * The owner of the workspace an event names, read once per event however many streams
 * follow it: the bus hands every listener the same event object.
 */
const owners = new WeakMap<object, Promise<string | null>>();
function ownerOf(services: Pick<PortalServices, 'workspaces'>, event: object, workspaceId: string): Promise<string | null> {
  let owner = owners.get(event);
  if (!owner) {
    owner = services.workspaces.ownerOf(workspaceId);
    owners.set(event, owner);
  }
  return owner;
}

export const eventRoutes = [
  route({
    method: 'GET', url: '/api/v1/events', access: 'user', response: 'event-stream',
    summary: 'Server-sent events: `workspace` whenever a workspace you can see changes; `governance` when what its page shows of governance may have; '
      + '`publish` when a publish request of a workspace you can see changed (read it again)',
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
      // A hold names its workspace: only those who may read that workspace hear of it, by the same rule as its changes.
      const onWorkspaceGovernance = async (event: object, workspaceId: string) => {
        const ownerId = await ownerOf(services, event, workspaceId);
        if (ownerId && can(actor, 'read', { type: 'workspace', ownerId })) onGovernance({ type: 'governance', workspaceId });
      };
      // A publish request is seen by whoever may see its workspace: its owner, admins and auditors.
      const onPublish = async (event: { publishId: string; workspaceId: string }) => {
        const ownerId = await ownerOf(services, event, event.workspaceId);
        const data: PublishRequestEvent = { type: 'publish', requestId: event.publishId, workspaceId: event.workspaceId };
        if (ownerId && can(actor, 'read', { type: 'workspace', ownerId })) send('publish', data);
      };
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
      const subscriptions = [
        services.events.on('workspace', onWorkspace),
        services.events.on('approval', (event) => onWorkspaceGovernance(event, event.workspaceId)),
        services.events.on('publish', onPublish),
        // A policy or kill switch change names a blueprint (or nothing, for the org's): that it changed is all this says.
        services.events.on('governancePolicy', async (event) => {
          if (event.workspaceId) await onWorkspaceGovernance(event, event.workspaceId);
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

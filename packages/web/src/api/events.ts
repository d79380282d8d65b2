import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { PublishRequestEvent, WorkspaceEvent, WorkspaceGovernanceEvent } from '@paddock/protocol';
import { meQueryKey } from './auth';
import { refreshOverview } from './overview';
import { refreshPublishRequests } from './publishing';
import { refreshWorkspaceGovernance } from './workspaceGovernance';
import { storeWorkspace, workspacesQueryKey } from './workspaces';

const MAX_RETRY_MS = 30_000;

/**
 * Follows GET /api/v1/events and writes each workspace change into the query
 * cache; a governance event makes the workspace's governance view look again,
 * a publish event every view of publish requests; either makes the admin overview look again.
 * After any (re)connect it refetches, since events sent while we were away are gone.
 */
export function useWorkspaceEvents(): void {
  const queryClient = useQueryClient();

  useEffect(() => {
    let source: EventSource | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let opened = false;
    let disposed = false;

    const connect = () => {
      source = new EventSource('/api/v1/events', { withCredentials: true });

      source.addEventListener('open', () => {
        failures = 0;
        if (opened) void queryClient.invalidateQueries({ queryKey: workspacesQueryKey });
        opened = true;
      });

      listen<WorkspaceEvent>(source, 'workspace', (data) => {
        if (data.type === 'workspace' && data.workspace) storeWorkspace(queryClient, data.workspace);
        refreshOverview(queryClient);
      });
      listen<WorkspaceGovernanceEvent>(source, 'governance', (data) => {
        if (data.type === 'governance') refreshWorkspaceGovernance(queryClient, data.workspaceId);
      });
      listen<PublishRequestEvent>(source, 'publish', (data) => {
        if (data.type === 'publish') refreshPublishRequests(queryClient);
        refreshOverview(queryClient);
      });

      source.addEventListener('error', () => {
        // The browser retries on its own while the state is CONNECTING; once it
        // is CLOSED (an HTTP error such as 401) we retry ourselves, after
        // checking the session so an expired one lands on the sign-in page.
        if (!source || source.readyState !== EventSource.CLOSED || disposed) return;
        source.close();
        opened = true;
        failures += 1;
        void queryClient.invalidateQueries({ queryKey: meQueryKey });
        const delay = Math.min(MAX_RETRY_MS, 1_000 * 2 ** Math.min(failures, 5));
        retryTimer = setTimeout(connect, delay);
      });
    };

    connect();
    return () => {
      disposed = true;
      clearTimeout(retryTimer);
      source?.close();
    };
  }, [queryClient]);
}

/** Handles each event of one name, parsed; a malformed event is not worth breaking the stream over. */
function listen<T>(source: EventSource, name: string, handle: (data: T) => void): void {
  source.addEventListener(name, (event) => {
    try {
      handle(JSON.parse((event as MessageEvent<string>).data) as T);
    } catch {
      // Skipped.
    }
  });
}

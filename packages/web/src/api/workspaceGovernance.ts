import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { WorkspaceGovernance } from '@paddock/protocol';
import { api } from './client';
import { workspacesQueryKey } from './workspaces';

export const workspaceGovernanceQueryKey = (workspaceId: string) => [...workspacesQueryKey, workspaceId, 'governance'] as const;

// Live updates come over the event stream (api/events.ts); while the banner says something, a slow
// poll covers for a dropped stream, so a hold decided or a switch released meanwhile does not stay on screen.
const FALLBACK_POLL_MS = 15_000;

/** What the workspace's owner sees of governance: the kill switch and why, the held actions. */
export function workspaceGovernanceQuery(workspaceId: string) {
  return queryOptions({
    queryKey: workspaceGovernanceQueryKey(workspaceId),
    queryFn: ({ signal }) => api.get<WorkspaceGovernance>(`/api/v1/workspaces/${encodeURIComponent(workspaceId)}/governance`, signal),
    refetchInterval: (query) => (query.state.data?.holds.length || query.state.data?.killSwitch.engaged ? FALLBACK_POLL_MS : false),
  });
}

/** A `governance` event: that workspace's view, or (naming none) every workspace's, is looked at again. */
export function refreshWorkspaceGovernance(queryClient: QueryClient, workspaceId?: string): void {
  void queryClient.invalidateQueries(workspaceId
    ? { queryKey: workspaceGovernanceQueryKey(workspaceId) }
    : { predicate: (q) => q.queryKey[0] === workspacesQueryKey[0] && q.queryKey[2] === 'governance' });
}

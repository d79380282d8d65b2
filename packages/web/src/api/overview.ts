import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { AdminOverview, Timeline, Topology } from '@paddock/protocol';
import { api } from './client';

export const overviewQueryKey = ['admin', 'overview'] as const;

/**
 * The counters, topology and timeline follow the event stream (refreshOverview, on every
 * workspace and publish event); the slow poll covers what no event announces (sign-ins
 * refused, held agent actions) and a dropped stream.
 */
const POLL_MS = 15_000;

export function overviewCountersQuery() {
  return queryOptions({
    queryKey: [...overviewQueryKey, 'counters'] as const,
    queryFn: ({ signal }) => api.get<AdminOverview>('/api/v1/admin/overview', signal),
    refetchInterval: POLL_MS,
  });
}

export function topologyQuery() {
  return queryOptions({
    queryKey: [...overviewQueryKey, 'topology'] as const,
    queryFn: ({ signal }) => api.get<Topology>('/api/v1/admin/topology', signal),
    refetchInterval: POLL_MS,
  });
}

/** `from` and `to` as ISO times; a range that ends now is asked for again as time moves on. */
export function timelineQuery(range: { from: string; to: string }) {
  return queryOptions({
    queryKey: [...overviewQueryKey, 'timeline', range.from, range.to] as const,
    queryFn: ({ signal }) => api.get<Timeline>(`/api/v1/admin/timeline?${new URLSearchParams(range)}`, signal),
  });
}

let pending: ReturnType<typeof setTimeout> | undefined;

/**
 * Marks the overview stale after a workspace or publish event. A burst (500 workspaces
 * stopping at once) makes one refetch a second, not one per event.
 */
export function refreshOverview(queryClient: QueryClient): void {
  if (pending) return;
  pending = setTimeout(() => {
    pending = undefined;
    void queryClient.invalidateQueries({ queryKey: overviewQueryKey });
  }, 1_000);
}

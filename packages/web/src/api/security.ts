import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { SecurityOverview } from '@paddock/protocol';
import { api } from './client';

export const securityQueryKey = ['admin', 'security'] as const;

/** The Security dashboard (admins and auditors); live connections change by the second, so it looks again often. */
export function securityQuery() {
  return queryOptions({
    queryKey: securityQueryKey,
    queryFn: ({ signal }) => api.get<SecurityOverview>('/api/v1/admin/security', signal),
    refetchInterval: 10_000,
  });
}

/** Ends a live connection (admins); the row leaves the cached list at once. */
export function endConnectionMutation(queryClient: QueryClient) {
  return {
    mutationFn: ({ id }: { id: string }) => api.delete<void>(`/api/v1/admin/connections/${encodeURIComponent(id)}`),
    onSuccess: (_: void, { id }: { id: string }) => {
      queryClient.setQueryData<SecurityOverview>(securityQueryKey, (data) => data && { ...data, connections: data.connections.filter((c) => c.id !== id) });
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: securityQueryKey }),
  };
}

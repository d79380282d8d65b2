import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { BlockedAttempt, IpAllowlist, IpAllowlistResponse } from '@paddock/protocol';
import { api } from './client';

export const ipAllowlistQueryKey = ['admin', 'ip-allowlist'] as const;

export function ipAllowlistQuery() {
  return queryOptions({
    queryKey: ipAllowlistQueryKey,
    queryFn: ({ signal }) => api.get<IpAllowlistResponse>('/api/v1/admin/ip-allowlist', signal),
  });
}

export function putIpAllowlistMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: IpAllowlist) => api.put<IpAllowlistResponse>('/api/v1/admin/ip-allowlist', body),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ipAllowlistQueryKey }),
  };
}

export function blockedAttemptsQuery() {
  return queryOptions({
    queryKey: [...ipAllowlistQueryKey, 'blocked'] as const,
    queryFn: async ({ signal }) => (await api.get<{ attempts: BlockedAttempt[] }>('/api/v1/admin/ip-allowlist/blocked', signal)).attempts,
    refetchInterval: 30_000,
  });
}

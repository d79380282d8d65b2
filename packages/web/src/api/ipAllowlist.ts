import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api } from './client';

export interface IpAllowlist {
  cidrs: string[];
  trustedProxies: string[];
  updatedAt?: string | null;
}

/** One refused connection. Only `ip` is certain; the rest is shown when present. */
export interface BlockedAttempt {
  ip: string;
  path?: string;
  method?: string;
  at?: string;
  userEmail?: string | null;
  [key: string]: unknown;
}

export const ipAllowlistQueryKey = ['admin', 'ip-allowlist'] as const;

export function ipAllowlistQuery() {
  return queryOptions({
    queryKey: ipAllowlistQueryKey,
    queryFn: ({ signal }) => api.get<IpAllowlist>('/api/v1/admin/ip-allowlist', signal),
  });
}

export function putIpAllowlistMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: { cidrs: string[]; trustedProxies: string[] }) =>
      api.put<IpAllowlist>('/api/v1/admin/ip-allowlist', body),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ipAllowlistQueryKey }),
  };
}

export function blockedAttemptsQuery() {
  return queryOptions({
    queryKey: [...ipAllowlistQueryKey, 'blocked'] as const,
    queryFn: async ({ signal }) => {
      const data = await api.get<{ blocked?: BlockedAttempt[]; attempts?: BlockedAttempt[] }>(
        '/api/v1/admin/ip-allowlist/blocked',
        signal,
      );
      // The contract says `blocked`; accept `attempts` too while both sides settle.
      return data.blocked ?? data.attempts ?? [];
    },
    refetchInterval: 30_000,
  });
}

import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api } from './client';

export interface Agent {
  id: string;
  name: string;
  version: string;
  connected: boolean;
  lastSeenAt: string | null;
  /** While connected: how it holds workspaces to their limits ('none': not at all, `note` says why). */
  resourceControl: { mechanism: 'cgroup-v2' | 'cgroup-v1' | 'none'; note: string; diskEnforced: boolean } | null;
  /** Its tunnel protocol, major.minor. */
  protocol: string;
  /** Why the portal last refused its tunnel (a version mismatch: what to upgrade). */
  refused: { reason: string; at: string } | null;
}

export const agentsQueryKey = ['agents'] as const;

export function agentsQuery() {
  return queryOptions({
    queryKey: agentsQueryKey,
    queryFn: async ({ signal }) => (await api.get<{ agents: Agent[] }>('/api/v1/agents', signal)).agents,
    refetchInterval: 15_000,
  });
}

export function createEnrollmentTokenMutation(queryClient: QueryClient) {
  return {
    mutationFn: () => api.post<{ token: string; expiresInSeconds: number }>('/api/v1/agents/enrollment-tokens'),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: agentsQueryKey }),
  };
}

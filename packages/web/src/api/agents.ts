import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { Agent, EnrollmentToken } from '@paddock/protocol';
import { api } from './client';

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
    mutationFn: () => api.post<EnrollmentToken>('/api/v1/agents/enrollment-tokens'),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: agentsQueryKey }),
  };
}

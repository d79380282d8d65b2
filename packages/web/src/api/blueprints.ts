import { queryOptions } from '@tanstack/react-query';
import type { Blueprint } from '@paddock/protocol';
import { api } from './client';

export function blueprintsQuery() {
  return queryOptions({
    queryKey: ['blueprints'] as const,
    queryFn: async ({ signal }) => {
      const { blueprints } = await api.get<{ blueprints: Blueprint[] }>('/api/v1/blueprints', signal);
      return blueprints;
    },
  });
}

export function blueprintQuery(id: string) {
  return queryOptions({
    queryKey: ['blueprints', id] as const,
    queryFn: ({ signal }) => api.get<Blueprint>(`/api/v1/blueprints/${encodeURIComponent(id)}`, signal),
    retry: false,
  });
}

import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { AdminWorkspacesQuery, AdminWorkspacesResponse } from '@paddock/protocol';
import { api } from './client';
import { isTransitional } from './workspaces';

export const adminWorkspacesQueryKey = ['admin', 'workspaces'] as const;

/** Everyone's workspaces (admins and auditors), filtered as the admin list asks. */
export function adminWorkspacesQuery(filter: AdminWorkspacesQuery) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value);
  const search = params.toString();
  return queryOptions({
    queryKey: [...adminWorkspacesQueryKey, filter] as const,
    queryFn: ({ signal }) => api.get<AdminWorkspacesResponse>(`/api/v1/admin/workspaces${search ? `?${search}` : ''}`, signal),
    placeholderData: (previous) => previous,
    // Faster while something is on its way up or down; slow otherwise (others change workspaces too).
    refetchInterval: (query) => (query.state.data?.workspaces.some((w) => isTransitional(w.state)) ? 3_000 : 15_000),
  });
}

export function refreshAdminWorkspaces(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: adminWorkspacesQueryKey });
}

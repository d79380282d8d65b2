import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { ApiToken, ChangePasswordRequest, ChangePasswordResponse, SessionInfo } from '@paddock/protocol';
import { api } from './client';

export const sessionsQueryKey = ['auth', 'sessions'] as const;
export const tokensQueryKey = ['tokens'] as const;

export function sessionsQuery() {
  return queryOptions({
    queryKey: sessionsQueryKey,
    queryFn: async ({ signal }) =>
      (await api.get<{ sessions: SessionInfo[] }>('/api/v1/auth/sessions', signal)).sessions,
  });
}

export function revokeSessionMutation(queryClient: QueryClient) {
  return {
    mutationFn: (id: string) => api.delete<void>(`/api/v1/auth/sessions/${encodeURIComponent(id)}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: sessionsQueryKey }),
  };
}

/** Change my password; my other sessions end (API tokens stay). */
export function changePasswordMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: ChangePasswordRequest) => api.post<ChangePasswordResponse>('/api/v1/auth/password', body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sessionsQueryKey }),
  };
}

export function tokensQuery() {
  return queryOptions({
    queryKey: tokensQueryKey,
    queryFn: async ({ signal }) => (await api.get<{ tokens: ApiToken[] }>('/api/v1/tokens', signal)).tokens,
  });
}

export function createTokenMutation(queryClient: QueryClient) {
  return {
    mutationFn: (name: string) => api.post<ApiToken & { token: string }>('/api/v1/tokens', { name }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: tokensQueryKey }),
  };
}

export function revokeTokenMutation(queryClient: QueryClient) {
  return {
    mutationFn: (id: string) => api.delete<void>(`/api/v1/tokens/${encodeURIComponent(id)}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: tokensQueryKey }),
  };
}

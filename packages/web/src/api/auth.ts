import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { LoginRequest, LogoutResponse, MeResponse } from '@paddock/protocol';
import { api, isApiError, setCsrfToken } from './client';
import { brandingQueryKey } from './branding';

export const meQueryKey = ['auth', 'me'] as const;

/** The signed-in session, or null when nobody is signed in. */
export function meQuery() {
  return queryOptions({
    queryKey: meQueryKey,
    queryFn: async ({ signal }): Promise<MeResponse | null> => {
      try {
        const me = await api.get<MeResponse>('/api/v1/auth/me', signal);
        setCsrfToken(me.csrfToken);
        return me;
      } catch (error) {
        if (isApiError(error) && error.isUnauthorized) {
          setCsrfToken(null);
          return null;
        }
        throw error;
      }
    },
    staleTime: Infinity,
  });
}

export function loginMutation(queryClient: QueryClient) {
  return {
    mutationFn: (credentials: LoginRequest) => api.post<MeResponse>('/api/v1/auth/login', credentials),
    onSuccess: (me: MeResponse) => {
      setCsrfToken(me.csrfToken);
      queryClient.setQueryData(meQueryKey, me);
    },
  };
}

export function logoutMutation(queryClient: QueryClient) {
  return {
    mutationFn: () => api.post<LogoutResponse | undefined>('/api/v1/auth/logout'),
    onSettled: () => forgetSession(queryClient),
  };
}

/** Drops everything cached for the session that ended. */
export function forgetSession(queryClient: QueryClient): void {
  setCsrfToken(null);
  // The brand is everyone's: kept, so the sign-in page doesn't flash Paddock's.
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== meQueryKey[0] && query.queryKey[0] !== brandingQueryKey[0] });
  queryClient.setQueryData(meQueryKey, null);
}

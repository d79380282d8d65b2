import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type {
  AcceptInviteRequest, CreateInviteRequest, Group, CreatedInvite, CreatedPasswordReset, Invite, InviteLookup, MeResponse, PasswordResetLookup,
  RedeemPasswordResetRequest, UpdateUserRequest, User,
} from '@paddock/protocol';
import { api } from './client';

export const usersQueryKey = ['users'] as const;
export const invitesQueryKey = ['invites'] as const;

/** Groups (SCIM or SSO), for what names a group: budgets. */
export function groupsQuery() {
  return queryOptions({
    queryKey: ['groups'] as const,
    queryFn: async ({ signal }) => (await api.get<{ groups: Group[] }>('/api/v1/groups', signal)).groups,
  });
}

export function usersQuery() {
  return queryOptions({
    queryKey: usersQueryKey,
    queryFn: async ({ signal }) => (await api.get<{ users: User[] }>('/api/v1/users', signal)).users,
  });
}

export function updateUserMutation(queryClient: QueryClient) {
  return {
    mutationFn: ({ id, ...body }: UpdateUserRequest & { id: string }) =>
      api.patch<User>(`/api/v1/users/${encodeURIComponent(id)}`, body),
    onSettled: () => queryClient.invalidateQueries({ queryKey: usersQueryKey }),
  };
}

export function removeUserMutation(queryClient: QueryClient) {
  return {
    mutationFn: (id: string) => api.delete<void>(`/api/v1/users/${encodeURIComponent(id)}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: usersQueryKey }),
  };
}

/** An admin's single-use reset link for a member, shown once. */
export function createPasswordResetMutation() {
  return {
    mutationFn: (id: string) => api.post<CreatedPasswordReset>(`/api/v1/users/${encodeURIComponent(id)}/password-reset`),
  };
}

/** Public: whose password a reset link sets, or a 404 when it expired or was used. */
export function passwordResetLookupQuery(token: string) {
  return queryOptions({
    queryKey: ['password-reset-lookup', token] as const,
    queryFn: () => api.post<PasswordResetLookup>('/api/v1/password-resets/lookup', { token }),
    staleTime: Infinity,
    retry: false,
  });
}

export function redeemPasswordReset(body: RedeemPasswordResetRequest): Promise<void> {
  return api.post<void>('/api/v1/password-resets/redeem', body);
}

/** Brings back a member an admin removed (PATCH active: true); any pending invite for them is dropped. */
export function reactivateUserMutation(queryClient: QueryClient) {
  return {
    mutationFn: (id: string) => api.patch<User>(`/api/v1/users/${encodeURIComponent(id)}`, { active: true }),
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: usersQueryKey }),
        queryClient.invalidateQueries({ queryKey: invitesQueryKey }),
      ]),
  };
}

export function invitesQuery() {
  return queryOptions({
    queryKey: invitesQueryKey,
    queryFn: async ({ signal }) => (await api.get<{ invites: Invite[] }>('/api/v1/invites', signal)).invites,
  });
}

export function createInviteMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: CreateInviteRequest) => api.post<CreatedInvite>('/api/v1/invites', body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: invitesQueryKey }),
  };
}

export function revokeInviteMutation(queryClient: QueryClient) {
  return {
    mutationFn: (id: string) => api.delete<void>(`/api/v1/invites/${encodeURIComponent(id)}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: invitesQueryKey }),
  };
}

/** Public: what an invite link is for, or a 404 when it expired or was used. */
export function inviteLookupQuery(token: string) {
  return queryOptions({
    queryKey: ['invite-lookup', token] as const,
    queryFn: () => api.post<InviteLookup>('/api/v1/invites/lookup', { token }),
    staleTime: Infinity,
    retry: false,
  });
}

export function acceptInvite(body: AcceptInviteRequest): Promise<MeResponse> {
  return api.post<MeResponse>('/api/v1/invites/accept', body);
}

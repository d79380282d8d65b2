import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { AuthMethods, AuthSettings, PutSsoRequest, ScimTokenResponse, SsoConfigResponse } from '@paddock/protocol';
import { api } from './client';

// The sign-in page's calls, then the admin side of sign-in: SSO settings,
// password sign-in, SCIM.

const methodsQueryKey = ['auth', 'methods'] as const;
export const ssoSettingsQueryKey = ['admin', 'sso'] as const;
export const authSettingsQueryKey = ['admin', 'auth-settings'] as const;

/** How one may sign in: a password, SSO, or both. */
export function authMethodsQuery() {
  return queryOptions({
    queryKey: methodsQueryKey,
    queryFn: ({ signal }) => api.get<AuthMethods>('/api/v1/auth/methods', signal),
    staleTime: 60_000,
  });
}

/** Full-page navigation: the server redirects on to the identity provider. */
export function startSso(returnTo: string | undefined): void {
  const query = returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : '';
  window.location.assign(`/api/v1/auth/oidc/start${query}`);
}

/** What a person is told when the SSO callback refused them (codes from the portal). */
export function ssoErrorMessage(code: string): string {
  switch (code) {
    case 'domain_not_allowed':
      return 'Your email domain is not allowed to sign in to Paddock. Ask an admin to add it.';
    case 'account_disabled':
      return 'Your Paddock account is deactivated. Ask an admin to restore it.';
    case 'email_not_verified':
      return 'Your identity provider has not verified your email address, so Paddock cannot sign you in with it.';
    case 'account_conflict':
      return 'This email is already linked to a different single sign-on identity.';
    case 'invalid_state':
      return 'That sign-in link expired or was already used. Please start again.';
    case 'sso_denied':
      return 'The identity provider did not sign you in.';
    case 'sso_unavailable':
      return 'The identity provider could not be reached. Try again in a moment.';
    case 'sso_not_configured':
      return 'Single sign-on is not configured.';
    default:
      return 'Single sign-on failed. Please try again, or ask an admin to check the audit log.';
  }
}

/** The SSO settings (admins and auditors); the client secret comes back masked. */
export function ssoSettingsQuery() {
  return queryOptions({
    queryKey: ssoSettingsQueryKey,
    queryFn: ({ signal }) => api.get<SsoConfigResponse>('/api/v1/admin/sso', signal),
  });
}

/** Omit clientSecret to keep the stored one. */
export function putSsoSettingsMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: PutSsoRequest) => api.put<SsoConfigResponse>('/api/v1/admin/sso', body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ssoSettingsQueryKey }),
  };
}

export function authSettingsQuery() {
  return queryOptions({
    queryKey: authSettingsQueryKey,
    queryFn: ({ signal }) => api.get<AuthSettings>('/api/v1/admin/auth-settings', signal),
  });
}

/** Turning local passwords off is refused (409) until SSO works. */
export function putAuthSettingsMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: AuthSettings) => api.put<AuthSettings>('/api/v1/admin/auth-settings', body),
    onSettled: () => queryClient.invalidateQueries({ queryKey: authSettingsQueryKey }),
  };
}

/** Makes a new SCIM bearer token; the previous one stops working at once. */
export function createScimToken(): Promise<ScimTokenResponse> {
  return api.post<ScimTokenResponse>('/api/v1/admin/scim-tokens');
}

import { z } from 'zod';
import { wellFormedString } from './strings.js';
import { roleSchema } from './api.js';

/** What the sign-in page offers. */
export const authMethodsSchema = z.object({
  password: z.boolean(),
  sso: z.object({ name: z.string() }).nullable(),
});
export type AuthMethods = z.infer<typeof authMethodsSchema>;

/** A claim value that grants a role; the first mapping that matches wins. */
export const ssoRoleMappingSchema = z.object({
  value: wellFormedString().trim().min(1).max(256),
  role: roleSchema,
});

const domain = wellFormedString().trim().toLowerCase()
  .regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'an email domain such as example.com');

/** The SSO settings an admin writes. The client secret is write-only: omit it to keep the stored one. */
export const putSsoRequestSchema = z.object({
  enabled: z.boolean().default(true),
  name: wellFormedString().trim().min(1).max(64).default('SSO'),
  issuer: wellFormedString().trim().max(2048).pipe(z.url())
    .refine((u) => /^https?:\/\//.test(u), 'the issuer is an http(s) URL')
    .refine((u) => !u.includes('?') && !u.includes('#'), 'the issuer has no query or fragment'),
  clientId: wellFormedString().trim().min(1).max(512),
  clientSecret: wellFormedString().min(1).max(4096).optional(),
  allowedDomains: z.array(domain).max(100).default([]),
  roleClaim: wellFormedString().trim().min(1).max(128).default('groups'),
  roleMappings: z.array(ssoRoleMappingSchema).max(100).default([]),
  defaultRole: roleSchema.default('builder'),
  /** A claim listing the user's groups, synced into Paddock groups on every sign-in; null to ignore groups. */
  groupsClaim: wellFormedString().trim().min(1).max(128).nullable().default('groups'),
});
export type PutSsoRequest = z.input<typeof putSsoRequestSchema>;

/** The SSO settings as the API shows them: the secret is only ever a mask. */
export const ssoConfigSchema = z.object({
  /** `environment` when PADDOCK_OIDC_* variables are set: they win, and PUT is refused. */
  source: z.enum(['environment', 'settings', 'none']),
  config: z.object({
    enabled: z.boolean(),
    name: z.string(),
    issuer: z.string(),
    clientId: z.string(),
    clientSecret: z.string().nullable(),
    allowedDomains: z.array(z.string()),
    roleClaim: z.string(),
    roleMappings: z.array(ssoRoleMappingSchema),
    defaultRole: roleSchema,
    groupsClaim: z.string().nullable(),
  }).nullable(),
  /** Where the identity provider must send people back (register it there). */
  callbackUrl: z.string().nullable(),
});
export type SsoConfigResponse = z.infer<typeof ssoConfigSchema>;

export const authSettingsSchema = z.object({ localPasswords: z.boolean() });
export type AuthSettings = z.infer<typeof authSettingsSchema>;

export const logoutResponseSchema = z.object({
  /** The identity provider's end-session URL, when the session came from SSO and it has one. */
  redirectTo: z.string().nullable(),
});
export type LogoutResponse = z.infer<typeof logoutResponseSchema>;

/** Codes the SSO callback puts in /login?error=… */
export const SSO_ERROR_CODES = [
  'sso_failed', 'sso_unavailable', 'sso_not_configured', 'sso_denied', 'invalid_state',
  'domain_not_allowed', 'email_not_verified', 'account_disabled', 'account_conflict',
] as const;
export type SsoErrorCode = (typeof SSO_ERROR_CODES)[number];

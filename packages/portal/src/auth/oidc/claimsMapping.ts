import type { Role } from '@paddock/protocol';
import type { SsoConfig } from './ssoConfig.js';

/** What Paddock takes from an identity provider's claims. */
export interface MappedIdentity {
  subject: string;
  email: string;
  /** true, false, or undefined when the provider doesn't say. */
  emailVerified: boolean | undefined;
  name: string;
  role: Role;
  groups: string[];
}

const MAX_GROUPS = 200;

/** A claim as a list of strings: a string, an array of strings, or nothing. */
export function claimValues(claims: Record<string, unknown>, name: string): string[] {
  const v = claims[name];
  if (typeof v === 'string') return v ? [v] : [];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && x.length > 0);
  return [];
}

/** The first role mapping whose value the role claim carries; else the default role. */
export function mapRole(claims: Record<string, unknown>, config: Pick<SsoConfig, 'roleClaim' | 'roleMappings' | 'defaultRole'>): Role {
  const values = new Set(claimValues(claims, config.roleClaim));
  return config.roleMappings.find((m) => values.has(m.value))?.role ?? config.defaultRole;
}

export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/** An empty list allows every domain. */
export function domainAllowed(email: string, allowedDomains: string[]): boolean {
  return allowedDomains.length === 0 || allowedDomains.includes(emailDomain(email));
}

/** Paddock's view of a signed-in user's claims, or a reason it can't have one. */
export function mapClaims(
  issuer: string, claims: Record<string, unknown>, config: SsoConfig,
): MappedIdentity | { problem: 'no_email' } {
  const sub = claims.sub;
  const rawEmail = claims.email;
  if (typeof sub !== 'string' || typeof rawEmail !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(rawEmail.trim())) {
    return { problem: 'no_email' };
  }
  const email = rawEmail.trim().toLowerCase();
  const verified = claims.email_verified;
  const given = [claims.given_name, claims.family_name].filter((x) => typeof x === 'string' && x).join(' ');
  const name = (typeof claims.name === 'string' && claims.name.trim()) || given || email.slice(0, email.indexOf('@'));
  const groups = config.groupsClaim
    ? [...new Set(claimValues(claims, config.groupsClaim).map((g) => g.trim()).filter((g) => g && g.length <= 256))].slice(0, MAX_GROUPS)
    : [];
  return {
    subject: `${issuer}|${sub}`,
    email,
    emailVerified: typeof verified === 'boolean' ? verified : verified === 'true' ? true : verified === 'false' ? false : undefined,
    name: name.slice(0, 128),
    role: mapRole(claims, config),
    groups,
  };
}

/** Only a same-origin path: never another origin, a protocol-relative URL or a backslash trick. */
export function safeReturnTo(value: string | undefined): string {
  if (!value || value.length > 2048) return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\') || /[\u0000-\u001f]/.test(value)) return '/';
  if (value.startsWith('/api/') || value === '/login' || value.startsWith('/login?')) return '/';
  return value;
}

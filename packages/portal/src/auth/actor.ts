import type { Role, User } from '@paddock/protocol';

/** Who is making a request. Services take an Actor and scope what they do by it. */
export interface UserActor {
  kind: 'user';
  user: User;
  via: 'session' | 'token';
  /** Set for cookie sessions: the session's hash (for logout) and its CSRF token. */
  sessionHash?: string;
  csrfToken?: string;
}

export const isAdmin = (actor: UserActor): boolean => actor.user.role === 'admin';
/** Admins and auditors see everyone's resources (auditors only read them). */
export const canSeeAll = (actor: UserActor): boolean => actor.user.role === 'admin' || actor.user.role === 'auditor';
export const hasRole = (actor: UserActor, roles: readonly Role[]): boolean => roles.includes(actor.user.role);

import { userInfo } from 'node:os';
import type { Role, User } from '@paddock/protocol';

/** A signed-in person making a request. */
export interface UserActor {
  kind: 'user';
  user: User;
  via: 'session' | 'token';
  /** Set for cookie sessions: the session's hash (for logout) and its CSRF token. */
  sessionHash?: string;
  csrfToken?: string;
}

/**
 * The parts of Paddock that act on their own, each by its name, never as a user:
 * - reconciler: turns owners' wishes into commands and records what runtimes report
 * - policy-sweeper: level-triggered policy passes (today: stopping workspaces whose owner lost blueprint access)
 * - agent: a runtime agent reporting on the workspaces it runs (`id` is the agent's)
 * - scim: the identity provider, provisioning through /scim/v2
 * - sso: single sign-on creating and syncing accounts at sign-in
 * - operator: `paddock admin` on the database (`id` is the host account that ran it)
 * - bootstrap: the first start (the first admin, the starter blueprints)
 */
export const SYSTEM_ACTOR_NAMES = ['reconciler', 'policy-sweeper', 'agent', 'scim', 'sso', 'operator', 'bootstrap'] as const;
export type SystemActorName = (typeof SYSTEM_ACTOR_NAMES)[number];

export interface SystemActor {
  kind: 'system';
  name: SystemActorName;
  /** Which one, where there can be several: the agent's id, the operator's host account. */
  id?: string;
}

/** Who does something: a person, or a named part of the system. Services take one and ask the policy (authz/) what it may do. */
export type Actor = UserActor | SystemActor;

const system = (name: SystemActorName, id?: string): SystemActor => Object.freeze({ kind: 'system', name, ...(id ? { id } : {}) });

export const RECONCILER: SystemActor = system('reconciler');
export const POLICY_SWEEPER: SystemActor = system('policy-sweeper');
export const SCIM_ACTOR: SystemActor = system('scim');
export const SSO_ACTOR: SystemActor = system('sso');
export const BOOTSTRAP: SystemActor = system('bootstrap');
export const agentActor = (agentId: string): SystemActor => system('agent', agentId);
export const operatorActor = (hostAccount: string): SystemActor => system('operator', hostAccount);

/** Who an operator command (`paddock admin …`) acts as: the operator, with the host account that ran it. */
export function currentOperator(): SystemActor {
  let hostAccount = 'unknown';
  try { hostAccount = userInfo().username; } catch { /* no passwd entry for this uid */ }
  return operatorActor(hostAccount);
}

export const isUser = (actor: Actor): actor is UserActor => actor.kind === 'user';
export const isSystem = (actor: Actor, name: SystemActorName): boolean => actor.kind === 'system' && actor.name === name;
export const hasRole = (actor: UserActor, roles: readonly Role[]): boolean => roles.includes(actor.user.role);

import { useQuery } from '@tanstack/react-query';
import type { Role, User } from '@paddock/protocol';
import { meQuery } from '../../api/auth';

/** Admins and auditors see the admin area; only admins change anything in it. */
export function canSeeAdmin(role: Role | undefined): boolean {
  return role === 'admin' || role === 'auditor';
}

export function canManage(role: Role | undefined): boolean {
  return role === 'admin';
}

/** The signed-in user; the authenticated route guarantees there is one. */
export function useCurrentUser(): User | undefined {
  return useQuery(meQuery()).data?.user;
}

/** True for admins: write buttons show. Auditors get the same pages, read-only. */
export function useCanManage(): boolean {
  return canManage(useCurrentUser()?.role);
}

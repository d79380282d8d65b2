import { infiniteQueryOptions } from '@tanstack/react-query';
import type { AuditPage, AuditVerifyResult } from '@paddock/protocol';
import { api } from './client';

const PAGE_SIZE = 100;


/** The audit trail, newest first, paged backwards with ?before=. */
export function auditLogQuery(action: string) {
  return infiniteQueryOptions({
    queryKey: ['audit', { action }] as const,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => {
      const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (pageParam) params.set('before', pageParam);
      if (action) params.set('action', action);
      return api.get<AuditPage>(`/api/v1/audit?${params.toString()}`, signal);
    },
    getNextPageParam: (last) => last.nextBefore ?? undefined,
  });
}

export function verifyAuditLog(): Promise<AuditVerifyResult> {
  return api.get<AuditVerifyResult>('/api/v1/audit/verify');
}

import { infiniteQueryOptions } from '@tanstack/react-query';
import type { AuditEntry } from '@paddock/protocol';
import { api } from './client';

const PAGE_SIZE = 100;

interface AuditPage {
  entries: AuditEntry[];
  nextBefore: string | null;
}

export type AuditVerifyResult =
  | { ok: true; checked: number }
  | { ok: false; checked: number; firstBadId: string; reason: string };

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

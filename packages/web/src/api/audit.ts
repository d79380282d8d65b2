import { infiniteQueryOptions } from '@tanstack/react-query';
import type { AuditFilter, AuditPage, AuditVerifyResult } from '@paddock/protocol';
import { api } from './client';

const PAGE_SIZE = 100;

/** The filters as query parameters (only those set). */
function filterParams(filter: AuditFilter): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value);
  return params;
}

/** The audit trail, newest first, paged backwards with ?before=, narrowed by the filters. */
export function auditLogQuery(filter: AuditFilter) {
  return infiniteQueryOptions({
    queryKey: ['audit', filter] as const,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => {
      const params = filterParams(filter);
      params.set('limit', String(PAGE_SIZE));
      if (pageParam) params.set('before', pageParam);
      return api.get<AuditPage>(`/api/v1/audit?${params.toString()}`, signal);
    },
    getNextPageParam: (last) => last.nextBefore ?? undefined,
  });
}

/** Where the browser downloads the filtered trail (every page of it, not only those shown), as CSV or JSON. */
export function auditExportUrl(filter: AuditFilter, format: 'csv' | 'json'): string {
  const params = filterParams(filter);
  params.set('format', format);
  return `/api/v1/audit/export?${params.toString()}`;
}

export function verifyAuditLog(): Promise<AuditVerifyResult> {
  return api.get<AuditVerifyResult>('/api/v1/audit/verify');
}

import { queryOptions } from '@tanstack/react-query';
import type { PreviewLink, PreviewPorts } from '@paddock/protocol';
import { api } from './client';

/** Detected dev servers move as the builder starts and stops them: poll. */
const PORTS_POLL_MS = 3_000;

export function previewPortsQuery(workspaceId: string) {
  return queryOptions({
    queryKey: ['workspaces', workspaceId, 'previews'] as const,
    queryFn: ({ signal }) => api.get<PreviewPorts>(`/api/v1/workspaces/${encodeURIComponent(workspaceId)}/previews`, signal),
    refetchInterval: PORTS_POLL_MS,
  });
}

/** A fresh one-time link: every frame load and every new tab needs its own. */
export function createPreviewLink(workspaceId: string, port: number): Promise<PreviewLink> {
  return api.post<PreviewLink>(`/api/v1/workspaces/${encodeURIComponent(workspaceId)}/previews`, { port });
}

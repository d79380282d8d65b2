import { queryOptions } from '@tanstack/react-query';
import type { FileContent, FileListing, FileWritten } from '@paddock/protocol';
import { api } from './client';

const filesBase = (workspaceId: string) => `/api/v1/workspaces/${encodeURIComponent(workspaceId)}/files`;
const withPath = (url: string, path: string) => `${url}?path=${encodeURIComponent(path)}`;

export const filesQueryKey = (workspaceId: string) => ['workspaces', workspaceId, 'files'] as const;

/** One folder of the workspace ('' is /workspace). Polled so files the AI writes show up. */
export function folderQuery(workspaceId: string, path: string, pollMs: number | false = 5_000) {
  return queryOptions({
    queryKey: [...filesQueryKey(workspaceId), 'folder', path] as const,
    queryFn: ({ signal }) => api.get<FileListing>(withPath(filesBase(workspaceId), path), signal),
    refetchInterval: pollMs,
  });
}

export function readFile(workspaceId: string, path: string, signal?: AbortSignal): Promise<FileContent> {
  return api.get<FileContent>(withPath(`${filesBase(workspaceId)}/content`, path), signal);
}

/**
 * Writes a file. `etag` guards the write (409 `conflict` when the file changed since);
 * 'new' creates only; undefined overwrites whatever is there.
 */
export function writeFile(workspaceId: string, path: string, content: string, etag?: string | 'new'): Promise<FileWritten> {
  const headers: Record<string, string> = {};
  if (etag === 'new') headers['if-none-match'] = '*';
  else if (etag) headers['if-match'] = etag;
  return api.putText<FileWritten>(withPath(`${filesBase(workspaceId)}/content`, path), content, headers);
}

export function deletePath(workspaceId: string, path: string): Promise<void> {
  return api.delete<void>(withPath(filesBase(workspaceId), path));
}

export function renamePath(workspaceId: string, from: string, to: string): Promise<void> {
  return api.post<void>(`${filesBase(workspaceId)}/rename`, { from, to });
}

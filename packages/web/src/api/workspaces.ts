import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { CreateWorkspaceRequest, TerminalTicket, UpdateWorkspaceRequest, Workspace, WorkspaceState } from '@paddock/protocol';
import { ApiError, api } from './client';

export const workspacesQueryKey = ['workspaces'] as const;

const TRANSITIONAL: readonly WorkspaceState[] = ['pending', 'starting', 'stopping'];

export function isTransitional(state: WorkspaceState): boolean {
  return TRANSITIONAL.includes(state);
}

// Live updates come over SSE; a slow poll while a workspace is changing state
// only covers for a dropped event stream.
const FALLBACK_POLL_MS = 5_000;

export function workspacesQuery() {
  return queryOptions({
    queryKey: workspacesQueryKey,
    queryFn: async ({ signal }) => {
      const { workspaces } = await api.get<{ workspaces: Workspace[] }>('/api/v1/workspaces', signal);
      return workspaces.filter((w) => w.state !== 'deleted');
    },
    refetchInterval: (query) =>
      query.state.data?.some((w) => isTransitional(w.state)) ? FALLBACK_POLL_MS : false,
  });
}

export function workspaceQuery(workspaceId: string) {
  return queryOptions({
    queryKey: [...workspacesQueryKey, workspaceId] as const,
    queryFn: ({ signal }) => api.get<Workspace>(`/api/v1/workspaces/${encodeURIComponent(workspaceId)}`, signal),
    refetchInterval: (query) => {
      const state = query.state.data?.state;
      return state && isTransitional(state) ? FALLBACK_POLL_MS : false;
    },
  });
}

/** Writes one workspace, as the server last described it, into every cached view. */
export function storeWorkspace(queryClient: QueryClient, workspace: Workspace): void {
  queryClient.setQueryData(workspaceQuery(workspace.id).queryKey, (previous) =>
    previous && previous.updatedAt > workspace.updatedAt ? previous : workspace,
  );
  queryClient.setQueryData(workspacesQuery().queryKey, (list) => {
    if (!list) return list;
    if (workspace.state === 'deleted') return list.filter((w) => w.id !== workspace.id);
    const index = list.findIndex((w) => w.id === workspace.id);
    if (index === -1) return [workspace, ...list];
    const current = list[index];
    if (current && current.updatedAt > workspace.updatedAt) return list;
    return list.map((w) => (w.id === workspace.id ? workspace : w));
  });
}

export function createWorkspaceMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: CreateWorkspaceRequest) => api.post<Workspace>('/api/v1/workspaces', body),
    onSuccess: (workspace: Workspace) => storeWorkspace(queryClient, workspace),
  };
}

/** Renames it: its display name (the internal name stays). */
export function renameWorkspaceMutation(queryClient: QueryClient) {
  return {
    mutationFn: ({ workspaceId, ...body }: UpdateWorkspaceRequest & { workspaceId: string }) =>
      api.patch<Workspace>(`/api/v1/workspaces/${encodeURIComponent(workspaceId)}`, body),
    onSuccess: (workspace: Workspace) => storeWorkspace(queryClient, workspace),
  };
}

export type WorkspaceAction = 'start' | 'stop' | 'delete';

export function workspaceActionMutation(queryClient: QueryClient) {
  return {
    mutationFn: ({ workspaceId, action }: { workspaceId: string; action: WorkspaceAction }) => {
      const path = `/api/v1/workspaces/${encodeURIComponent(workspaceId)}`;
      return action === 'delete' ? api.delete<Workspace>(path) : api.post<Workspace>(`${path}/${action}`);
    },
    onSuccess: (workspace: Workspace) => storeWorkspace(queryClient, workspace),
  };
}

/** Keep running: pushes the idle stop from now (the lifetime still bounds it). */
export function keepAliveMutation(queryClient: QueryClient) {
  return {
    mutationFn: (workspaceId: string) => api.post<Workspace>(`/api/v1/workspaces/${encodeURIComponent(workspaceId)}/keep-alive`),
    onSuccess: (workspace: Workspace) => storeWorkspace(queryClient, workspace),
  };
}

/** The workspaces a quota_exceeded refusal names as running (null for any other error): the UI offers to stop one. */
export function quotaRefusal(error: unknown): { limit: number; running: Array<{ id: string; name: string }> } | null {
  if (!(error instanceof ApiError) || error.code !== 'quota_exceeded') return null;
  const running = Array.isArray(error.details?.running) ? (error.details.running as Array<{ id: string; name: string }>) : [];
  return { limit: Number(error.details?.limit) || running.length, running };
}

export function createTerminalTicket(workspaceId: string): Promise<TerminalTicket> {
  return api.post<TerminalTicket>(`/api/v1/workspaces/${encodeURIComponent(workspaceId)}/terminal-tickets`);
}

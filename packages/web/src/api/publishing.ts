import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { AppVersion, CreatePublishRequest, PublishedApp, PublishRequest, PublishRequestDetail, PublishState, PublishStatus } from '@paddock/protocol';
import { api } from './client';

const publishKey = ['publish-requests'] as const;

/** Publish requests: everyone's for admins and auditors, one's own otherwise; newest first. Live over the event stream. */
export function publishRequestsQuery(state?: PublishState) {
  return queryOptions({
    queryKey: [...publishKey, 'list', state ?? 'all'] as const,
    queryFn: async ({ signal }) => (await api.get<{ items: PublishRequest[] }>(`/api/v1/publish-requests${state ? `?state=${state}` : ''}`, signal)).items,
  });
}

/** One request with its diff, read from the workspace's agent as it is asked (never kept by the portal). */
export function publishRequestQuery(id: string) {
  return queryOptions({
    queryKey: [...publishKey, 'one', id] as const,
    queryFn: ({ signal }) => api.get<PublishRequestDetail>(`/api/v1/publish-requests/${encodeURIComponent(id)}`, signal),
  });
}

/**
 * Whether a running workspace has anything new to publish (its agent compares the files with the
 * version last published). Under the publish key, so a publish event or our own request asks again;
 * files change without any event (the AI writes them), so it is asked again now and then while shown.
 */
export function publishStatusQuery(workspaceId: string, running: boolean) {
  return queryOptions({
    queryKey: [...publishKey, 'status', workspaceId] as const,
    queryFn: ({ signal }) => api.get<PublishStatus>(`/api/v1/workspaces/${encodeURIComponent(workspaceId)}/publish-status`, signal),
    enabled: running,
    // The agent reads every file to answer: a poll, not a stream.
    refetchInterval: running ? 30_000 : false,
  });
}

export function createPublishRequestMutation(queryClient: QueryClient) {
  return {
    mutationFn: ({ workspaceId, request }: { workspaceId: string; request: CreatePublishRequest }) =>
      api.post<PublishRequest>(`/api/v1/workspaces/${encodeURIComponent(workspaceId)}/publish-requests`, request),
    onSettled: () => refreshPublishRequests(queryClient),
  };
}

export function decidePublishRequestMutation(queryClient: QueryClient) {
  return {
    mutationFn: ({ id, decision, feedback }: { id: string; decision: 'approve' | 'reject'; feedback?: string }) =>
      api.post<PublishRequest>(`/api/v1/publish-requests/${encodeURIComponent(id)}/${decision}`, decision === 'reject' ? { feedback } : undefined),
    onSettled: () => refreshPublishRequests(queryClient),
  };
}

/** A `publish` event (or our own change): every view of publish requests looks again. */
export function refreshPublishRequests(queryClient: QueryClient): void {
  void queryClient.invalidateQueries({ queryKey: publishKey });
}

const appsKey = [...publishKey, 'apps'] as const;

/** Published apps: everyone's for admins and auditors, one's own otherwise. Live with the publish events (same key prefix). */
export function appsQuery() {
  return queryOptions({
    queryKey: [...appsKey, 'list'] as const,
    queryFn: async ({ signal }) => (await api.get<{ items: PublishedApp[] }>('/api/v1/apps', signal)).items,
  });
}

export function appVersionsQuery(subdomain: string) {
  return queryOptions({
    queryKey: [...appsKey, 'versions', subdomain] as const,
    queryFn: async ({ signal }) => (await api.get<{ items: AppVersion[] }>(`/api/v1/apps/${encodeURIComponent(subdomain)}/versions`, signal)).items,
  });
}

export function rollbackAppMutation(queryClient: QueryClient) {
  return {
    mutationFn: ({ subdomain, version }: { subdomain: string; version: string }) =>
      api.post<PublishedApp>(`/api/v1/apps/${encodeURIComponent(subdomain)}/rollback`, { version }),
    onSettled: () => refreshPublishRequests(queryClient),
  };
}

export function unpublishAppMutation(queryClient: QueryClient) {
  return {
    mutationFn: ({ subdomain }: { subdomain: string }) => api.post<PublishedApp>(`/api/v1/apps/${encodeURIComponent(subdomain)}/unpublish`),
    onSettled: () => refreshPublishRequests(queryClient),
  };
}

/** A one-time link that signs the member in to an app on its own origin (the app's sign-in hop). */
export async function appSignInLink(subdomain: string, path: string): Promise<string> {
  return (await api.get<{ url: string }>(`/api/v1/apps/${encodeURIComponent(subdomain)}/sign-in-link?path=${encodeURIComponent(path)}`)).url;
}

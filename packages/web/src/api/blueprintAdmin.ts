import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { Blueprint, BlueprintAccess, CreateBlueprintRequest, GitRemoteStatus, LlmKeyStatus, PutGitRemote, SecretInfo, UpdateBlueprintRequest } from '@paddock/protocol';
import { blueprintsQuery } from './blueprints';
import { api } from './client';

const path = (id: string) => `/api/v1/blueprints/${encodeURIComponent(id)}`;

export function blueprintQuery(id: string) {
  return queryOptions({
    queryKey: ['blueprints', id] as const,
    queryFn: ({ signal }) => api.get<Blueprint>(path(id), signal),
  });
}

export function createBlueprintMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: CreateBlueprintRequest) => api.post<Blueprint>('/api/v1/blueprints', body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: blueprintsQuery().queryKey }),
  };
}

export function updateBlueprintMutation(queryClient: QueryClient, id: string) {
  return {
    mutationFn: (body: UpdateBlueprintRequest) => api.patch<Blueprint>(path(id), body),
    onSuccess: (blueprint: Blueprint) => {
      queryClient.setQueryData(blueprintQuery(id).queryKey, blueprint);
      return queryClient.invalidateQueries({ queryKey: blueprintsQuery().queryKey });
    },
  };
}

export function blueprintAccessQuery(id: string) {
  return queryOptions({
    queryKey: ['blueprints', id, 'access'] as const,
    queryFn: ({ signal }) => api.get<BlueprintAccess>(`${path(id)}/access`, signal),
  });
}

export function putBlueprintAccessMutation(queryClient: QueryClient, id: string) {
  return {
    mutationFn: (body: BlueprintAccess) => api.put<BlueprintAccess>(`${path(id)}/access`, body),
    onSuccess: (access: BlueprintAccess) => {
      queryClient.setQueryData(blueprintAccessQuery(id).queryKey, access);
      // The blueprint's own `access` flag changes with it.
      return queryClient.invalidateQueries({ queryKey: blueprintsQuery().queryKey });
    },
  };
}

/** Admins only: names and masks, never values. */
export function blueprintSecretsQuery(id: string) {
  return queryOptions({
    queryKey: ['blueprints', id, 'secrets'] as const,
    queryFn: async ({ signal }) =>
      (await api.get<{ secrets: SecretInfo[] }>(`${path(id)}/secrets`, signal)).secrets,
  });
}

export function putBlueprintSecretMutation(queryClient: QueryClient, id: string) {
  return {
    mutationFn: ({ name, value }: { name: string; value: string }) =>
      api.put<unknown>(`${path(id)}/secrets/${encodeURIComponent(name)}`, { value }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: blueprintSecretsQuery(id).queryKey }),
  };
}

export function deleteBlueprintSecretMutation(queryClient: QueryClient, id: string) {
  return {
    mutationFn: (name: string) => api.delete<void>(`${path(id)}/secrets/${encodeURIComponent(name)}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: blueprintSecretsQuery(id).queryKey }),
  };
}

/** Admins and auditors: the git remote approved versions are pushed to; whether a token is saved, never the token. */
export function blueprintGitRemoteQuery(id: string) {
  return queryOptions({
    queryKey: ['blueprints', id, 'git-remote'] as const,
    queryFn: ({ signal }) => api.get<GitRemoteStatus>(`${path(id)}/git-remote`, signal),
  });
}

export function putBlueprintGitRemoteMutation(queryClient: QueryClient, id: string) {
  return {
    mutationFn: (body: PutGitRemote) => api.put<GitRemoteStatus>(`${path(id)}/git-remote`, body),
    onSuccess: (status: GitRemoteStatus) => queryClient.setQueryData(blueprintGitRemoteQuery(id).queryKey, status),
  };
}

export function deleteBlueprintGitRemoteMutation(queryClient: QueryClient, id: string) {
  return {
    mutationFn: () => api.delete<void>(`${path(id)}/git-remote`),
    onSuccess: () => queryClient.setQueryData<GitRemoteStatus>(blueprintGitRemoteQuery(id).queryKey, { remote: null }),
  };
}

/** Archive or bring back, duplicate, delete: each answers with the blueprint (the copy), or nothing for a delete. */
export function blueprintLifecycleMutation(queryClient: QueryClient, id: string) {
  return {
    mutationFn: async (action: { kind: 'archive' | 'unarchive' } | { kind: 'duplicate'; name: string } | { kind: 'delete' }): Promise<Blueprint | null> => {
      switch (action.kind) {
        case 'archive':
        case 'unarchive':
          return api.post<Blueprint>(`${path(id)}/${action.kind}`);
        case 'duplicate':
          return api.post<Blueprint>(`${path(id)}/duplicate`, { name: action.name });
        case 'delete':
          await api.delete<void>(path(id));
          return null;
      }
    },
    onSuccess: (blueprint: Blueprint | null) => {
      if (blueprint && blueprint.id === id) queryClient.setQueryData(blueprintQuery(id).queryKey, blueprint);
      if (!blueprint) queryClient.removeQueries({ queryKey: blueprintQuery(id).queryKey });
      return queryClient.invalidateQueries({ queryKey: blueprintsQuery().queryKey, exact: true });
    },
  };
}

/** Whether the blueprint's model provider key is set, and since when; never the key. */
export function blueprintLlmKeyQuery(id: string) {
  return queryOptions({
    queryKey: ['blueprints', id, 'llm-key'] as const,
    queryFn: ({ signal }) => api.get<LlmKeyStatus>(`${path(id)}/llm-key`, signal),
  });
}

/** Sets (a value) or removes (null) the provider key. */
export function blueprintLlmKeyMutation(queryClient: QueryClient, id: string) {
  return {
    mutationFn: async (value: string | null): Promise<LlmKeyStatus> => {
      if (value !== null) return api.put<LlmKeyStatus>(`${path(id)}/llm-key`, { value });
      await api.delete<void>(`${path(id)}/llm-key`);
      return { set: false, updatedAt: null };
    },
    onSuccess: (status: LlmKeyStatus) => queryClient.setQueryData(blueprintLlmKeyQuery(id).queryKey, status),
  };
}

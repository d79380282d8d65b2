import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { BlueprintResourcePolicy, ResourcePolicy, ResourcePolicyImpact } from '@paddock/protocol';
import { api } from './client';
import { workspacesQueryKey } from './workspaces';

export const orgPolicyQueryKey = ['admin', 'policies'] as const;
const blueprintPolicyKey = (id: string) => ['blueprints', id, 'policies'] as const;

export function orgPolicyQuery() {
  return queryOptions({ queryKey: orgPolicyQueryKey, queryFn: ({ signal }) => api.get<ResourcePolicy>('/api/v1/admin/policies', signal) });
}

export function blueprintPolicyQuery(blueprintId: string) {
  return queryOptions({
    queryKey: blueprintPolicyKey(blueprintId),
    queryFn: ({ signal }) => api.get<BlueprintResourcePolicy>(`/api/v1/blueprints/${encodeURIComponent(blueprintId)}/policies`, signal),
  });
}

/** Saving moves workspaces' deadlines: their cached views are read again too. */
export function putOrgPolicyMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: ResourcePolicy) => api.put<ResourcePolicy>('/api/v1/admin/policies', body),
    onSuccess: (saved: ResourcePolicy) => {
      queryClient.setQueryData(orgPolicyQueryKey, saved);
      void queryClient.invalidateQueries({ queryKey: workspacesQueryKey });
    },
  };
}

export function putBlueprintPolicyMutation(queryClient: QueryClient, blueprintId: string) {
  return {
    mutationFn: (body: BlueprintResourcePolicy) => api.put<BlueprintResourcePolicy>(`/api/v1/blueprints/${encodeURIComponent(blueprintId)}/policies`, body),
    onSuccess: (saved: BlueprintResourcePolicy) => {
      queryClient.setQueryData(blueprintPolicyKey(blueprintId), saved);
      void queryClient.invalidateQueries({ queryKey: workspacesQueryKey });
    },
  };
}

/** What saving a candidate would do now (nothing is saved). */
export function policyImpact(target: { org: ResourcePolicy } | { blueprintId: string; policy: BlueprintResourcePolicy }): Promise<ResourcePolicyImpact> {
  return 'org' in target
    ? api.post<ResourcePolicyImpact>('/api/v1/admin/policies/impact', target.org)
    : api.post<ResourcePolicyImpact>(`/api/v1/blueprints/${encodeURIComponent(target.blueprintId)}/policies/impact`, target.policy);
}

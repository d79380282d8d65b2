import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type {
  ApprovalDecisionRequest, ApprovalItem, ApprovalState, GovernanceEventFilter, GovernanceEventsPage, GovernanceHealthReport, GovernanceOverride,
  GovernancePolicy, GovernanceSuggestions, KillSwitch, KillSwitchChange, SimulationReport,
} from '@paddock/protocol';
import { api } from './client';

export const governanceQueryKey = ['governance'] as const;

export function governancePolicyQuery() {
  return queryOptions({
    queryKey: [...governanceQueryKey, 'policy'] as const,
    queryFn: ({ signal }) => api.get<GovernancePolicy>('/api/v1/governance/policy', signal),
  });
}

export function putGovernancePolicyMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: GovernancePolicy) => api.put<GovernancePolicy>('/api/v1/governance/policy', body),
    onSuccess: (saved: GovernancePolicy) => queryClient.setQueryData(governancePolicyQuery().queryKey, saved),
  };
}

const overridePath = (blueprintId: string) => `/api/v1/blueprints/${encodeURIComponent(blueprintId)}/governance`;

export function governanceOverrideQuery(blueprintId: string) {
  return queryOptions({
    queryKey: [...governanceQueryKey, 'override', blueprintId] as const,
    queryFn: ({ signal }) => api.get<GovernanceOverride>(overridePath(blueprintId), signal),
  });
}

export function putGovernanceOverrideMutation(queryClient: QueryClient, blueprintId: string) {
  return {
    mutationFn: (body: GovernanceOverride) => api.put<GovernanceOverride>(overridePath(blueprintId), body),
    onSuccess: (saved: GovernanceOverride) => {
      queryClient.setQueryData(governanceOverrideQuery(blueprintId).queryKey, saved);
      // What is left to suggest depends on the override.
      void queryClient.invalidateQueries({ queryKey: suggestionsQueryKey(blueprintId) });
    },
  };
}

/** The query string of an event filter, with the keys left out that are unset. */
export function eventFilterSearch(filter: GovernanceEventFilter): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export const governanceEventsQueryKey = (filter: GovernanceEventFilter) => [...governanceQueryKey, 'events', filter] as const;

/** The newest events that pass the filter (the live feed adds to them). */
export function governanceEventsQuery(filter: GovernanceEventFilter) {
  return queryOptions({
    queryKey: governanceEventsQueryKey(filter),
    queryFn: ({ signal }) => api.get<GovernanceEventsPage>(`/api/v1/governance/events${eventFilterSearch(filter)}`, signal),
  });
}

/** Whether each running workspace's hooks, gateway and proxy serve it; agents say so as it changes. */
export function governanceHealthQuery() {
  return queryOptions({
    queryKey: [...governanceQueryKey, 'health'] as const,
    queryFn: ({ signal }) => api.get<GovernanceHealthReport>('/api/v1/governance/health', signal),
    refetchInterval: 10_000,
  });
}

const approvalsKey = [...governanceQueryKey, 'approvals'] as const;

export function governanceApprovalsQuery(state: ApprovalState = 'pending') {
  return queryOptions({
    queryKey: [...approvalsKey, state] as const,
    queryFn: async ({ signal }) => (await api.get<{ items: ApprovalItem[] }>(`/api/v1/governance/approvals?state=${state}`, signal)).items,
    // Holds arrive from agents at any time; the queue looks again every few seconds.
    refetchInterval: 5_000,
  });
}

export function decideApprovalMutation(queryClient: QueryClient) {
  return {
    mutationFn: ({ id, decision }: { id: string; decision: ApprovalDecisionRequest }) =>
      api.post<{ approval: ApprovalItem; released: string[] }>(`/api/v1/governance/approvals/${encodeURIComponent(id)}`, decision),
    onSettled: () => queryClient.invalidateQueries({ queryKey: approvalsKey }),
  };
}

export function killSwitchQuery() {
  return queryOptions({
    queryKey: [...governanceQueryKey, 'kill-switch'] as const,
    queryFn: ({ signal }) => api.get<KillSwitch>('/api/v1/governance/kill-switch', signal),
    // The banner everyone in the admin area sees: another admin may engage it.
    refetchInterval: 10_000,
  });
}

export function putKillSwitchMutation(queryClient: QueryClient) {
  return {
    mutationFn: (change: KillSwitchChange) => api.put<KillSwitch>('/api/v1/governance/kill-switch', change),
    onSuccess: (saved: KillSwitch) => queryClient.setQueryData(killSwitchQuery().queryKey, saved),
  };
}

/** A draft to replay: an org policy, or a blueprint's override (with its id). */
export interface SimulationBody {
  policy: GovernancePolicy | GovernanceOverride;
  days?: number;
  blueprintId?: string;
}

/** Replays the recorded events against a draft; saves nothing. */
export function simulateMutation() {
  return {
    mutationFn: (body: SimulationBody) => api.post<SimulationReport>('/api/v1/governance/simulate', body),
  };
}

export const suggestionsQueryKey = (blueprintId: string) => [...governanceQueryKey, 'suggestions', blueprintId] as const;

/** Allow rules from the blueprint's monitor-mode baseline, with the simulated effect of adopting them all. */
export function governanceSuggestionsQuery(blueprintId: string, days: number) {
  return queryOptions({
    queryKey: [...suggestionsQueryKey(blueprintId), days] as const,
    queryFn: ({ signal }) => api.get<GovernanceSuggestions>(`${overridePath(blueprintId)}/suggestions?days=${days}`, signal),
  });
}

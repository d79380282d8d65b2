import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { Budget, BudgetStatus, ComputeGroup, ComputeSummaryRow, MyBudgets, UsageGroup, UsageSummaryRow } from '@paddock/protocol';
import { api } from './client';

export interface Period { from: string; to: string }

const range = (p: Period) => `from=${encodeURIComponent(p.from)}&to=${encodeURIComponent(p.to)}`;

/** Tokens, spend and cache savings per user, blueprint, workspace, model or day; a builder's answer covers only their own. */
export function usageSummaryQuery(groupBy: UsageGroup, period: Period) {
  return queryOptions({
    queryKey: ['usage', 'summary', groupBy, period] as const,
    queryFn: async ({ signal }) => (await api.get<{ rows: UsageSummaryRow[] }>(`/api/v1/usage/summary?groupBy=${groupBy}&${range(period)}`, signal)).rows,
  });
}

/** Running hours per user or blueprint, costed at the blueprints' hourly rates. */
export function computeSummaryQuery(groupBy: ComputeGroup, period: Period) {
  return queryOptions({
    queryKey: ['usage', 'compute', groupBy, period] as const,
    queryFn: async ({ signal }) => (await api.get<{ rows: ComputeSummaryRow[] }>(`/api/v1/usage/compute?groupBy=${groupBy}&${range(period)}`, signal)).rows,
  });
}

// Spend moves with every model call, and no event announces it to the browser: a slow poll keeps it near.
const POLL_MS = 60_000;

/** The budgets the signed-in user's model calls count against, as they stand this month. */
export function myBudgetsQuery() {
  return queryOptions({
    queryKey: ['usage', 'budget'] as const,
    queryFn: ({ signal }) => api.get<MyBudgets>('/api/v1/usage/budget', signal),
    refetchInterval: POLL_MS,
  });
}

const budgetsKey = ['admin', 'budgets'] as const;

/** Every budget, as it stands this month (admins and auditors). */
export function budgetsQuery() {
  return queryOptions({ queryKey: budgetsKey, queryFn: ({ signal }) => api.get<BudgetStatus[]>('/api/v1/admin/budgets', signal), refetchInterval: POLL_MS });
}

/** Replaces the list whole (kept budgets carry their id, and their alerts this month). */
export function putBudgetsMutation(queryClient: QueryClient) {
  return {
    mutationFn: (list: Budget[]) => api.put<BudgetStatus[]>('/api/v1/admin/budgets', list),
    onSuccess: (saved: BudgetStatus[]) => {
      queryClient.setQueryData(budgetsKey, saved);
      void queryClient.invalidateQueries({ queryKey: ['usage', 'budget'] });
    },
  };
}

/** A budget as the list to PUT holds it. */
export function budgetOf(b: BudgetStatus): Budget {
  return {
    id: b.id, scope: b.scope, targetId: b.targetId, period: 'month', action: b.action,
    ...(b.limitUsd !== undefined ? { limitUsd: b.limitUsd } : { limitTokens: b.limitTokens ?? 0 }),
  };
}

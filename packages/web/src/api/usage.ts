import { queryOptions } from '@tanstack/react-query';
import type { MyBudgets } from '@paddock/protocol';
import { api } from './client';

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

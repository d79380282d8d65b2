import { useQuery } from '@tanstack/react-query';
import type { MyBudgets } from '@paddock/protocol';
import { myBudgetsQuery } from '../../api/usage';
import { Notice } from '../../components/Notice';

type Budget = MyBudgets['budgets'][number];

/** "$20", "$12.50", "1,000,000 tokens": as the gateway's refusal says it. */
function amount(budget: Budget, value: number): string {
  if (budget.limitUsd !== undefined) return `$${Number.isInteger(value) ? value : value.toFixed(2)}`;
  return `${Math.round(value).toLocaleString('en-US')} tokens`;
}

function whose(budget: Budget): string {
  if (budget.scope === 'user') return 'Your monthly AI budget';
  return `The monthly AI budget of the ${budget.scope} ${budget.targetLabel ?? ''}`.trimEnd();
}

/**
 * Tells the workspace's owner when a budget this workspace's AI counts against is at
 * 80 % or more (the alerts' threshold) or used up, so a refused call is never a surprise.
 * Nothing is shown below 80 %.
 */
export function BudgetNotice({ blueprintId }: { blueprintId: string }) {
  const budgets = useQuery(myBudgetsQuery());
  const near = (budgets.data?.budgets ?? [])
    .filter((b) => (b.scope !== 'blueprint' || b.targetId === blueprintId) && b.usedShare >= 0.8)
    .sort((a, b) => Number(b.blocking) - Number(a.blocking) || b.usedShare - a.usedShare);
  const first = near[0];
  if (!first) return null;
  const limit = amount(first, first.limitUsd ?? first.limitTokens ?? 0);
  if (first.blocking) {
    return (
      <Notice tone="warning" role="alert" className="mb-4" title={`${whose(first)} of ${limit} is used up`}>
        The AI can't answer until next month, or until your admin raises it. Ask your admin.
      </Notice>
    );
  }
  const used = Math.min(100, Math.floor(first.usedShare * 100));
  return (
    <Notice tone="warning" role="status" className="mb-4" title={`${whose(first)}: ${used} % used`}>
      {amount(first, first.remaining)} of {limit} left this month
      {first.action === 'block' ? '; when it is used up, the AI stops answering until next month.' : '.'}
    </Notice>
  );
}

import type { ModelPrice } from '@paddock/protocol';
import type { StoredBudget } from './budgets.js';
import { costedRow, type ModelTotals } from './usageCost.js';

/** One user's calls of one model within one blueprint this month: what budgets are counted from. */
export type BudgetPart = ModelTotals & { userId: string; blueprintId: string };

export interface BudgetSpend {
  spentUsd: number;
  spentTokens: number;
  /** Spent over the limit, in the limit's unit. */
  usedShare: number;
  remaining: number;
}

/** Whether a call of this user in this blueprint counts against the budget (`members`: the budget's group's users). */
function counts(budget: StoredBudget, userId: string, blueprintId: string, members: ReadonlySet<string>): boolean {
  if (budget.scope === 'user') return userId === budget.targetId;
  if (budget.scope === 'blueprint') return blueprintId === budget.targetId;
  return members.has(userId);
}

/**
 * What a budget's scope spent: money as the usage summary costs it (usageCost.ts; a model
 * with no price costs nothing here, its tokens still count), tokens of every kind together.
 */
export function spendOf(budget: StoredBudget, parts: readonly BudgetPart[], members: ReadonlySet<string>, prices: readonly ModelPrice[]): BudgetSpend {
  const mine = parts.filter((p) => counts(budget, p.userId, p.blueprintId, members));
  const row = costedRow(budget.id, null, mine, prices);
  const spentUsd = row.costUsd ?? 0;
  const spentTokens = row.inputTokens + row.outputTokens + row.cacheReadTokens + row.cacheWriteTokens;
  const [spent, limit] = budget.limitUsd !== undefined ? [spentUsd, budget.limitUsd] : [spentTokens, budget.limitTokens ?? 0];
  return { spentUsd, spentTokens, usedShare: limit > 0 ? spent / limit : 0, remaining: Math.max(0, limit - spent) };
}

/** "$20", "$12.50", "1,000,000 tokens": a limit as the builder reads it. */
export function limitText(budget: StoredBudget): string {
  if (budget.limitUsd !== undefined) return `$${Number.isInteger(budget.limitUsd) ? budget.limitUsd : budget.limitUsd.toFixed(2)}`;
  return `${(budget.limitTokens ?? 0).toLocaleString('en-US')} tokens`;
}

/**
 * What the gateway answers a refused call with, in plain words: whose budget it is,
 * what it was, and what to do. The builder's own budget is "your"; a group's or a
 * blueprint's is named.
 */
export function refusalMessage(budget: StoredBudget, targetLabel: string | null): string {
  const whose = budget.scope === 'user' ? 'Your monthly AI budget'
    : `The monthly AI budget of the ${budget.scope} ${targetLabel ?? budget.targetId}`;
  return `${whose} of ${limitText(budget)} is used up; ask your admin`;
}

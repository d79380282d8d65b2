import { describe, expect, it } from 'vitest';
import type { ModelPrice } from '@paddock/protocol';
import type { StoredBudget } from './budgets.js';
import { monthOf } from './budgets.js';
import { refusalMessage, spendOf, type BudgetPart } from './budgetSpend.js';

const price: ModelPrice = { model: 'claude-sonnet-4', inputUsdPerMTok: 3, outputUsdPerMTok: 15, cacheReadUsdPerMTok: 0.3, cacheWriteUsdPerMTok: 3.75 };
const part = (userId: string, blueprintId: string, model: string, input: number, output: number): BudgetPart => ({
  userId, blueprintId, model, requests: 1, inputTokens: input, outputTokens: output, cacheReadTokens: 0, cacheWriteTokens: 0,
});
const budget = (over: Partial<StoredBudget>): StoredBudget => ({ id: 'b1', scope: 'user', targetId: 'ada', period: 'month', action: 'block', limitUsd: 20, ...over });
const parts = [part('ada', 'bp1', 'claude-sonnet-4-20250514', 1_000_000, 1_000_000), part('bob', 'bp1', 'claude-sonnet-4', 2_000_000, 0), part('ada', 'bp2', 'local-llama', 500, 500)];

describe('budgets', () => {
  it('count the calls of their user, group or blueprint, costed as the usage summary costs them; an unpriced model counts in tokens only', () => {
    // $3 + $15 for ada's priced call; her unpriced one adds tokens, not money.
    expect(spendOf(budget({}), parts, new Set(), [price])).toEqual({ spentUsd: 18, spentTokens: 2_001_000, usedShare: 0.9, remaining: 2 });
    expect(spendOf(budget({ scope: 'blueprint', targetId: 'bp1' }), parts, new Set(), [price]).spentUsd).toBe(24);
    expect(spendOf(budget({ scope: 'group', targetId: 'g', limitUsd: undefined, limitTokens: 4_000_000 }), parts, new Set(['ada', 'bob']), [price]))
      .toEqual({ spentUsd: 24, spentTokens: 4_001_000, usedShare: 4_001_000 / 4_000_000, remaining: 0 });
    expect(spendOf(budget({ scope: 'group', targetId: 'g' }), parts, new Set(), [price])).toMatchObject({ spentUsd: 0, spentTokens: 0, usedShare: 0 });
  });

  it('refuse in plain words, naming whose budget it was', () => {
    expect(refusalMessage(budget({}), 'ada@example.com')).toBe('Your monthly AI budget of $20 is used up; ask your admin');
    expect(refusalMessage(budget({ limitUsd: 12.5 }), null)).toBe('Your monthly AI budget of $12.50 is used up; ask your admin');
    expect(refusalMessage(budget({ scope: 'group', targetId: 'g', limitUsd: undefined, limitTokens: 1_000_000 }), 'Finance'))
      .toBe('The monthly AI budget of the group Finance of 1,000,000 tokens is used up; ask your admin');
  });

  it('run by calendar month in UTC', () => {
    expect(monthOf(new Date('2026-12-31T23:59:59.999Z'))).toEqual({ month: '2026-12', from: new Date('2026-12-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z') });
    expect(monthOf(new Date('2027-01-01T00:00:00Z')).month).toBe('2027-01');
  });
});

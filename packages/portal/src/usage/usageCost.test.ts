import { describe, expect, it } from 'vitest';
import type { ModelPrice } from '@paddock/protocol';
import { costedRow, priceOf } from './usageCost.js';

const price = (model: string, input: number, output: number, cacheRead: number, cacheWrite: number): ModelPrice => ({
  model, inputUsdPerMTok: input, outputUsdPerMTok: output, cacheReadUsdPerMTok: cacheRead, cacheWriteUsdPerMTok: cacheWrite,
});
const prices = [price('claude-opus-4', 15, 75, 1.5, 18.75), price('claude-opus-4-5', 5, 25, 0.5, 6.25), price('claude-sonnet-4', 3, 15, 0.3, 3.75)];
const totals = (model: string, requests: number, input: number, output: number, cacheRead: number, cacheWrite: number) => ({
  model, requests, inputTokens: input, outputTokens: output, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite,
});

describe('model prices', () => {
  it('match a model exactly or as a dated name, the longest prefix winning, never across a name', () => {
    expect(priceOf(prices, 'claude-sonnet-4')?.model).toBe('claude-sonnet-4');
    expect(priceOf(prices, 'claude-sonnet-4-20250514')?.model).toBe('claude-sonnet-4');
    expect(priceOf(prices, 'claude-opus-4-5-20251101')?.model).toBe('claude-opus-4-5');
    expect(priceOf(prices, 'claude-opus-4-1-20250805')?.model).toBe('claude-opus-4');
    expect(priceOf(prices, 'claude-sonnet-40')).toBeUndefined();
    expect(priceOf(prices, 'gpt-4o')).toBeUndefined();
  });

  it('cost a row from its models: exact sums, savings against the full input price, unpriced calls apart', () => {
    const row = costedRow('u1', 'ada@example.com', [
      totals('claude-sonnet-4-20250514', 3, 1_000_000, 200_000, 2_000_000, 100_000),
      totals('local-llama', 2, 500, 50, 0, 0),
    ], prices);
    // 1M in × $3 + 0.2M out × $15 + 2M cache read × $0.30 + 0.1M cache write × $3.75
    expect(row).toEqual({
      key: 'u1', label: 'ada@example.com', requests: 5, inputTokens: 1_000_500, outputTokens: 200_050,
      cacheReadTokens: 2_000_000, cacheWriteTokens: 100_000,
      costUsd: 3 + 3 + 0.6 + 0.375, savedUsd: 2 * (3 - 0.3), savedShare: Math.round((5.4 / (6.975 + 5.4)) * 10_000) / 10_000,
      unpricedRequests: 2,
    });
  });

  it('say "no price" (null), never $0, when none of a row\'s calls is priced', () => {
    const row = costedRow('local-llama', 'local-llama', [totals('local-llama', 4, 10, 10, 10, 10)], prices);
    expect(row).toMatchObject({ requests: 4, costUsd: null, savedUsd: null, savedShare: null, unpricedRequests: 4 });
  });
});

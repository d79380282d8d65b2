import type { ModelPrice, UsageSummaryRow } from '@paddock/protocol';
import type { UsageTotals } from './llmUsage.js';

/**
 * The price of a model: the row naming it exactly, else the longest row naming a
 * prefix of it that ends where a dash begins ("claude-sonnet-4" prices
 * "claude-sonnet-4-20250514", never "claude-sonnet-40"). Undefined: no price.
 */
export function priceOf(prices: readonly ModelPrice[], model: string): ModelPrice | undefined {
  let best: ModelPrice | undefined;
  for (const p of prices) {
    if (p.model !== model && !model.startsWith(`${p.model}-`)) continue;
    if (!best || p.model.length > best.model.length) best = p;
  }
  return best;
}

/** One model's part of a summary row: its tokens, summed in the database. */
export type ModelTotals = UsageTotals & { model: string };

// A row's money is summed unrounded over its models and rounded once, to the micro-dollar.
const MILLION = 1_000_000;
const rounded = (usd: number) => Math.round(usd * MILLION) / MILLION;

/**
 * A summary row from its models' totals. Cost counts only priced models; the calls of
 * unpriced ones are counted apart (`unpricedRequests`) and, when nothing is priced, cost
 * and savings are null: "no price", never $0. Savings are what the cache reads would have
 * cost at the full input price, less what they did cost.
 */
export function costedRow(key: string, label: string | null, parts: readonly ModelTotals[], prices: readonly ModelPrice[]): UsageSummaryRow {
  const row: UsageSummaryRow = {
    key, label, requests: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0,
    costUsd: null, savedUsd: null, savedShare: null, unpricedRequests: 0,
  };
  let cost = 0;
  let saved = 0;
  let priced = false;
  for (const part of parts) {
    row.requests += part.requests;
    row.inputTokens += part.inputTokens;
    row.outputTokens += part.outputTokens;
    row.cacheReadTokens += part.cacheReadTokens;
    row.cacheWriteTokens += part.cacheWriteTokens;
    const price = priceOf(prices, part.model);
    if (!price) { row.unpricedRequests += part.requests; continue; }
    priced = true;
    cost += (part.inputTokens * price.inputUsdPerMTok + part.outputTokens * price.outputUsdPerMTok
      + part.cacheReadTokens * price.cacheReadUsdPerMTok + part.cacheWriteTokens * price.cacheWriteUsdPerMTok) / MILLION;
    saved += (part.cacheReadTokens * Math.max(0, price.inputUsdPerMTok - price.cacheReadUsdPerMTok)) / MILLION;
  }
  if (priced) {
    row.costUsd = rounded(cost);
    row.savedUsd = rounded(saved);
    row.savedShare = cost + saved > 0 ? Math.round((saved / (cost + saved)) * 10_000) / 10_000 : 0;
  }
  return row;
}

import { z } from 'zod';
import { dateTimeSchema } from './strings.js';

/** US dollars per million tokens: never negative, at most four decimals (what the table stores, so nothing is rounded away unsaid). */
const usdPerMTok = z.number().min(0).max(100_000)
  .refine((v) => Math.abs(Math.round(v * 10_000) - v * 10_000) < 1e-6, 'at most four decimals (the table keeps four)');

/**
 * One model's price. `model` names a model exactly or as the prefix of dated names
 * ("claude-sonnet-4" prices "claude-sonnet-4-20250514"); the longest match wins.
 */
export const modelPriceSchema = z.object({
  model: z.string().trim().min(1).max(200).regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, 'a model name: letters, digits and . _ : / @ -'),
  inputUsdPerMTok: usdPerMTok,
  outputUsdPerMTok: usdPerMTok,
  cacheReadUsdPerMTok: usdPerMTok,
  cacheWriteUsdPerMTok: usdPerMTok,
}).strict();
export type ModelPrice = z.infer<typeof modelPriceSchema>;

/** PUT replaces the whole table; a model named twice is refused. */
export const modelPricesSchema = z.object({
  items: z.array(modelPriceSchema).max(500).refine(
    (items) => new Set(items.map((p) => p.model)).size === items.length,
    { message: 'each model may be priced once' },
  ),
});
export type ModelPrices = z.infer<typeof modelPricesSchema>;

export const modelPricesResponseSchema = z.object({
  items: z.array(modelPriceSchema.extend({ updatedAt: z.string() })),
});

/** The contract's four, and `day` (UTC, key YYYY-MM-DD): the cost page's chart over time. */
export const USAGE_GROUPS = ['user', 'blueprint', 'workspace', 'model', 'day'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export const usageSummaryQuerySchema = z.object({
  groupBy: z.enum(USAGE_GROUPS),
  /** Inclusive; absent: from the first record. */
  from: dateTimeSchema.optional(),
  /** Exclusive; absent: up to now. */
  to: dateTimeSchema.optional(),
}).refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), { message: '`from` must be before `to`', path: ['from'] });

export const usageSummaryRowSchema = z.object({
  key: z.string(),
  /** The user's email, the blueprint's or workspace's name, the model; null when the row outlived what it names. */
  label: z.string().nullable(),
  requests: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheReadTokens: z.number().int(),
  cacheWriteTokens: z.number().int(),
  /** What the priced calls cost; null when none of the row's calls has a price (never a guessed $0). */
  costUsd: z.number().nullable(),
  /** What cache reads saved against the full input price, over the priced calls. */
  savedUsd: z.number().nullable(),
  /** savedUsd as a share of what the priced calls would have cost without the cache (0–1). */
  savedShare: z.number().nullable(),
  /** Calls of a model with no price: their tokens are counted, their cost isn't. */
  unpricedRequests: z.number().int(),
});
export type UsageSummaryRow = z.infer<typeof usageSummaryRowSchema>;

export const usageSummaryResponseSchema = z.object({ rows: z.array(usageSummaryRowSchema) });

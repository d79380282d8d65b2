import { z } from 'zod';
import { dateTimeSchema, wellFormedString } from './strings.js';

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

export const BUDGET_SCOPES = ['user', 'group', 'blueprint'] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];
export const BUDGET_ACTIONS = ['alert', 'block'] as const;
export type BudgetAction = (typeof BUDGET_ACTIONS)[number];

/**
 * One monthly budget (calendar month, UTC), in money or in tokens: exactly one of
 * `limitUsd` (the cost of the calls, priced by the model price table) and
 * `limitTokens` (input, output, cache read and cache write tokens together).
 * `alert` warns at 80 % and 100 %; `block` also makes the gateway refuse further
 * model calls once it is used up. `id` names a budget kept from the list before
 * (its alerts this month are kept too); without one, the budget is new.
 */
export const budgetSchema = z.object({
  id: wellFormedString().min(1).max(64).optional(),
  scope: z.enum(BUDGET_SCOPES),
  /** The user's, group's or blueprint's id; it must exist. */
  targetId: wellFormedString().min(1).max(64),
  period: z.literal('month'),
  limitUsd: z.number().positive().max(1_000_000_000)
    .refine((v) => Math.abs(Math.round(v * 100) - v * 100) < 1e-6, 'at most two decimals (cents)').optional(),
  limitTokens: z.number().int().positive().max(1_000_000_000_000).optional(),
  action: z.enum(BUDGET_ACTIONS),
}).strict().refine((b) => (b.limitUsd === undefined) !== (b.limitTokens === undefined), { message: 'give exactly one of limitUsd and limitTokens', path: ['limitUsd'] });
export type Budget = z.infer<typeof budgetSchema>;

/** PUT replaces the whole list, in one transaction; an id named twice is refused. */
export const budgetsSchema = z.array(budgetSchema).max(500).refine(
  (items) => { const ids = items.flatMap((b) => (b.id ? [b.id] : [])); return new Set(ids).size === ids.length; },
  { message: 'each budget id may appear once' },
);

/** The two thresholds that alert, as shares of the limit. */
export const BUDGET_THRESHOLDS = [0.8, 1] as const;

/** A budget as it stands this month: what was spent against it, its alerts, the calls it refused. */
export const budgetStatusSchema = z.object({
  id: z.string(),
  scope: z.enum(BUDGET_SCOPES),
  targetId: z.string(),
  /** The user's email, the group's or blueprint's name; null when it no longer exists. */
  targetLabel: z.string().nullable(),
  period: z.literal('month'),
  limitUsd: z.number().optional(),
  limitTokens: z.number().int().optional(),
  action: z.enum(BUDGET_ACTIONS),
  /** The month counted, "2026-12" (UTC). */
  month: z.string(),
  /** What the month's priced calls cost (calls of a model with no price count in tokens only). */
  spentUsd: z.number(),
  spentTokens: z.number().int(),
  /** What is left of the limit, in its unit; never below 0. */
  remaining: z.number(),
  /** Spent as a share of the limit (1: used up; may exceed 1). */
  usedShare: z.number(),
  /** A `block` budget used up: its scope's model calls are refused. */
  blocking: z.boolean(),
  /** When this month's 80 % and 100 % alerts were raised; each is raised once a month. */
  alertedAt: z.object({ at80: z.string().nullable(), at100: z.string().nullable() }),
  /** Model calls the gateway refused this month because this budget was used up. */
  refusals: z.number().int(),
});
export type BudgetStatus = z.infer<typeof budgetStatusSchema>;

export const budgetsResponseSchema = z.array(budgetStatusSchema);

/** `GET /api/v1/usage/budget`: the budgets that apply to the caller's model calls, as they stand this month. */
export const myBudgetsResponseSchema = z.object({ month: z.string(), budgets: z.array(budgetStatusSchema.omit({ refusals: true })) });
export type MyBudgets = z.infer<typeof myBudgetsResponseSchema>;

import { z } from 'zod';
import { dateTimeSchema } from './strings.js';

/** Compute time (issue 11): how long workspaces ran, per user or blueprint, costed at each blueprint's hourly rate. */
export const COMPUTE_GROUPS = ['user', 'blueprint'] as const;
export type ComputeGroup = (typeof COMPUTE_GROUPS)[number];

export const computeSummaryQuerySchema = z.object({
  groupBy: z.enum(COMPUTE_GROUPS),
  /** Inclusive; absent: from the first run. */
  from: dateTimeSchema.optional(),
  /** Exclusive; absent: up to now (a workspace running now counts up to now). */
  to: dateTimeSchema.optional(),
}).refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), { message: '`from` must be before `to`', path: ['from'] });

export const computeSummaryRowSchema = z.object({
  key: z.string(),
  /** The user's email or the blueprint's name; null when the row outlived what it names. */
  label: z.string().nullable(),
  /** Running hours within the period, of every workspace the row covers. */
  hours: z.number(),
  /** The hours at their blueprints' hourly rates; null when none of them has a rate ("no price", never $0). */
  costUsd: z.number().nullable(),
  /** Hours of blueprints with no hourly rate, which costUsd leaves out. */
  unpricedHours: z.number(),
  /** Workspaces that ran in the period. */
  workspaces: z.number().int(),
});
export type ComputeSummaryRow = z.infer<typeof computeSummaryRowSchema>;

export const computeSummaryResponseSchema = z.object({ rows: z.array(computeSummaryRowSchema) });

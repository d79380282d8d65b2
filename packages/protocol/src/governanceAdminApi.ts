import { z } from 'zod';
import {
  governanceActionSchema, governanceClassSchema, governanceEventItemSchema, governanceEventReportSchema, verdictSchema,
} from './governanceApi.js';
import { dateTimeSchema, wellFormedString } from './strings.js';

/**
 * The admin side of governance beside the fixed contract (governanceApi.ts):
 * the event list's query and page, the approvals queue and its decision.
 */

/** Which enforcement point decided: the agent hooks (paddock-guard), the LLM gateway, the egress proxy. */
export const enforcementPointSchema = governanceEventReportSchema.shape.point;
export type EnforcementPointName = z.infer<typeof enforcementPointSchema>;

/** `GET /api/v1/governance/events` and the feed's filters. */
export const governanceEventFilterSchema = z.object({
  workspaceId: wellFormedString().max(64).optional(),
  class: governanceClassSchema.optional(),
  verdict: verdictSchema.optional(),
  /** Events at or after this instant. */
  since: dateTimeSchema.optional(),
});
export type GovernanceEventFilter = z.infer<typeof governanceEventFilterSchema>;

export const governanceEventsQuerySchema = governanceEventFilterSchema.extend({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** The `nextCursor` of the page before: events older than those. */
  cursor: wellFormedString().regex(/^\d{1,19}$/).optional(),
}).strict();

/** Newest first; `nextCursor` asks for the next (older) page, null at the end. */
export const governanceEventsPageSchema = z.object({ items: z.array(governanceEventItemSchema), nextCursor: z.string().nullable() });
export type GovernanceEventsPage = z.infer<typeof governanceEventsPageSchema>;

export const approvalStateSchema = z.enum(['pending', 'approved', 'denied', 'expired']);
export type ApprovalState = z.infer<typeof approvalStateSchema>;

/** once: this action, this time; minutes: this exact action in this workspace for N minutes; rule: this exact action in this workspace, from now on. */
export const approvalScopeSchema = z.enum(['once', 'minutes', 'rule']);
export type ApprovalScope = z.infer<typeof approvalScopeSchema>;

/** The most an "approve for N minutes" may last: a week. */
export const MAX_APPROVAL_MINUTES = 7 * 24 * 60;

/** `POST /api/v1/governance/approvals/:id`: approve once, for N minutes, or with a rule; deny once or with a rule. */
export const approvalDecisionRequestSchema = z.object({
  decision: z.enum(['approve', 'deny']),
  scope: approvalScopeSchema,
  minutes: z.number().int().min(1).max(MAX_APPROVAL_MINUTES).optional(),
  /** Why, in words, for the audit log and the builder. */
  reason: wellFormedString().max(500).optional(),
}).strict()
  .refine((d) => (d.scope === 'minutes') === (d.minutes !== undefined), { message: 'minutes is given exactly when scope is "minutes"', path: ['minutes'] })
  .refine((d) => !(d.decision === 'deny' && d.scope === 'minutes'), { message: 'a denial is once or a rule', path: ['scope'] });
export type ApprovalDecisionRequest = z.infer<typeof approvalDecisionRequestSchema>;

export const approvalItemSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  userId: z.string(),
  blueprintId: z.string(),
  class: governanceClassSchema,
  action: governanceActionSchema,
  summary: z.string(),
  ruleId: z.string().optional(),
  state: approvalStateSchema,
  requestedAt: z.string(),
  expiresAt: z.string(),
  decidedAt: z.string().optional(),
  decidedBy: z.object({ id: z.string().nullable(), email: z.string().nullable() }).optional(),
  scope: approvalScopeSchema.optional(),
  minutes: z.number().int().optional(),
  /** The rule a "minutes" or "rule" decision added for the workspace. */
  grantId: z.string().optional(),
  /**
   * The agent masked the action (it carried one of the workspace's credentials): `action` and
   * `summary` hold the mask, so no rule or grant can name it and it can only be decided once.
   */
  redacted: z.boolean(),
});
export type ApprovalItem = z.infer<typeof approvalItemSchema>;

export const approvalsQuerySchema = z.object({
  state: approvalStateSchema.optional(),
  workspaceId: wellFormedString().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
}).strict();
export const approvalsPageSchema = z.object({ items: z.array(approvalItemSchema) });

/** What a decision did: the approval, and every other pending one of the same workspace, rule and action it released. */
export const approvalDecisionResultSchema = z.object({ approval: approvalItemSchema, released: z.array(z.string()) });

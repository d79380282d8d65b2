import { z } from 'zod';
import {
  governanceEventItemSchema, governanceOverrideSchema, governancePolicySchema, policyRuleSchema, verdictSchema,
} from './governanceApi.js';
import { wellFormedString } from './strings.js';

/**
 * Rolling out a policy (issue 9, "Beyond every peer"): replay the recorded
 * governance events against a draft before enforcing it (the simulator), and
 * rules suggested from a blueprint's monitor-mode baseline. docs/governance.md,
 * "Rolling out: monitor, simulate, enforce".
 */

/** How far back a simulation or a suggestion may look. */
export const SIMULATION_MAX_DAYS = 90;
export const SIMULATION_DEFAULT_DAYS = 7;
/** The newest events replayed at most; beyond, the report says `limited`. */
export const SIMULATION_MAX_EVENTS = 20_000;
/** Changed events shown, newest first. */
export const SIMULATION_SAMPLE_SIZE = 50;

const days = z.number().int().min(1).max(SIMULATION_MAX_DAYS);

/**
 * `POST /api/v1/governance/simulate`. Without `blueprintId`, `policy` is a draft org
 * policy, replayed over every blueprint's events with each blueprint's saved override
 * applied over it. With `blueprintId`, `policy` is a draft override for that blueprint,
 * applied over the saved org policy, replayed over that blueprint's events only.
 */
export const simulationRequestSchema = z.object({
  policy: governanceOverrideSchema,
  days: days.default(SIMULATION_DEFAULT_DAYS),
  blueprintId: wellFormedString().max(64).optional(),
}).strict().superRefine((body, ctx) => {
  if (body.blueprintId !== undefined) return;
  // An org draft is a whole policy: nothing to inherit from.
  for (const issue of governancePolicySchema.safeParse(body.policy).error?.issues ?? []) {
    ctx.addIssue({ code: 'custom', message: issue.message, path: ['policy', ...issue.path.map(String)] });
  }
});
export type SimulationRequest = z.infer<typeof simulationRequestSchema>;

/** How many replayed events went from one verdict to another (`from` as recorded, `to` under the draft). */
export const verdictChangeSchema = z.object({ from: verdictSchema, to: verdictSchema, count: z.number().int() });
export type VerdictChange = z.infer<typeof verdictChangeSchema>;

/** One class, rule, user or workspace: its events replayed, how many changed, and how. */
export const simulationGroupSchema = z.object({
  key: z.string(),
  /** The user's email, the workspace's name; absent when it is gone. */
  label: z.string().optional(),
  replayed: z.number().int(),
  changed: z.number().int(),
  changes: z.array(verdictChangeSchema),
});
export type SimulationGroup = z.infer<typeof simulationGroupSchema>;

/** A changed event: the event as the list shows it, with its recorded verdict (`from`) and the draft's (`to`). */
export const simulatedEventSchema = governanceEventItemSchema.pick({
  id: true, at: true, workspaceId: true, userId: true, blueprintId: true, class: true, summary: true,
}).extend({
  from: z.object({ verdict: verdictSchema, ruleId: z.string().optional() }),
  to: z.object({ verdict: verdictSchema, ruleId: z.string().optional(), reason: z.string() }),
});
export type SimulatedEvent = z.infer<typeof simulatedEventSchema>;

export const simulationReportSchema = z.object({
  /** The window replayed: events at or after `since`, up to `until` (the portal's clock). */
  since: z.string(),
  until: z.string(),
  days: z.number().int(),
  blueprintId: z.string().optional(),
  totals: z.object({
    /** Events in the window (up to SIMULATION_MAX_EVENTS). */
    events: z.number().int(),
    replayed: z.number().int(),
    changed: z.number().int(),
    /** Recorded without their action (before agent protocol 1.3, or too long to record): not replayed, not guessed. */
    notReplayable: z.number().int(),
    /** Decided by a content filter (a secret in a prompt, a body): the content is never stored, so their recorded verdict is kept. */
    contentFilter: z.number().int(),
  }),
  /** More events were in the window than are replayed: the newest SIMULATION_MAX_EVENTS were. */
  limited: z.boolean(),
  changes: z.array(verdictChangeSchema),
  byClass: z.array(simulationGroupSchema),
  /** Keyed by the rule that decides under the draft, `default:<class>` for a class's default. */
  byRule: z.array(simulationGroupSchema),
  byUser: z.array(simulationGroupSchema),
  byWorkspace: z.array(simulationGroupSchema),
  /** Changed events, newest first, at most SIMULATION_SAMPLE_SIZE. */
  sample: z.array(simulatedEventSchema),
});
export type SimulationReport = z.infer<typeof simulationReportSchema>;

/** `GET /api/v1/blueprints/:id/governance/suggestions?days=`. */
export const suggestionsQuerySchema = z.object({
  days: z.coerce.number().int().min(1).max(SIMULATION_MAX_DAYS).default(SIMULATION_DEFAULT_DAYS),
}).strict();

/** An allow rule that would let through what the blueprint's workspaces did in monitor mode that enforce would hold or deny. */
export const suggestedRuleSchema = z.object({
  rule: policyRuleSchema,
  /** In plain words: what the rule allows and why it is this wide. */
  why: z.string(),
  events: z.number().int(),
  users: z.number().int(),
  workspaces: z.number().int(),
  /** A few of the events' summaries. */
  examples: z.array(z.string()),
});
export type SuggestedRule = z.infer<typeof suggestedRuleSchema>;

export const governanceSuggestionsSchema = z.object({
  blueprintId: z.string(),
  days: z.number().int(),
  suggestions: z.array(suggestedRuleSchema),
  /** The blueprint's override with every suggestion added, replayed: what adopting them all would change. */
  effect: simulationReportSchema,
});
export type GovernanceSuggestions = z.infer<typeof governanceSuggestionsSchema>;

import { z } from 'zod';
import { decisionOutcomeSchema, governanceActionSchema, heldActionSchema } from './governanceApi.js';
import { wellFormedString } from './strings.js';

/**
 * The policy bridge: what `paddock-guard` inside a workspace asks the agent,
 * as small JSON over HTTP on the workspace's `policy` socket. Which workspace
 * asks is the socket the connection arrived on, never anything in a request.
 * Every body is hostile input: the agent checks it against these schemas.
 */
export const POLICY_BRIDGE_PATHS = {
  /** POST {action, content?} → DecisionOutcome. */
  decide: '/v1/decide',
  /** POST {heldId} → PolicyWaitResponse, after at most `POLICY_WAIT_CAP_MS`. */
  wait: '/v1/wait',
} as const;

/** How long one wait request is held open before it answers "still held" (the guard asks again). */
export const POLICY_WAIT_CAP_MS = 25_000;

/** A request body's bound: a file's new content for the filters, with JSON's escaping. */
export const POLICY_BRIDGE_MAX_BODY_BYTES = 4 * 1024 * 1024;

export const policyDecideRequestSchema = z.object({
  action: governanceActionSchema,
  /** What the content filters look at (a file's new content); scanned and forgotten. */
  content: wellFormedString().max(POLICY_BRIDGE_MAX_BODY_BYTES).optional(),
}).strict();
export type PolicyDecideRequest = z.infer<typeof policyDecideRequestSchema>;

export const policyWaitRequestSchema = z.object({ heldId: wellFormedString().min(1).max(64) }).strict();
export type PolicyWaitRequest = z.infer<typeof policyWaitRequestSchema>;

/** `held`: nobody decided yet, ask again; `decided`: the admin's decision, or the deny at the hold's expiry. */
export const policyWaitResponseSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('held'), held: heldActionSchema }),
  z.object({ state: z.literal('decided'), outcome: decisionOutcomeSchema }),
]);
export type PolicyWaitResponse = z.infer<typeof policyWaitResponseSchema>;

import { z } from 'zod';
import { wellFormedString } from './strings.js';

/**
 * Agent governance: the contract shared by the portal (policy API, events,
 * approvals, kill switch), the agent (its gateway, egress proxy and policy
 * bridge decide) and `paddock-guard` inside workspaces. Issue 9 fixes the
 * policy's JSON shape (`GET/PUT /api/v1/governance/policy`); everything here
 * follows it.
 */

/** What an agent does, by class. */
export const GOVERNANCE_CLASSES = ['llm_call', 'bash_command', 'file_write', 'git_push', 'http_request'] as const;
export const governanceClassSchema = z.enum(GOVERNANCE_CLASSES);
export type GovernanceClass = z.infer<typeof governanceClassSchema>;

/** allow; ask: held for an admin; deny. */
export const verdictSchema = z.enum(['allow', 'ask', 'deny']);
export type Verdict = z.infer<typeof verdictSchema>;

/** off: nothing intercepted; monitor: every verdict logged, none applied; enforce: verdicts applied. */
export const governanceModeSchema = z.enum(['off', 'monitor', 'enforce']);
export type GovernanceMode = z.infer<typeof governanceModeSchema>;

const pattern = (max: number) => wellFormedString().min(1).max(max);

/**
 * What a rule matches, by class. Globs are the `*`/`**`/`?` kind; a domain is
 * exact or `*.`-prefixed. A command glob is matched per subcommand (split at
 * `&& || ; |`, wrappers such as `timeout`, `nohup`, `env` stripped). `force`
 * matches force pushes, `delete` branch or tag deletions (the "own
 * flags"); a key left out matches anything.
 */
export const ruleMatchSchema = z.object({
  command: pattern(1000).optional(),
  path: pattern(1000).optional(),
  domain: pattern(253).optional(),
  method: pattern(16).optional(),
  remote: pattern(1000).optional(),
  ref: pattern(500).optional(),
  force: z.boolean().optional(),
  delete: z.boolean().optional(),
}).strict();
export type RuleMatch = z.infer<typeof ruleMatchSchema>;

export const policyRuleSchema = z.object({
  id: pattern(64).optional(),
  class: governanceClassSchema,
  match: ruleMatchSchema,
  verdict: verdictSchema,
});
export type PolicyRule = z.infer<typeof policyRuleSchema>;

export const contentFiltersSchema = z.object({
  /** Cloud keys, forge tokens, AI provider keys, JWTs, generic high-entropy assignments. */
  secrets: z.boolean(),
  /** Private keys and certificates. */
  privateKeys: z.boolean(),
  /** Credentials or other secrets in an outgoing URL or body; large encoded payloads to domains not allowed. */
  exfiltration: z.boolean(),
});
export type ContentFilters = z.infer<typeof contentFiltersSchema>;

export const classDefaultsSchema = z.object({
  llm_call: verdictSchema,
  bash_command: verdictSchema,
  file_write: verdictSchema,
  git_push: verdictSchema,
  http_request: verdictSchema,
});

/**
 * Domains the egress proxy passes TLS through for, end to end (a domain that
 * pins its certificate, or speaks something other than HTTP/1.1 over TLS):
 * domain rules only, no path rules, content filters or git push checks.
 * Exact or `*.`-prefixed, like a rule's domain.
 */
export const passthroughSchema = z.array(pattern(253)).max(1000);

/**
 * The org policy: `{mode, defaults:{<class>:<verdict>}, rules:[…], contentFilters:{…}}`. Rules are tried in order; the first match decides.
 * `passthrough` (optional, added to the shape) lists the domains whose TLS the egress proxy does not open.
 */
export const governancePolicySchema = z.object({
  mode: governanceModeSchema,
  defaults: classDefaultsSchema,
  rules: z.array(policyRuleSchema).max(1000),
  contentFilters: contentFiltersSchema,
  passthrough: passthroughSchema.optional(),
});
export type GovernancePolicy = z.infer<typeof governancePolicySchema>;

/** A blueprint's override, in the same shape; a field left out inherits the org's. */
export const governanceOverrideSchema = z.object({
  mode: governanceModeSchema.optional(),
  defaults: classDefaultsSchema.partial().optional(),
  rules: z.array(policyRuleSchema).max(1000).optional(),
  contentFilters: contentFiltersSchema.partial().optional(),
  /** Added to the org's: a blueprint whose app needs a domain end to end says so. */
  passthrough: passthroughSchema.optional(),
});
export type GovernanceOverride = z.infer<typeof governanceOverrideSchema>;

/** One action an agent asks to take, as the enforcement points see it. Never a body, a prompt or a file's content. */
export const governanceActionSchema = z.discriminatedUnion('class', [
  z.object({ class: z.literal('llm_call'), model: z.string().max(200).optional() }),
  z.object({ class: z.literal('bash_command'), command: z.string().max(100_000), cwd: z.string().max(4096).optional() }),
  z.object({ class: z.literal('file_write'), path: z.string().max(4096) }),
  z.object({ class: z.literal('git_push'), remote: z.string().max(2000), ref: z.string().max(1000), force: z.boolean(), delete: z.boolean() }),
  z.object({ class: z.literal('http_request'), domain: z.string().max(253), method: z.string().max(16), path: z.string().max(8192), port: z.number().int().min(1).max(65535).optional() }),
]);
export type GovernanceAction = z.infer<typeof governanceActionSchema>;

/** The longest command, path or URL path an event records as its action: metadata, never a payload. */
export const RECORDED_ACTION_MAX = 4096;

/** An action as a governance event records it: the same shape, each text at most RECORDED_ACTION_MAX. */
export const recordedActionSchema = z.discriminatedUnion('class', [
  z.object({ class: z.literal('llm_call'), model: z.string().max(200).optional() }),
  z.object({ class: z.literal('bash_command'), command: z.string().max(RECORDED_ACTION_MAX), cwd: z.string().max(RECORDED_ACTION_MAX).optional() }),
  z.object({ class: z.literal('file_write'), path: z.string().max(RECORDED_ACTION_MAX) }),
  z.object({ class: z.literal('git_push'), remote: z.string().max(2000), ref: z.string().max(1000), force: z.boolean(), delete: z.boolean() }),
  z.object({ class: z.literal('http_request'), domain: z.string().max(253), method: z.string().max(16), path: z.string().max(RECORDED_ACTION_MAX), port: z.number().int().min(1).max(65535).optional() }),
]);

/** A content filter's match: which rule, and what matched, masked (never the secret itself). */
export const filterMatchSchema = z.object({ filter: z.enum(['secrets', 'privateKeys', 'exfiltration']), rule: z.string(), masked: z.string() });
export type FilterMatch = z.infer<typeof filterMatchSchema>;

/** What the policy says of an action; `enforced` is whether it is applied (false in monitor and off). */
export const decisionSchema = z.object({
  verdict: verdictSchema,
  enforced: z.boolean(),
  mode: governanceModeSchema,
  /** The rule that decided, or undefined for the class's default. */
  ruleId: z.string().optional(),
  /** In plain words, for the builder and the feed. */
  reason: z.string(),
  filter: filterMatchSchema.optional(),
});
export type Decision = z.infer<typeof decisionSchema>;

/** `GET /api/v1/governance/events` items and the live feed's messages. */
export const governanceEventItemSchema = z.object({
  id: z.string(),
  at: z.string(),
  workspaceId: z.string(),
  userId: z.string(),
  blueprintId: z.string(),
  class: governanceClassSchema,
  /** One line: the command, the path, the domain and method, the remote and ref. */
  summary: z.string(),
  verdict: verdictSchema,
  enforced: z.boolean(),
  ruleId: z.string().optional(),
  filter: filterMatchSchema.optional(),
});
export type GovernanceEventItem = z.infer<typeof governanceEventItemSchema>;

/**
 * An `ask` that enforce mode holds: the caller gets this at once (never a
 * connection held open while a person decides), with the request's id, and
 * waits or retries; the admin's decision releases every request waiting on it.
 */
export const heldActionSchema = z.object({ id: z.string(), expiresAt: z.string() });
export type HeldAction = z.infer<typeof heldActionSchema>;

/** What an enforcement point gets back from the agent's decider: the decision, and the hold when it is one. */
export const decisionOutcomeSchema = decisionSchema.extend({ held: heldActionSchema.optional() });
export type DecisionOutcome = z.infer<typeof decisionOutcomeSchema>;

/** One scope's kill switch. */
export const killSwitchStateSchema = z.object({ engaged: z.boolean(), reason: wellFormedString().max(500).optional() });
export type KillSwitchState = z.infer<typeof killSwitchStateSchema>;

/** `GET /api/v1/governance/kill-switch`. */
export const killSwitchSchema = z.object({ org: killSwitchStateSchema, blueprints: z.record(z.string(), killSwitchStateSchema) });
export type KillSwitch = z.infer<typeof killSwitchSchema>;

/** `PUT /api/v1/governance/kill-switch`. */
export const killSwitchChangeSchema = z.object({
  scope: z.enum(['org', 'blueprint']),
  blueprintId: z.string().max(64).optional(),
  engaged: z.boolean(),
  reason: wellFormedString().max(500).optional(),
}).strict();
export type KillSwitchChange = z.infer<typeof killSwitchChangeSchema>;

/**
 * What the portal sends the agent for one workspace (with its spec, and again
 * within a second of any change): the org policy with the blueprint's override
 * applied, and the kill switch as it applies to the workspace.
 */
export const effectivePolicySchema = governancePolicySchema.extend({
  killSwitch: z.object({ engaged: z.boolean(), reason: z.string().max(500).optional(), scope: z.enum(['org', 'blueprint']).optional() }),
  /** How long a held action waits for an admin before it is denied. */
  holdTimeoutSeconds: z.number().int().min(1).max(24 * 3600),
});
export type EffectivePolicy = z.infer<typeof effectivePolicySchema>;

/** Agent → portal: one decision as an event (the portal adds the ids it knows: user, blueprint). */
export const governanceEventReportSchema = z.object({
  workspaceId: z.string().max(64),
  at: z.string().max(40),
  point: z.enum(['hook', 'gateway', 'proxy']),
  class: governanceClassSchema,
  summary: z.string().max(2000),
  verdict: verdictSchema,
  enforced: z.boolean(),
  ruleId: z.string().max(64).optional(),
  filter: filterMatchSchema.optional(),
  /** Set when the action was held: the approval it waits on. */
  heldId: z.string().max(64).optional(),
  /**
   * The action decided (protocol 1.3), with the workspace's own credentials masked as in the
   * summary; left out when it is longer than a recorded action may be. What the simulator replays.
   */
  action: recordedActionSchema.optional(),
});
export type GovernanceEventReport = z.infer<typeof governanceEventReportSchema>;

/** Agent → portal: hold an action for an admin. The portal answers with a HeldAction at once. */
export const holdRequestSchema = z.object({
  workspaceId: z.string().max(64),
  action: governanceActionSchema,
  summary: z.string().max(2000),
  ruleId: z.string().max(64).optional(),
  timeoutSeconds: z.number().int().min(1).max(24 * 3600),
});
export type HoldRequest = z.infer<typeof holdRequestSchema>;

/** Portal → agent: an admin decided a held action (or it expired: `deny`). */
export const holdDecisionSchema = z.object({
  heldId: z.string().max(64),
  decision: z.enum(['approve', 'deny']),
  /** Who decided, in words, for the builder ("approved by ada@example.com"). */
  reason: z.string().max(500),
});
export type HoldDecision = z.infer<typeof holdDecisionSchema>;

import { z } from 'zod';
import { governanceModeSchema } from './governanceApi.js';

/**
 * Governance health (issue 9): whether each running workspace's three
 * enforcement points serve it, as its agent reports them over the tunnel
 * (GovernanceHealth, protocol 1.4), and the share of running workspaces where
 * all of them do.
 */

/**
 * One enforcement point of one workspace. `active`: it serves the workspace
 * and asks its policy. `missing`: it should and does not. `unused`: nothing
 * to govern there (the gateway of a workspace without a model route, which
 * has no way to call a model at all). `unknown`: its agent has not said
 * (not reported yet, or an agent older than tunnel protocol 1.4).
 */
export const enforcementPointStatusSchema = z.enum(['active', 'missing', 'unused', 'unknown']);
export type EnforcementPointStatus = z.infer<typeof enforcementPointStatusSchema>;

/** The policy mode the agent holds for the workspace; `unknown` when it has not said. */
export const governanceHealthModeSchema = z.enum([...governanceModeSchema.options, 'unknown']);
export type GovernanceHealthMode = z.infer<typeof governanceHealthModeSchema>;

/** healthy: every point active (or unused) and a policy in force; unknown: no report. */
export const workspaceHealthSchema = z.enum(['healthy', 'unhealthy', 'unknown']);
export type WorkspaceHealth = z.infer<typeof workspaceHealthSchema>;

export const governanceHealthItemSchema = z.object({
  workspaceId: z.string(),
  ownerId: z.string(),
  blueprintId: z.string(),
  health: workspaceHealthSchema,
  hooks: enforcementPointStatusSchema,
  gateway: enforcementPointStatusSchema,
  proxy: enforcementPointStatusSchema,
  mode: governanceHealthModeSchema,
  killSwitch: z.boolean(),
  /** When its agent last reported; null: never. */
  reportedAt: z.string().nullable(),
  /** In words, one per problem; empty when healthy. */
  problems: z.array(z.string()),
});
export type GovernanceHealthItem = z.infer<typeof governanceHealthItemSchema>;

/** `GET /api/v1/governance/health`. */
export const governanceHealthSchema = z.object({
  runningWorkspaces: z.number().int().min(0),
  healthy: z.number().int().min(0),
  unhealthy: z.number().int().min(0),
  unknown: z.number().int().min(0),
  /** healthy / runningWorkspaces, 0 to 1; null when no workspace runs. */
  share: z.number().min(0).max(1).nullable(),
  /** Every running workspace, those with problems first. */
  items: z.array(governanceHealthItemSchema),
});
export type GovernanceHealthReport = z.infer<typeof governanceHealthSchema>;

import { z } from 'zod';
import { approvalItemSchema } from './governanceAdminApi.js';
import { governanceClassSchema, governanceModeSchema } from './governanceApi.js';

/**
 * What a workspace's owner sees of governance (`GET /api/v1/workspaces/:id/governance`):
 * whether a kill switch stops its agents and why, and which of its agents' actions
 * wait for an admin. One-line summaries only, the ones the approvals hold: never a
 * command's output, a prompt, a body or a file's content.
 */
export const workspaceHoldSchema = z.object({
  id: z.string(),
  class: governanceClassSchema,
  summary: z.string(),
  requestedAt: z.string(),
  expiresAt: z.string(),
});
export type WorkspaceHold = z.infer<typeof workspaceHoldSchema>;

/** A hold decided a short while ago: the builder is told of a denial, and the banner of an approval goes away. */
export const workspaceDecidedHoldSchema = workspaceHoldSchema.extend({
  state: approvalItemSchema.shape.state.exclude(['pending']),
  decidedAt: z.string(),
});
export type WorkspaceDecidedHold = z.infer<typeof workspaceDecidedHoldSchema>;

export const workspaceGovernanceSchema = z.object({
  /** The mode the workspace's agents run in (off, monitor, enforce). */
  mode: governanceModeSchema,
  /** The kill switch as it applies to this workspace: the org's wins over its blueprint's. */
  killSwitch: z.object({
    engaged: z.boolean(),
    scope: z.enum(['org', 'blueprint']).nullable(),
    reason: z.string().optional(),
  }),
  /** The held actions waiting for an admin, oldest first. */
  holds: z.array(workspaceHoldSchema),
  /** The holds decided in the last few minutes, newest first (a few at most). */
  decided: z.array(workspaceDecidedHoldSchema),
});
export type WorkspaceGovernance = z.infer<typeof workspaceGovernanceSchema>;

/**
 * On `GET /api/v1/events` (event `governance`): what a workspace's owner sees of
 * governance may have changed. With `workspaceId`, a hold of that workspace was asked
 * for or decided (sent only to those who may read it); without, a policy or a kill
 * switch changed somewhere, and each open workspace page looks again.
 */
export const workspaceGovernanceEventSchema = z.object({ type: z.literal('governance'), workspaceId: z.string().optional() });
export type WorkspaceGovernanceEvent = z.infer<typeof workspaceGovernanceEventSchema>;

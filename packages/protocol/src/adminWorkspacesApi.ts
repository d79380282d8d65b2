import { z } from 'zod';
import { workspaceSchema } from './api.js';
import { wellFormedString } from './strings.js';

/** The states a workspace can be listed in (a deleted one is gone from every list). */
export const LISTED_WORKSPACE_STATES = ['pending', 'starting', 'running', 'stopping', 'stopped', 'failed'] as const;
export const listedWorkspaceStateSchema = z.enum(LISTED_WORKSPACE_STATES, {
  error: () => `state must be one of ${LISTED_WORKSPACE_STATES.join(', ')}`,
});

const idFilter = wellFormedString().min(1).max(64);

/** `GET /api/v1/admin/workspaces`: every filter optional; `q` matches the workspace's name, its owner's name or email, its blueprint's name. */
export const adminWorkspacesQuerySchema = z.object({
  state: listedWorkspaceStateSchema.optional(),
  blueprintId: idFilter.optional(),
  ownerId: idFilter.optional(),
  q: wellFormedString().trim().max(200).optional(),
});
export type AdminWorkspacesQuery = z.infer<typeof adminWorkspacesQuerySchema>;

/** A workspace as the admin list shows it: the workspace, with its owner's name, its agent and its last activity. */
export const adminWorkspaceSchema = workspaceSchema.extend({
  ownerName: z.string(),
  agentId: z.string().nullable(),
  agentName: z.string().nullable(),
  /** The last activity recorded in it (terminal input, a chat prompt, a preview request, a file save). */
  lastActiveAt: z.string(),
});
export type AdminWorkspace = z.infer<typeof adminWorkspaceSchema>;

export const adminWorkspacesResponseSchema = z.object({
  workspaces: z.array(adminWorkspaceSchema),
  /**
   * How many workspaces are in each state, among those the other filters (blueprint,
   * owner, q) select: the state filter's own choices, with their counts.
   */
  counts: z.object({
    total: z.number().int(),
    ...Object.fromEntries(LISTED_WORKSPACE_STATES.map((s) => [s, z.number().int()])) as Record<(typeof LISTED_WORKSPACE_STATES)[number], z.ZodNumber>,
  }),
});
export type AdminWorkspacesResponse = z.infer<typeof adminWorkspacesResponseSchema>;

import { z } from 'zod';

/**
 * Use of a workspace, kept apart from the audit log (docs/architecture.md, "What the
 * audit log keeps"): a terminal attached, a preview link issued, a prompt sent to its AI.
 * A terminal's detaching is recorded too (`workspace.terminal.close`, never audited: the
 * opening was), so the admin timeline knows how long someone was connected.
 * The conversation itself is never kept; `detail` says which session or port.
 */
export const workspaceActivityActionSchema = z.enum(['workspace.terminal.open', 'workspace.terminal.close', 'workspace.preview.open', 'workspace.ai.prompt']);
export type WorkspaceActivityAction = z.infer<typeof workspaceActivityActionSchema>;

export const workspaceActivityEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  workspaceId: z.string(),
  actorId: z.string().nullable(),
  actorEmail: z.string(),
  action: workspaceActivityActionSchema,
  detail: z.record(z.string(), z.unknown()),
});
export type WorkspaceActivityEntry = z.infer<typeof workspaceActivityEntrySchema>;

/** GET /api/v1/audit/activity */
export const workspaceActivityPageSchema = z.object({ entries: z.array(workspaceActivityEntrySchema), nextBefore: z.string().nullable() });

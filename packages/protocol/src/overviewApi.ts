import { z } from 'zod';
import { workspaceStateSchema } from './api.js';
import { dateTimeSchema } from './strings.js';

/**
 * Admin → Overview (issue 12): the counters, the topology and the activity timeline.
 * Read by admins and auditors; every figure is read from the database (and, for
 * agents, this portal's tunnel), so it holds after a restart.
 */

/** GET /api/v1/admin/overview */
export const adminOverviewSchema = z.object({
  /** When the figures were read. */
  at: z.string(),
  workspaces: z.object({
    running: z.number().int(),
    stopped: z.number().int(),
    failed: z.number().int(),
    /** On their way up or down (pending, starting, stopping). */
    changing: z.number().int(),
  }),
  agents: z.object({ connected: z.number().int(), total: z.number().int() }),
  /** What waits for an admin: publish requests to review, agent actions held by governance. */
  pendingApprovals: z.object({
    total: z.number().int(),
    publishRequests: z.number().int(),
    heldActions: z.number().int(),
  }),
  /**
   * Since `since` (00:00 UTC today): sign-ins refused (wrong password, unknown or
   * deactivated account, SSO refused: the audit log's failed `auth.login`) and requests
   * refused by the IP allowlist (as it stores them: at most a few per address a minute).
   * Attempts over the rate limit are refused before either and counted by neither.
   */
  blockedSignIns: z.object({
    since: z.string(),
    total: z.number().int(),
    failedSignIns: z.number().int(),
    ipBlocked: z.number().int(),
  }),
});
export type AdminOverview = z.infer<typeof adminOverviewSchema>;

export const topologyNodeKindSchema = z.enum(['agent', 'blueprint', 'workspace', 'user']);
export type TopologyNodeKind = z.infer<typeof topologyNodeKindSchema>;

/**
 * One node. `id` is unique in the graph (`<kind>:<ref>`); `ref` is the id of what it
 * shows (the agent, blueprint, workspace or user). `state`: a workspace's state; an
 * agent's "connected" or "disconnected".
 */
export const topologyNodeSchema = z.object({
  id: z.string(),
  kind: topologyNodeKindSchema,
  ref: z.string(),
  label: z.string(),
  state: z.string().optional(),
});
export type TopologyNode = z.infer<typeof topologyNodeSchema>;

/**
 * GET /api/v1/admin/topology: runtime agents → blueprints → workspaces → owners.
 * An agent points at each blueprint it runs a workspace of; a blueprint at each of its
 * workspaces (placed on an agent or not yet); a workspace at its owner. Deleted
 * workspaces are left out; every blueprint appears, with or without workspaces.
 */
export const topologySchema = z.object({
  nodes: z.array(topologyNodeSchema),
  edges: z.array(z.object({ from: z.string(), to: z.string() })),
});
export type Topology = z.infer<typeof topologySchema>;

/** The longest range one timeline request may cover. */
export const TIMELINE_MAX_DAYS = 31;

/** GET /api/v1/admin/timeline?from=&to= (ISO times); absent: the 24 hours up to now (`to` defaults to now, `from` to 24 h before `to`). */
export const timelineQuerySchema = z.object({
  from: dateTimeSchema.optional(),
  to: dateTimeSchema.optional(),
}).strict()
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), { message: '`from` must be before `to`', path: ['from'] })
  .refine((q) => !q.from || !q.to || Date.parse(q.to) - Date.parse(q.from) <= TIMELINE_MAX_DAYS * 86_400_000,
    { message: `the range may cover at most ${TIMELINE_MAX_DAYS} days`, path: ['to'] });
export type TimelineQuery = z.infer<typeof timelineQuerySchema>;

/**
 * A stretch of time inside the range. running: the workspace's agent reported it running
 * (workspace_runs); a run still open ends at the time of the answer, with `ongoing`.
 * connected: someone was using it, inside a running stretch (the workspace's activity
 * record): while a terminal was attached (to its closing; one whose closing was never
 * recorded, the portal having gone down under it, to the end of its run), and for
 * CONNECTED_WINDOW_MINUTES after each preview link issued or prompt sent to its AI, which
 * are moments, not sessions; overlapping stretches merged.
 */
export const timelineSegmentSchema = z.object({
  kind: z.enum(['running', 'connected']),
  start: z.string(),
  end: z.string(),
  ongoing: z.boolean().optional(),
});
export type TimelineSegment = z.infer<typeof timelineSegmentSchema>;
export const CONNECTED_WINDOW_MINUTES = 10;

export const timelineActionSchema = z.enum(['create', 'start', 'stop', 'delete', 'publish']);
export type TimelineAction = z.infer<typeof timelineActionSchema>;

/** From the audit log. `actorId` is null for the system (the resource policy's stops, cleanup); `actorName` names the person (or the system actor). */
export const timelineEventSchema = z.object({
  at: z.string(),
  action: timelineActionSchema,
  actorId: z.string().nullable(),
  actorName: z.string(),
});
export type TimelineEvent = z.infer<typeof timelineEventSchema>;

export const timelineRowSchema = z.object({
  workspaceId: z.string(),
  label: z.string(),
  ownerId: z.string(),
  ownerName: z.string(),
  blueprintId: z.string(),
  /** Its state now ("deleted" for one deleted since). */
  state: workspaceStateSchema,
  segments: z.array(timelineSegmentSchema),
  events: z.array(timelineEventSchema),
});
export type TimelineRow = z.infer<typeof timelineRowSchema>;

/** One row per workspace that existed during the range, newest first; `from` and `to` are the range answered. */
export const timelineSchema = z.object({
  from: z.string(),
  to: z.string(),
  rows: z.array(timelineRowSchema),
});
export type Timeline = z.infer<typeof timelineSchema>;

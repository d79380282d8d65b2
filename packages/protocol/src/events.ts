import { z } from 'zod';
import { workspaceSchema } from './api.js';

/**
 * The portal's event bus: every topic and what one event of it carries
 * (docs/architecture.md, "The event bus"). An event says that something changed,
 * after the change committed; where the thing is kept (its table) stays the truth.
 * Between portals an event travels in a PostgreSQL notification (8000 bytes at
 * most), so a topic carries ids and counts, and a subscriber that needs more
 * reads it. A workspace event crosses as the workspace's id and is read again
 * where it arrives.
 */
const id = z.string().min(1).max(64);
const count = z.number().int().nonnegative();

/** A model call the agent's LLM gateway counted (one row of the usage ledger, `llm_usage`). */
export const usageEventSchema = z.object({
  workspaceId: id,
  userId: id,
  blueprintId: id,
  model: z.string().max(200),
  inputTokens: count,
  outputTokens: count,
  cacheReadTokens: count,
  cacheWriteTokens: count,
  at: z.string(),
});

/**
 * The topics to come, given their place now so their producers and feeds are
 * written against the bus: each names its record (kept in its own table) and
 * the workspace it concerns, which is what a feed needs to decide who may see it.
 */
/** A governance decision (an agent hook, the LLM gateway or the egress proxy allowed, held or denied something). */
export const governanceEventSchema = z.object({ decisionId: id, workspaceId: id });
/** An approval (a held agent action, a publish request) was asked for or decided. */
export const approvalEventSchema = z.object({ approvalId: id, workspaceId: id });
/**
 * A workspace's effective governance policy may have changed: the org policy
 * (neither id), a blueprint's override or kill switch (`blueprintId`), a
 * workspace's grants (`workspaceId`). The reconciler sends the specs concerned
 * again at once, so agents hold the new policy within a second.
 */
export const governancePolicyEventSchema = z.object({ blueprintId: id.optional(), workspaceId: id.optional() });
/** A published app changed (a version published, rolled back, unpublished). */
export const publishEventSchema = z.object({ publishId: id, workspaceId: id });

export const portalEventSchemas = {
  /** A workspace changed (its state, its wish, its resources): the workspace as it is now. */
  workspace: workspaceSchema,
  usage: usageEventSchema,
  governance: governanceEventSchema,
  approval: approvalEventSchema,
  governancePolicy: governancePolicyEventSchema,
  publish: publishEventSchema,
} as const;

export type PortalEventTopic = keyof typeof portalEventSchemas;
export const portalEventTopics = Object.keys(portalEventSchemas) as PortalEventTopic[];
export type PortalEvents = { [T in PortalEventTopic]: z.infer<(typeof portalEventSchemas)[T]> };
export type UsageEvent = PortalEvents['usage'];

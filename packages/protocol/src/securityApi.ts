import { z } from 'zod';
import { roleSchema } from './api.js';
import { approvalStateSchema } from './governanceAdminApi.js';
import { governanceClassSchema } from './governanceApi.js';

export const connectionKindSchema = z.enum(['terminal', 'chat', 'preview']);
export type ConnectionKind = z.infer<typeof connectionKindSchema>;

/** A live connection someone holds into a workspace through this portal now. */
export const activeConnectionSchema = z.object({
  id: z.string(),
  kind: connectionKindSchema,
  userId: z.string(),
  userName: z.string(),
  userEmail: z.string(),
  workspaceId: z.string(),
  workspaceName: z.string(),
  /** The client's address as the portal sees it (X-Forwarded-For only from the allowlist's trusted proxies). */
  ip: z.string(),
  since: z.string(),
  /** A terminal's session name, a preview's port. */
  detail: z.string(),
});
export type ActiveConnection = z.infer<typeof activeConnectionSchema>;

export const securityMemberSchema = z.object({ id: z.string(), name: z.string(), email: z.string(), role: roleSchema, lastLoginAt: z.string().nullable() });
export type SecurityMember = z.infer<typeof securityMemberSchema>;

export const securityBlueprintSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Any member may use it (access "open"), rather than those its rules name. */
  openToEveryone: z.boolean(),
  /** Its workspaces may publish apps anyone on the internet can open, without signing in. */
  allowsPublicApps: z.boolean(),
  /** Its trusted builders' publishes go live without review when every check passes. */
  trustedPublishing: z.boolean(),
});
export type SecurityBlueprint = z.infer<typeof securityBlueprintSchema>;

export const securityDenialSchema = z.object({
  at: z.string(), class: governanceClassSchema, summary: z.string(), userEmail: z.string().nullable(), workspaceName: z.string().nullable(),
});
export const securityHeldSchema = z.object({
  id: z.string(), requestedAt: z.string(), class: governanceClassSchema, summary: z.string(), state: approvalStateSchema,
  userEmail: z.string().nullable(), workspaceName: z.string().nullable(),
});

/** `GET /api/v1/admin/security`: the Security dashboard. */
export const securityOverviewSchema = z.object({
  /** Terminals, AI chat streams and preview WebSockets (hot reload) open through this portal now, oldest first. */
  connections: z.array(activeConnectionSchema),
  /**
   * Requests the IP allowlist refused, per hour, over the last 7 days (oldest first, every hour
   * present). From the stored attempts: at most 30 a minute per address are stored, so a flood counts as less.
   */
  blocks: z.object({
    hourly: z.array(z.object({ hour: z.string(), count: z.number().int() })),
    last24h: z.number().int(),
    last7d: z.number().int(),
    /** Whether the allowlist has rules at all (empty: everyone may connect, nothing is refused). */
    allowlistActive: z.boolean(),
  }),
  /** Blueprints open to every member, or whose apps may be public; the others are not listed. */
  blueprints: z.array(securityBlueprintSchema),
  governance: z.object({
    /** Actions the governance refused (enforced denials) in the last 7 days. */
    denied7d: z.number().int(),
    /** Actions held for an admin in the last 7 days, and those still waiting. */
    held7d: z.number().int(),
    pendingNow: z.number().int(),
    latestDenials: z.array(securityDenialSchema),
    latestHeld: z.array(securityHeldSchema),
  }),
  /** Active members with the admin role. */
  admins: z.array(securityMemberSchema),
  /** Active members marked trusted: on blueprints with trusted publishing, their clean publishes skip review. */
  trustedBuilders: z.array(securityMemberSchema),
});
export type SecurityOverview = z.infer<typeof securityOverviewSchema>;

import { z } from 'zod';
import { DEFAULT_WORKSPACE_LIMITS, workspaceLimitFields, type WorkspaceLimits, type WorkspaceResources } from './blueprintConfig.js';

/**
 * Resource policies (issue 11): how many workspaces a person may run at once, when an
 * idle or long-running one stops, when a stopped one is cleaned up, and the compute
 * each gets. The org sets them; a blueprint may override any value (null or absent:
 * inherit). They are read when they apply, so a changed policy applies at once.
 */
const lifecycleFields = {
  /** Workspaces one person may have running (or starting) at once; stopped ones don't count. */
  maxRunningPerUser: z.int().min(1).max(1000),
  /** Minutes without activity (docs/usage-and-cost.md lists what counts) before a workspace stops; 1 at least, so tests can use it. */
  idleStopMinutes: z.int().min(1).max(525_600),
  /** Hours a workspace may run from its start, active or not; it stops and keeps its files. */
  maxLifetimeHours: z.int().min(1).max(8_760),
  /** Days after which a stopped workspace is deleted with its files; null: never. */
  cleanupStoppedAfterDays: z.int().min(1).max(3_650).nullable(),
};

/** Compute per workspace, as the hardening issue's limits: CPU cores, memory and processes (`pids`). */
const limitFields = { cpus: workspaceLimitFields.cpus, memoryMiB: workspaceLimitFields.memoryMiB, pids: workspaceLimitFields.processes };

export const resourcePolicySchema = z.strictObject({ ...lifecycleFields, limits: z.strictObject(limitFields) });
export type ResourcePolicy = z.infer<typeof resourcePolicySchema>;

export const DEFAULT_RESOURCE_POLICY: ResourcePolicy = {
  maxRunningPerUser: 2, idleStopMinutes: 120, maxLifetimeHours: 72, cleanupStoppedAfterDays: 30,
  limits: { cpus: DEFAULT_WORKSPACE_LIMITS.cpus, memoryMiB: DEFAULT_WORKSPACE_LIMITS.memoryMiB, pids: DEFAULT_WORKSPACE_LIMITS.processes },
};

const inherit = <T extends z.ZodType>(s: T) => s.nullable().optional();

/** A blueprint's overrides: the same shape, every value null or absent to inherit the org's. */
export const blueprintResourcePolicySchema = z.strictObject({
  maxRunningPerUser: inherit(lifecycleFields.maxRunningPerUser),
  idleStopMinutes: inherit(lifecycleFields.idleStopMinutes),
  maxLifetimeHours: inherit(lifecycleFields.maxLifetimeHours),
  // Null inherits here too: a blueprint can't switch off the org's cleanup, only set its own days.
  cleanupStoppedAfterDays: inherit(lifecycleFields.cleanupStoppedAfterDays.unwrap()),
  limits: inherit(z.strictObject({ cpus: inherit(limitFields.cpus), memoryMiB: inherit(limitFields.memoryMiB), pids: inherit(limitFields.pids) })),
});
export type BlueprintResourcePolicy = z.infer<typeof blueprintResourcePolicySchema>;

/** The lifecycle values a blueprint overrides, as stored (limits live in its workspace_config.resources). */
export type BlueprintLifecycleOverrides = Partial<Record<keyof typeof lifecycleFields, number>>;

/** The org's limits as the defaults a blueprint's unset resources take (/tmp and disk keep theirs). */
export function orgWorkspaceLimits(org: ResourcePolicy): WorkspaceLimits {
  return { ...DEFAULT_WORKSPACE_LIMITS, cpus: org.limits.cpus, memoryMiB: org.limits.memoryMiB, processes: org.limits.pids };
}

/** A blueprint's policy limits, read from its resources (its own values only; unset: null, inherit). */
export function policyLimitsOf(resources: WorkspaceResources): NonNullable<BlueprintResourcePolicy['limits']> {
  return { cpus: resources.cpus ?? null, memoryMiB: resources.memoryMiB ?? null, pids: resources.processes ?? null };
}

/** Why a running workspace will stop: it went idle, or it reached its maximum lifetime. */
export const stopReasonSchema = z.enum(['idle', 'lifetime']);
export type StopReason = z.infer<typeof stopReasonSchema>;

/** How many workspaces a policy change would touch, before it is saved (the policy page shows it). */
export const resourcePolicyImpactSchema = z.object({
  /** Running workspaces whose deadline moves (idle or lifetime). */
  deadlinesChange: z.number().int(),
  /** Running workspaces that would stop at the next sweep, their deadline already past. */
  stopNow: z.number().int(),
  /** People who would be over the running limit (they keep what runs; their next start is refused). */
  usersOverLimit: z.number().int(),
  /** Stopped workspaces the cleanup would delete at the next sweep. */
  deleteNow: z.number().int(),
  /** Workspaces whose compute limits change (applied when each next starts). */
  limitsChange: z.number().int(),
});
export type ResourcePolicyImpact = z.infer<typeof resourcePolicyImpactSchema>;

import {
  DEFAULT_RESOURCE_POLICY, orgWorkspaceLimits, policyLimitsOf, resolveWorkspaceLimits, resourcePolicySchema, workspaceResourcesSchema,
  type BlueprintLifecycleOverrides, type BlueprintResourcePolicy, type ResourcePolicy, type ResourcePolicyImpact, type WorkspaceLimits,
  type WorkspaceResources,
} from '@paddock/protocol';
import { sql } from 'kysely';
import { z } from 'zod';
import type { AuditLog } from '../audit/auditLog.js';
import type { UserActor } from '../auth/actor.js';
import type { Database } from '../db/database.js';
import { readWorkspaceConfig } from '../blueprints/workspaceSetup.js';
import { InputError, NotFoundError } from '../errors.js';
import type { Settings } from '../settings.js';
import type { Workspaces } from '../workspaces/workspaces.js';
import { withPolicy } from '../workspaces/workspaces.js';
import type { Clock } from '../clock.js';
import { cleanupDeadline, effectiveValue, IN_FORCE, RESOURCE_POLICY_KEY, stopDeadline, type PolicySource } from './workspaceDeadlines.js';

const LIFECYCLE = ['maxRunningPerUser', 'idleStopMinutes', 'maxLifetimeHours', 'cleanupStoppedAfterDays'] as const;

/** A stored override that no longer parses (edited by hand) inherits everything rather than failing every read. */
const storedOverridesSchema = z.object(Object.fromEntries(LIFECYCLE.map((k) => [k, z.int().positive().optional()]))).catch({});

/** The lifecycle values a blueprint sets (what it leaves null inherits), as its resource_policy column holds them. */
function lifecycleOverrides(policy: BlueprintResourcePolicy): BlueprintLifecycleOverrides {
  return Object.fromEntries(LIFECYCLE.flatMap((k) => (policy[k] != null ? [[k, policy[k]]] : [])));
}

/**
 * A blueprint's resources with the policy's limits in place of its CPU, memory and
 * process values (null: the org's); its /tmp and disk stay. The whole must still be a
 * valid set (/tmp at most half the memory), else an InputError and nothing is saved.
 */
function withPolicyLimits(resources: WorkspaceResources, policy: BlueprintResourcePolicy): WorkspaceResources {
  const { cpus: _c, memoryMiB: _m, processes: _p, ...kept } = resources;
  const limits = policy.limits ?? {};
  const merged = workspaceResourcesSchema.safeParse({
    ...kept,
    ...(limits.cpus != null ? { cpus: limits.cpus } : {}),
    ...(limits.memoryMiB != null ? { memoryMiB: limits.memoryMiB } : {}),
    ...(limits.pids != null ? { processes: limits.pids } : {}),
  });
  if (merged.success) return merged.data;
  const issue = merged.error.issues[0];
  throw new InputError(`limits: ${issue?.message ?? 'invalid'} (the blueprint's ${issue?.path.join('.') ?? 'resources'})`);
}

/**
 * The org's resource policy and each blueprint's overrides (issue 11). The lifecycle
 * values are read where they apply, in SQL (workspaceDeadlines.ts), so a saved change
 * moves every workspace's deadline at once; a blueprint's compute limits are its
 * workspace_config.resources, the one place a workspace's start reads them, and the
 * org's limits are the defaults those fall back to. Every change is audited with the
 * whole policy, in the transaction that saves it.
 */
export class ResourcePolicies {
  constructor(private readonly deps: { db: Database; clock: Clock; audit: AuditLog; settings: Settings; workspaces: Workspaces }) {}

  async org(): Promise<ResourcePolicy> {
    return this.deps.settings.get(RESOURCE_POLICY_KEY, resourcePolicySchema, DEFAULT_RESOURCE_POLICY);
  }

  /** The limits a blueprint's unset resources take. */
  async orgLimits(): Promise<WorkspaceLimits> {
    return orgWorkspaceLimits(await this.org());
  }

  async putOrg(policy: ResourcePolicy, by: UserActor): Promise<ResourcePolicy> {
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.settings.set(RESOURCE_POLICY_KEY, policy, tx);
      await this.deps.audit.append({
        actor: by, action: 'resource_policy.update', targetType: 'setting', targetId: RESOURCE_POLICY_KEY, outcome: 'success',
        detail: { policy },
      }, tx);
    });
    await this.announce();
    return policy;
  }

  /** A blueprint's overrides: null where it inherits. 404 for no blueprint. */
  async forBlueprint(blueprintId: string): Promise<BlueprintResourcePolicy> {
    const row = await this.deps.db.selectFrom('blueprints').select(['resource_policy', 'workspace_config'])
      .where('id', '=', blueprintId).executeTakeFirst();
    if (!row) throw new NotFoundError('blueprint');
    const own = storedOverridesSchema.parse(row.resource_policy) as BlueprintLifecycleOverrides;
    return {
      ...Object.fromEntries(LIFECYCLE.map((k) => [k, own[k] ?? null])),
      limits: policyLimitsOf(readWorkspaceConfig(row.workspace_config).resources),
    };
  }

  /**
   * Replaces a blueprint's overrides whole (what is null or absent inherits). Its limits
   * are written into its resources, which keep their /tmp and disk values; together they
   * must still be a valid set (/tmp at most half the memory), else nothing is saved.
   */
  async putBlueprint(blueprintId: string, policy: BlueprintResourcePolicy, by: UserActor): Promise<BlueprintResourcePolicy> {
    await this.deps.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('blueprints').select(['workspace_config']).where('id', '=', blueprintId).forUpdate().executeTakeFirst();
      if (!row) throw new NotFoundError('blueprint');
      const config = readWorkspaceConfig(row.workspace_config);
      await tx.updateTable('blueprints')
        .set({ resource_policy: JSON.stringify(lifecycleOverrides(policy)), workspace_config: JSON.stringify({ ...config, resources: withPolicyLimits(config.resources, policy) }) })
        .where('id', '=', blueprintId).execute();
      await this.deps.audit.append({
        actor: by, action: 'blueprint.resource_policy.update', targetType: 'blueprint', targetId: blueprintId, blueprintId,
        outcome: 'success', detail: { policy },
      }, tx);
    });
    await this.announce(blueprintId);
    return this.forBlueprint(blueprintId);
  }

  /**
   * What saving a candidate (the org's policy, or one blueprint's overrides) would do now,
   * before it is saved: deadlines computed by the same SQL as the sweep's, once with the
   * policy in force and once with the candidate in its place; limits by the same
   * resolution a start uses.
   */
  async impact(candidate: { org: ResourcePolicy } | { blueprintId: string; policy: BlueprintResourcePolicy }): Promise<ResourcePolicyImpact> {
    const org = await this.org();
    let from: PolicySource;
    let newOrg = org;
    let resourcesOf = (_blueprintId: string, resources: WorkspaceResources) => resources;
    if ('org' in candidate) {
      newOrg = candidate.org;
      from = { org: sql`${JSON.stringify(candidate.org)}::jsonb`, blueprint: IN_FORCE.blueprint };
    } else {
      await this.forBlueprint(candidate.blueprintId);
      const own = JSON.stringify(lifecycleOverrides(candidate.policy));
      from = { org: IN_FORCE.org, blueprint: sql`case when blueprints.id = ${candidate.blueprintId} then ${own}::jsonb else blueprints.resource_policy end` };
      resourcesOf = (blueprintId, resources) => (blueprintId === candidate.blueprintId ? withPolicyLimits(resources, candidate.policy) : resources);
    }
    const now = this.deps.clock.now().getTime();
    const rows = await withPolicy(this.deps.db)
      .select(['workspaces.owner_id', 'workspaces.desired_state', 'workspaces.blueprint_id', 'blueprints.workspace_config'])
      .select([
        stopDeadline().as('stop_now'), stopDeadline(from).as('stop_then'),
        cleanupDeadline(from).as('cleanup_then'), effectiveValue('maxRunningPerUser', from).as('limit_then'),
      ])
      .where('workspaces.desired_state', 'in', ['running', 'stopped']).execute();
    const impact: ResourcePolicyImpact = { deadlinesChange: 0, stopNow: 0, usersOverLimit: 0, deleteNow: 0, limitsChange: 0 };
    const running = new Map<string, { count: number; limit: number }>();
    const same = (a: WorkspaceLimits, b: WorkspaceLimits) => a.cpus === b.cpus && a.memoryMiB === b.memoryMiB && a.processes === b.processes;
    for (const r of rows) {
      const resources = readWorkspaceConfig(r.workspace_config).resources;
      if (!same(resolveWorkspaceLimits(resources, orgWorkspaceLimits(org)), resolveWorkspaceLimits(resourcesOf(r.blueprint_id, resources), orgWorkspaceLimits(newOrg)))) impact.limitsChange++;
      if (r.desired_state === 'stopped') {
        if (r.cleanup_then && r.cleanup_then.getTime() <= now) impact.deleteNow++;
        continue;
      }
      if (r.stop_now.getTime() !== r.stop_then.getTime()) impact.deadlinesChange++;
      if (r.stop_then.getTime() <= now) impact.stopNow++;
      const user = running.get(r.owner_id) ?? { count: 0, limit: Number.POSITIVE_INFINITY };
      running.set(r.owner_id, { count: user.count + 1, limit: Math.min(user.limit, r.limit_then ?? 1) });
    }
    impact.usersOverLimit = [...running.values()].filter((u) => u.count > u.limit).length;
    return impact;
  }

  /** Live views show the moved deadlines at once: every workspace the change may concern goes on the bus. */
  private async announce(blueprintId?: string): Promise<void> {
    let q = this.deps.db.selectFrom('workspaces').select('id').where('desired_state', 'in', ['running', 'stopped']);
    if (blueprintId) q = q.where('blueprint_id', '=', blueprintId);
    for (const { id } of await q.execute()) await this.deps.workspaces.notifyChanged(id);
  }
}

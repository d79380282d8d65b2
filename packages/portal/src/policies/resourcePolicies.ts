import {
  DEFAULT_RESOURCE_POLICY, orgWorkspaceLimits, policyLimitsOf, resourcePolicySchema, workspaceResourcesSchema,
  type BlueprintLifecycleOverrides, type BlueprintResourcePolicy, type ResourcePolicy, type WorkspaceLimits,
} from '@paddock/protocol';
import { z } from 'zod';
import type { AuditLog } from '../audit/auditLog.js';
import type { UserActor } from '../auth/actor.js';
import type { Database } from '../db/database.js';
import { readWorkspaceConfig } from '../blueprints/workspaceSetup.js';
import { InputError, NotFoundError } from '../errors.js';
import type { Settings } from '../settings.js';
import type { Workspaces } from '../workspaces/workspaces.js';
import { RESOURCE_POLICY_KEY } from './workspaceDeadlines.js';

const LIFECYCLE = ['maxRunningPerUser', 'idleStopMinutes', 'maxLifetimeHours', 'cleanupStoppedAfterDays'] as const;

/** A stored override that no longer parses (edited by hand) inherits everything rather than failing every read. */
const storedOverridesSchema = z.object(Object.fromEntries(LIFECYCLE.map((k) => [k, z.int().positive().optional()]))).catch({});

/**
 * The org's resource policy and each blueprint's overrides (issue 11). The lifecycle
 * values are read where they apply, in SQL (workspaceDeadlines.ts), so a saved change
 * moves every workspace's deadline at once; a blueprint's compute limits are its
 * workspace_config.resources, the one place a workspace's start reads them, and the
 * org's limits are the defaults those fall back to. Every change is audited with the
 * whole policy, in the transaction that saves it.
 */
export class ResourcePolicies {
  constructor(private readonly deps: { db: Database; audit: AuditLog; settings: Settings; workspaces: Workspaces }) {}

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
      const { cpus: _c, memoryMiB: _m, processes: _p, ...kept } = config.resources;
      const limits = policy.limits ?? {};
      const merged = workspaceResourcesSchema.safeParse({
        ...kept,
        ...(limits.cpus != null ? { cpus: limits.cpus } : {}),
        ...(limits.memoryMiB != null ? { memoryMiB: limits.memoryMiB } : {}),
        ...(limits.pids != null ? { processes: limits.pids } : {}),
      });
      if (!merged.success) {
        const issue = merged.error.issues[0];
        throw new InputError(`limits: ${issue?.message ?? 'invalid'} (the blueprint's ${issue?.path.join('.') ?? 'resources'})`);
      }
      const own: BlueprintLifecycleOverrides = Object.fromEntries(LIFECYCLE.flatMap((k) => (policy[k] != null ? [[k, policy[k]]] : [])));
      await tx.updateTable('blueprints')
        .set({ resource_policy: JSON.stringify(own), workspace_config: JSON.stringify({ ...config, resources: merged.data }) })
        .where('id', '=', blueprintId).execute();
      await this.deps.audit.append({
        actor: by, action: 'blueprint.resource_policy.update', targetType: 'blueprint', targetId: blueprintId, blueprintId,
        outcome: 'success', detail: { policy },
      }, tx);
    });
    await this.announce(blueprintId);
    return this.forBlueprint(blueprintId);
  }

  /** Live views show the moved deadlines at once: every workspace the change may concern goes on the bus. */
  private async announce(blueprintId?: string): Promise<void> {
    let q = this.deps.db.selectFrom('workspaces').select('id').where('desired_state', 'in', ['running', 'stopped']);
    if (blueprintId) q = q.where('blueprint_id', '=', blueprintId);
    for (const { id } of await q.execute()) await this.deps.workspaces.notifyChanged(id);
  }
}

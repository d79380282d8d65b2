import {
  defaultGovernancePolicy, effectivePolicy, governanceOverrideSchema, governancePolicySchema, killSwitchFor, policyRuleSchema,
  type EffectivePolicy, type GovernanceOverride, type GovernancePolicy, type KillSwitch, type KillSwitchChange, type KillSwitchState,
  type PolicyRule,
} from '@paddock/protocol';
import type { UserActor } from '../auth/actor.js';
import { InputError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import type { PortalServices } from '../services.js';

type Deps = Pick<PortalServices, 'db' | 'clock' | 'audit' | 'events'>;

/** Rules an admin sends without an id get one, so events and approvals can name the rule that decided. */
function withIds(rules: PolicyRule[]): PolicyRule[] {
  const named = rules.map((r) => (r.id ? r : { ...r, id: `rule-${newId().slice(0, 8)}` }));
  const seen = new Set<string>();
  for (const r of named) {
    if (seen.has(r.id!)) throw new InputError(`rules: the id "${r.id}" is used twice`);
    seen.add(r.id!);
  }
  return named;
}

const ORG = 'org';

/**
 * The org policy, the blueprints' overrides and the kill switches, and the one
 * policy each workspace's agent holds (its EffectivePolicy). Every change is
 * audited with who made it and why, and published (`governancePolicy`), which
 * makes the reconciler send the specs concerned at once: agents hold the new
 * policy within a second. Who may change or read them is the route table's
 * (admins change, auditors read).
 */
export class GovernancePolicies {
  constructor(private readonly deps: Deps, private readonly registries: () => string[]) {}

  /** The org policy; the defaults until an admin saves one. */
  async org(): Promise<GovernancePolicy> {
    const row = await this.deps.db.selectFrom('governance_org_policy').select('policy').where('singleton', '=', 1).executeTakeFirst();
    const parsed = row && governancePolicySchema.safeParse(row.policy);
    // A stored policy that no longer parses (edited by hand) is the strictest one can state, not the defaults.
    if (parsed && !parsed.success) return lockedDown();
    return parsed?.data ?? defaultGovernancePolicy(this.registries());
  }

  async putOrg(policy: GovernancePolicy, by: UserActor): Promise<GovernancePolicy> {
    const saved: GovernancePolicy = { ...policy, rules: withIds(policy.rules) };
    const now = this.deps.clock.now();
    const value = JSON.stringify(saved);
    await this.deps.db.transaction().execute(async (tx) => {
      await tx.insertInto('governance_org_policy').values({ singleton: 1, policy: value, updated_at: now, updated_by: by.user.id })
        .onConflict((oc) => oc.column('singleton').doUpdateSet({ policy: value, updated_at: now, updated_by: by.user.id })).execute();
      await this.deps.audit.append({
        actor: by, action: 'governance.policy.update', targetType: 'governance_policy', targetId: ORG, outcome: 'success',
        detail: { policy: saved },
      }, tx);
    });
    this.deps.events.publish('governancePolicy', {});
    return saved;
  }

  /** A blueprint's override ({} when it has none); 404 for a blueprint that doesn't exist. */
  async override(blueprintId: string): Promise<GovernanceOverride> {
    await this.assertBlueprint(blueprintId);
    return this.storedOverride(blueprintId);
  }

  async putOverride(blueprintId: string, override: GovernanceOverride, by: UserActor): Promise<GovernanceOverride> {
    await this.assertBlueprint(blueprintId);
    const saved: GovernanceOverride = override.rules ? { ...override, rules: withIds(override.rules) } : override;
    const now = this.deps.clock.now();
    const value = JSON.stringify(saved);
    await this.deps.db.transaction().execute(async (tx) => {
      await tx.insertInto('governance_blueprint_overrides').values({ blueprint_id: blueprintId, override: value, updated_at: now, updated_by: by.user.id })
        .onConflict((oc) => oc.column('blueprint_id').doUpdateSet({ override: value, updated_at: now, updated_by: by.user.id })).execute();
      await this.deps.audit.append({
        actor: by, action: 'governance.override.update', targetType: 'blueprint', targetId: blueprintId, blueprintId, outcome: 'success',
        detail: { override: saved },
      }, tx);
    });
    this.deps.events.publish('governancePolicy', { blueprintId });
    return saved;
  }

  async killSwitch(): Promise<KillSwitch> {
    const rows = await this.deps.db.selectFrom('governance_kill_switches').selectAll().execute();
    const state = (r: (typeof rows)[number]): KillSwitchState => ({ engaged: r.engaged, ...(r.reason ? { reason: r.reason } : {}) });
    const org = rows.find((r) => r.scope === 'org');
    return {
      org: org ? state(org) : { engaged: false },
      blueprints: Object.fromEntries(rows.filter((r) => r.scope === 'blueprint').map((r) => [r.blueprint_id!, state(r)])),
    };
  }

  async setKillSwitch(change: KillSwitchChange, by: UserActor): Promise<KillSwitch> {
    if (change.scope === 'blueprint' && !change.blueprintId) throw new InputError('blueprintId: a blueprint kill switch names its blueprint');
    if (change.scope === 'org' && change.blueprintId) throw new InputError('blueprintId: the org kill switch names no blueprint');
    if (change.scope === 'blueprint') await this.assertBlueprint(change.blueprintId!);
    const target = change.scope === 'org' ? ORG : change.blueprintId!;
    const now = this.deps.clock.now();
    const values = {
      engaged: change.engaged, reason: change.reason ?? null, changed_at: now, changed_by: by.user.id, changed_by_email: by.user.email,
    };
    await this.deps.db.transaction().execute(async (tx) => {
      await tx.insertInto('governance_kill_switches')
        .values({ target, scope: change.scope, blueprint_id: change.scope === 'blueprint' ? target : null, ...values })
        .onConflict((oc) => oc.column('target').doUpdateSet(values)).execute();
      await this.deps.audit.append({
        actor: by, action: change.engaged ? 'governance.kill_switch.engage' : 'governance.kill_switch.release',
        targetType: change.scope === 'org' ? 'governance_policy' : 'blueprint', targetId: target,
        blueprintId: change.scope === 'blueprint' ? target : null, outcome: 'success',
        detail: { scope: change.scope, reason: change.reason ?? null },
      }, tx);
    });
    this.deps.events.publish('governancePolicy', change.scope === 'blueprint' ? { blueprintId: target } : {});
    return this.killSwitch();
  }

  /** The policy a workspace's agent enforces: org, its blueprint's override, the kill switch, its grants still in force. */
  async effectiveFor(workspace: { id: string; blueprintId: string }): Promise<EffectivePolicy> {
    const now = this.deps.clock.now();
    const [org, override, switches, grants] = await Promise.all([
      this.org(),
      this.storedOverride(workspace.blueprintId),
      this.deps.db.selectFrom('governance_kill_switches').select(['target', 'engaged', 'reason'])
        .where('target', 'in', [ORG, workspace.blueprintId]).execute(),
      this.grantsOf([workspace.id]),
    ]);
    const state = (target: string): KillSwitchState | undefined => {
      const r = switches.find((s) => s.target === target);
      return r && { engaged: r.engaged, ...(r.reason ? { reason: r.reason } : {}) };
    };
    return effectivePolicy(org, override, killSwitchFor(state(ORG) ?? { engaged: false }, state(workspace.blueprintId)), { grants: grants.get(workspace.id) ?? [] });
  }

  /** The rules admins' decisions added for these workspaces that are still in force, newest first, by workspace. */
  async grantsOf(workspaceIds: string[]): Promise<Map<string, PolicyRule[]>> {
    const out = new Map<string, PolicyRule[]>();
    if (!workspaceIds.length) return out;
    const now = this.deps.clock.now();
    const rows = await this.deps.db.selectFrom('governance_grants').select(['workspace_id', 'rule']).where('workspace_id', 'in', workspaceIds)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])).orderBy('created_at', 'desc').execute();
    for (const row of rows) {
      const parsed = policyRuleSchema.safeParse(row.rule);
      if (!parsed.success) continue;
      const list = out.get(row.workspace_id) ?? [];
      list.push(parsed.data);
      out.set(row.workspace_id, list);
    }
    return out;
  }

  /** A blueprint's saved override ({} when it has none), for one that is known to exist. */
  async storedOverride(blueprintId: string): Promise<GovernanceOverride> {
    const row = await this.deps.db.selectFrom('governance_blueprint_overrides').select('override').where('blueprint_id', '=', blueprintId).executeTakeFirst();
    if (!row) return {};
    const parsed = governanceOverrideSchema.safeParse(row.override);
    return parsed.success ? parsed.data : { mode: 'enforce', defaults: lockedDown().defaults, rules: [] };
  }

  async assertBlueprint(id: string): Promise<void> {
    const row = await this.deps.db.selectFrom('blueprints').select('id').where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('blueprint');
  }
}

/** What a policy that can't be read means: everything denied, enforced (fail closed). */
function lockedDown(): GovernancePolicy {
  return {
    mode: 'enforce',
    defaults: { llm_call: 'deny', bash_command: 'deny', file_write: 'deny', git_push: 'deny', http_request: 'deny' },
    rules: [],
    contentFilters: { secrets: true, privateKeys: true, exfiltration: true },
  };
}

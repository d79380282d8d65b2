import {
  effectivePolicy, governancePolicySchema, recordedActionSchema, SIMULATION_MAX_EVENTS, SIMULATION_SAMPLE_SIZE,
  type EffectivePolicy, type GovernanceAction, type GovernanceOverride, type GovernancePolicy, type SimulatedEvent,
  type SimulationGroup, type SimulationReport, type SimulationRequest, type Verdict, type VerdictChange,
} from '@paddock/protocol';
import { evaluate, loadShellParser } from '@paddock/protocol/governance';
import type { PortalServices } from '../services.js';

type Deps = Pick<PortalServices, 'db' | 'clock' | 'governancePolicies'>;

const DAY_MS = 24 * 60 * 60 * 1000;
/** Events read from the database at a time: the replay holds one page, never the whole window. */
const PAGE = 1000;
/** A simulation is about the policy, not about a kill switch someone may engage. */
const RELEASED = { engaged: false } as const;

/** The events a replay reads: every one of the window, or one blueprint's, or only those recorded in monitor mode. */
export interface ReplayScope {
  days: number;
  blueprintId?: string;
  monitorOnly?: boolean;
}

/** One event as the replay saw it: its recorded verdict and what the draft decides. */
export interface ReplayedEvent {
  id: string;
  at: Date;
  workspaceId: string;
  userId: string;
  blueprintId: string;
  class: GovernanceAction['class'];
  summary: string;
  action: GovernanceAction;
  /** The policy the draft gives the event's workspace. */
  policy: EffectivePolicy;
  from: { verdict: Verdict; ruleId?: string };
  to: { verdict: Verdict; ruleId?: string; reason: string };
}

/** The draft to replay: a whole org policy (each blueprint's saved override over it), or one blueprint's override (over the saved org policy). */
export type Draft = { org: GovernancePolicy } | { blueprintId: string; override: GovernanceOverride };

/**
 * The simulator: the recorded governance events of the last days, each decided
 * again by the agent's own evaluator (`@paddock/protocol/governance`) under a
 * draft policy, and what would have changed. An event recorded without its
 * action is counted "not replayable", never guessed at; one a content filter
 * decided keeps its verdict (the content it found is never stored). The kill
 * switch is left out, and each workspace's grants still in force are kept, as
 * its agent would hold them today. Reads only: admins run it before they save.
 */
export class GovernanceSimulator {
  constructor(private readonly deps: Deps) {}

  async simulate(request: SimulationRequest): Promise<SimulationReport> {
    if (request.blueprintId === undefined) return this.report({ org: governancePolicySchema.parse(request.policy) }, { days: request.days });
    await this.deps.governancePolicies.assertBlueprint(request.blueprintId);
    return this.report({ blueprintId: request.blueprintId, override: request.policy }, { days: request.days, blueprintId: request.blueprintId });
  }

  /** Replays the scope's events under the draft and tallies them (the simulate route, and a suggestion's effect). */
  async report(draft: Draft, scope: ReplayScope): Promise<SimulationReport> {
    const tally = new Tally();
    const { since, until, limited } = await this.replay(draft, scope, (event) => tally.add(event), (why) => tally.skipped(why));
    const labels = await this.labels(tally.userIds(), tally.workspaceIds());
    return {
      since: since.toISOString(), until: until.toISOString(), days: scope.days,
      ...(scope.blueprintId !== undefined ? { blueprintId: scope.blueprintId } : {}),
      totals: tally.totals(), limited, changes: tally.changes(),
      byClass: tally.groups('class'), byRule: tally.groups('rule'),
      byUser: tally.groups('user', labels.users), byWorkspace: tally.groups('workspace', labels.workspaces),
      sample: tally.sample,
    };
  }

  /**
   * Calls `each` for every replayable event of the scope, newest first, with the
   * draft's decision, and `skipped` with why for the others. At most
   * SIMULATION_MAX_EVENTS events are read; `limited` says there were more.
   */
  async replay(draft: Draft, scope: ReplayScope, each: (event: ReplayedEvent) => void, skipped: (why: 'notReplayable' | 'contentFilter') => void) {
    const until = this.deps.clock.now();
    const since = new Date(until.getTime() - scope.days * DAY_MS);
    await loadShellParser();
    const policies = new PolicyCache(this.deps.governancePolicies, draft);
    let read = 0;
    let cursor: number | undefined;
    for (;;) {
      let q = this.deps.db.selectFrom('governance_events')
        .select(['id', 'at', 'workspace_id', 'user_id', 'blueprint_id', 'class', 'summary', 'verdict', 'rule_id', 'filter', 'action'])
        .where('at', '>=', since).where('at', '<=', until).orderBy('id', 'desc').limit(Math.min(PAGE, SIMULATION_MAX_EVENTS + 1 - read));
      if (scope.blueprintId !== undefined) q = q.where('blueprint_id', '=', scope.blueprintId);
      if (scope.monitorOnly) q = q.where('enforced', '=', false);
      if (cursor !== undefined) q = q.where('id', '<', cursor);
      const rows = await q.execute();
      if (read + rows.length > SIMULATION_MAX_EVENTS) {
        rows.length = SIMULATION_MAX_EVENTS - read;
        await this.replayPage(rows, policies, each, skipped);
        return { since, until, limited: true };
      }
      read += rows.length;
      await this.replayPage(rows, policies, each, skipped);
      if (rows.length < PAGE) return { since, until, limited: false };
      cursor = Number(rows.at(-1)!.id);
    }
  }

  private async replayPage(rows: EventRow[], policies: PolicyCache, each: (event: ReplayedEvent) => void, skipped: (why: 'notReplayable' | 'contentFilter') => void) {
    await policies.prepare(rows);
    for (const r of rows) {
      if (r.filter) {
        skipped('contentFilter');
        continue;
      }
      const parsed = r.action === null ? undefined : recordedActionSchema.safeParse(r.action);
      if (!parsed?.success || parsed.data.class !== r.class) {
        skipped('notReplayable');
        continue;
      }
      const policy = policies.for(r.blueprint_id, r.workspace_id);
      const decision = evaluate(policy, parsed.data);
      each({
        id: String(r.id), at: r.at, workspaceId: r.workspace_id, userId: r.user_id, blueprintId: r.blueprint_id, class: r.class,
        summary: r.summary, action: parsed.data, policy,
        from: { verdict: r.verdict, ...(r.rule_id ? { ruleId: r.rule_id } : {}) },
        to: { verdict: decision.verdict, reason: decision.reason, ...(decision.ruleId !== undefined ? { ruleId: decision.ruleId } : {}) },
      });
    }
  }

  private async labels(userIds: string[], workspaceIds: string[]) {
    const [users, workspaces] = await Promise.all([
      userIds.length ? this.deps.db.selectFrom('users').select(['id', 'email']).where('id', 'in', userIds).execute() : [],
      workspaceIds.length ? this.deps.db.selectFrom('workspaces').select(['id', 'name']).where('id', 'in', workspaceIds).execute() : [],
    ]);
    return { users: new Map(users.map((u) => [u.id, u.email])), workspaces: new Map(workspaces.map((w) => [w.id, w.name])) };
  }
}

type EventRow = {
  id: number; at: Date; workspace_id: string; user_id: string; blueprint_id: string; class: GovernanceAction['class']; summary: string;
  verdict: Verdict; rule_id: string | null; filter: unknown; action: unknown;
};

/** The draft's effective policy per blueprint and workspace, as `GovernancePolicies.effectiveFor` builds it, read once per replay. */
class PolicyCache {
  private org: GovernancePolicy | undefined;
  private readonly overrides = new Map<string, GovernanceOverride>();
  private readonly grants = new Map<string, EffectivePolicy['rules']>();
  private readonly built = new Map<string, EffectivePolicy>();

  constructor(private readonly policies: Deps['governancePolicies'], private readonly draft: Draft) {}

  /** Reads what the page's events need and this cache doesn't hold yet. */
  async prepare(rows: EventRow[]): Promise<void> {
    this.org ??= 'org' in this.draft ? this.draft.org : await this.policies.org();
    for (const blueprintId of new Set(rows.map((r) => r.blueprint_id))) {
      if (this.overrides.has(blueprintId)) continue;
      const draft = this.draft;
      this.overrides.set(blueprintId, 'override' in draft && draft.blueprintId === blueprintId ? draft.override : await this.policies.storedOverride(blueprintId));
    }
    const missing = [...new Set(rows.map((r) => r.workspace_id))].filter((id) => !this.grants.has(id));
    const found = await this.policies.grantsOf(missing);
    for (const id of missing) this.grants.set(id, found.get(id) ?? []);
  }

  for(blueprintId: string, workspaceId: string): EffectivePolicy {
    const key = `${blueprintId}\n${workspaceId}`;
    let policy = this.built.get(key);
    if (!policy) {
      policy = effectivePolicy(this.org!, this.overrides.get(blueprintId), RELEASED, { grants: this.grants.get(workspaceId) ?? [] });
      this.built.set(key, policy);
    }
    return policy;
  }
}

type GroupBy = 'class' | 'rule' | 'user' | 'workspace';

class Tally {
  private replayed = 0;
  private changed = 0;
  private notReplayable = 0;
  private contentFilter = 0;
  private readonly all = new Map<string, number>();
  private readonly by: Record<GroupBy, Map<string, { replayed: number; changed: number; changes: Map<string, number> }>> = {
    class: new Map(), rule: new Map(), user: new Map(), workspace: new Map(),
  };
  readonly sample: SimulatedEvent[] = [];

  add(e: ReplayedEvent): void {
    this.replayed++;
    const changed = e.from.verdict !== e.to.verdict;
    const change = `${e.from.verdict}>${e.to.verdict}`;
    const keys: Record<GroupBy, string> = {
      class: e.class, rule: e.to.ruleId ?? `default:${e.class}`, user: e.userId, workspace: e.workspaceId,
    };
    for (const by of Object.keys(keys) as GroupBy[]) {
      let group = this.by[by].get(keys[by]);
      if (!group) this.by[by].set(keys[by], (group = { replayed: 0, changed: 0, changes: new Map() }));
      group.replayed++;
      if (changed) {
        group.changed++;
        group.changes.set(change, (group.changes.get(change) ?? 0) + 1);
      }
    }
    if (!changed) return;
    this.changed++;
    this.all.set(change, (this.all.get(change) ?? 0) + 1);
    if (this.sample.length < SIMULATION_SAMPLE_SIZE) {
      this.sample.push({
        id: e.id, at: e.at.toISOString(), workspaceId: e.workspaceId, userId: e.userId, blueprintId: e.blueprintId, class: e.class,
        summary: e.summary, from: e.from, to: e.to,
      });
    }
  }

  skipped(why: 'notReplayable' | 'contentFilter'): void {
    this[why]++;
  }

  totals(): SimulationReport['totals'] {
    return {
      events: this.replayed + this.notReplayable + this.contentFilter, replayed: this.replayed, changed: this.changed,
      notReplayable: this.notReplayable, contentFilter: this.contentFilter,
    };
  }

  changes(): VerdictChange[] {
    return changeList(this.all);
  }

  /** Most changed first, then most replayed, then by key: the same answer for the same events. */
  groups(by: GroupBy, labels?: Map<string, string>): SimulationGroup[] {
    return [...this.by[by]].map(([key, g]) => {
      const label = labels?.get(key);
      return { key, ...(label !== undefined ? { label } : {}), replayed: g.replayed, changed: g.changed, changes: changeList(g.changes) };
    }).sort((a, b) => b.changed - a.changed || b.replayed - a.replayed || a.key.localeCompare(b.key));
  }

  userIds(): string[] { return [...this.by.user.keys()]; }
  workspaceIds(): string[] { return [...this.by.workspace.keys()]; }
}

function changeList(counts: Map<string, number>): VerdictChange[] {
  return [...counts].map(([key, count]) => {
    const [from, to] = key.split('>') as [Verdict, Verdict];
    return { from, to, count };
  }).sort((a, b) => b.count - a.count || `${a.from}${a.to}`.localeCompare(`${b.from}${b.to}`));
}

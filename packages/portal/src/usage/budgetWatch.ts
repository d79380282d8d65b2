import type pino from 'pino';
import type { BudgetStatus, MyBudgets } from '@paddock/protocol';
import type { UsageRecord__Output } from '@paddock/protocol/tunnel';
import type { Unsubscribe } from '../events/eventBus.js';
import type { PortalServices } from '../services.js';
import { SingleFlight } from '../singleFlight.js';
import { monthOf, type Budgets, type BudgetMonth, type StoredBudget } from './budgets.js';
import { limitText, refusalMessage, spendOf } from './budgetSpend.js';
import type { LlmUsage } from './llmUsage.js';

type Deps = Pick<PortalServices, 'db' | 'clock' | 'events' | 'modelPrices' | 'governanceEvents'> & {
  budgets: Budgets;
  usage: LlmUsage;
  log: pino.Logger;
  metrics: Pick<PortalServices['metrics'], 'budgetRefusals'>;
};

/** A budget as it stands this month, and who its group is (the users whose calls count against it). */
type Evaluated = BudgetStatus & { budget: StoredBudget; members: ReadonlySet<string> };

/** Read again on this timer as well as after every model call: what no event announces (a group's members, a new month, another portal's list). */
const EVERY_MS = 30_000;
/**
 * Model calls come in bursts, and a pass sums the month's ledger: the calls of one
 * moment share one pass, this long after the first of them. A budget is therefore
 * overrun by at most the calls made (or under way) in this time after it is used up.
 */
const USAGE_COALESCE_MS = 250;

/**
 * Budgets, watched. A level-triggered pass (after every model call any portal
 * records, after the list changes, and on a timer) reads this month's spend from
 * the usage ledger, raises each threshold's alert once (the mark in
 * budget_months is the truth, so a restart raises nothing twice and misses
 * nothing), and keeps what the gateway must refuse: the portal decides, the
 * agent enforces, carried in the model route the reconciler keeps current.
 * Alerts go to the governance feed (admins) and are shown to the builder by
 * GET /api/v1/usage/budget.
 */
export class BudgetWatch {
  private readonly passes: SingleFlight;
  /** The refusals of the last pass: by user (their own and their groups' budgets) and by blueprint. */
  private blocked = { month: '', byUser: new Map<string, Evaluated>(), byBlueprint: new Map<string, Evaluated>() };
  /** Whether a pass has ended: before, what to refuse is not known yet. */
  private passed = false;
  private readonly changed = new Set<() => void>();
  private unsubscribe: Unsubscribe | undefined;
  private usageTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: Deps) {
    this.passes = new SingleFlight(() => this.pass(), (err) => this.deps.log.error({ err }, 'a budget pass failed'));
  }

  start(): void {
    this.unsubscribe = this.deps.events.on('usage', () => {
      this.usageTimer ??= setTimeout(() => { this.usageTimer = undefined; this.trigger(); }, USAGE_COALESCE_MS);
    });
    this.passes.start(EVERY_MS);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    clearTimeout(this.usageTimer);
    await this.passes.stop();
  }

  trigger(): void { this.passes.trigger(); }
  settled(): Promise<void> { return this.passes.settled(); }

  /** Hears when what the gateway must refuse changed (the reconciler sends the routes again at once). */
  onRefusalsChanged(listener: () => void): void { this.changed.add(listener); }

  /**
   * What the gateway must answer this workspace's model calls with, or undefined to let
   * them through. Waits for the first pass, and throws while none has succeeded: a portal
   * just started (or whose database fails) never sends a route that lets through what a
   * used-up budget blocks; the reconciler keeps the route the agent holds.
   */
  async refusalFor(w: { ownerId: string; blueprintId: string }): Promise<string | undefined> {
    if (!this.passed) await this.passes.settled();
    if (!this.passed) throw new Error('the budgets could not be checked yet');
    const budget = this.blocked.byUser.get(w.ownerId) ?? this.blocked.byBlueprint.get(w.blueprintId);
    return budget && refusalMessage(budget.budget, budget.targetLabel);
  }

  /** Every budget as it stands this month (admins and auditors). */
  async statuses(): Promise<BudgetStatus[]> {
    return (await this.evaluate(monthOf(this.deps.clock.now()))).map(({ budget: _b, members: _m, ...status }) => status);
  }

  /** The budgets the caller's model calls count against: their own, their groups', their workspaces' blueprints'. */
  async forActor(actor: { id: string }): Promise<MyBudgets> {
    const month = monthOf(this.deps.clock.now());
    const [all, blueprints] = await Promise.all([
      this.evaluate(month),
      this.deps.db.selectFrom('workspaces').select('blueprint_id').distinct().where('owner_id', '=', actor.id).where('state', '<>', 'deleted').execute(),
    ]);
    const mine = new Set(blueprints.map((b) => b.blueprint_id));
    // A user budget's members are its user; a blueprint's, nobody: it counts by the workspaces' blueprint.
    const budgets = all.filter((s) => (s.scope === 'blueprint' ? mine.has(s.targetId) : s.members.has(actor.id)))
      .map(({ budget: _b, members: _m, refusals: _r, ...status }) => status);
    return { month: month.month, budgets };
  }

  /** A model call the gateway refused (UsageRecord.refused): counted against the budgets that refused it. */
  async refused(agentId: string, record: UsageRecord__Output): Promise<void> {
    const ws = await this.deps.db.selectFrom('workspaces').select(['owner_id', 'blueprint_id', 'agent_id']).where('id', '=', record.workspaceId).executeTakeFirst();
    if (!ws || ws.agent_id !== agentId) return;
    this.deps.metrics.budgetRefusals.inc();
    const { month, byUser, byBlueprint } = this.blocked;
    const by = [byUser.get(ws.owner_id), byBlueprint.get(ws.blueprint_id)].flatMap((b) => (b ? [b.id] : []));
    await this.deps.budgets.countRefusal([...new Set(by)], month || monthOf(this.deps.clock.now()).month);
  }

  private async pass(): Promise<void> {
    const month = monthOf(this.deps.clock.now());
    const evaluated = await this.evaluate(month);
    for (const s of evaluated) await this.alert(s, month);
    const byUser = new Map<string, Evaluated>();
    const byBlueprint = new Map<string, Evaluated>();
    for (const s of evaluated.filter((e) => e.blocking)) {
      if (s.scope === 'blueprint') byBlueprint.set(s.targetId, byBlueprint.get(s.targetId) ?? s);
      else for (const userId of s.scope === 'user' ? [s.targetId] : s.members) byUser.set(userId, byUser.get(userId) ?? s);
    }
    const before = fingerprint(this.blocked);
    this.blocked = { month: month.month, byUser, byBlueprint };
    this.passed = true;
    if (fingerprint(this.blocked) !== before) for (const listener of this.changed) listener();
  }

  /** Raises the thresholds this budget has crossed and not yet raised this month: to the feed, once each. */
  private async alert(s: Evaluated, month: BudgetMonth): Promise<void> {
    for (const [threshold, share, raised] of [[80, 0.8, s.alertedAt.at80], [100, 1, s.alertedAt.at100]] as const) {
      if (raised || s.usedShare < share) continue;
      if (!await this.deps.budgets.markAlerted(s.id, month.month, threshold)) continue;
      const call = await this.deps.usage.latestCall(s.scope === 'blueprint' ? { blueprintId: s.targetId } : { userIds: [...s.members] }, month);
      const blocks = threshold === 100 && s.action === 'block';
      this.deps.log.info({ budgetId: s.id, threshold, month: month.month }, 'a budget reached an alert threshold');
      if (!call) continue;
      await this.deps.governanceEvents.recordPortalEvent({
        agentId: call.agent_id, workspaceId: call.workspace_id, userId: call.user_id, blueprintId: call.blueprint_id,
        summary: `Monthly AI budget of the ${s.scope} ${s.targetLabel ?? s.targetId} (${limitText(s.budget)}, ${s.action}): ${threshold} % used`
          + (blocks ? '; model calls are refused until next month' : ''),
        verdict: blocks ? 'deny' : 'allow', enforced: blocks, ruleId: `budget:${s.id}`,
      });
    }
  }

  /** Each budget's spend this month, from the usage ledger and the price table; a group's members as they are now. */
  private async evaluate(month: BudgetMonth): Promise<Evaluated[]> {
    const budgets = await this.deps.budgets.list();
    if (budgets.length === 0) return [];
    const ids = (scope: StoredBudget['scope']) => [...new Set(budgets.filter((b) => b.scope === scope).map((b) => b.targetId))];
    const [parts, prices, months, members, labels] = await Promise.all([
      this.deps.usage.totalsByUserAndBlueprint(month),
      this.deps.modelPrices.list(),
      this.deps.budgets.months(month.month),
      this.groupMembers(ids('group')),
      this.labels(ids('user'), ids('group'), ids('blueprint')),
    ]);
    return budgets.map((budget) => {
      const group = budget.scope === 'group' ? members.get(budget.targetId) ?? new Set<string>() : new Set<string>(budget.scope === 'user' ? [budget.targetId] : []);
      const spend = spendOf(budget, parts, group, prices);
      const record = months.get(budget.id);
      return {
        ...budget, budget, members: group, targetLabel: labels.get(`${budget.scope}:${budget.targetId}`) ?? null, month: month.month,
        ...spend, blocking: budget.action === 'block' && spend.usedShare >= 1,
        alertedAt: { at80: record?.alerted80?.toISOString() ?? null, at100: record?.alerted100?.toISOString() ?? null },
        refusals: record?.refusals ?? 0,
      };
    });
  }

  private async groupMembers(groupIds: string[]): Promise<Map<string, Set<string>>> {
    const byGroup = new Map<string, Set<string>>();
    if (groupIds.length === 0) return byGroup;
    for (const r of await this.deps.db.selectFrom('group_members').select(['group_id', 'user_id']).where('group_id', 'in', groupIds).execute()) {
      const set = byGroup.get(r.group_id) ?? new Set<string>();
      set.add(r.user_id);
      byGroup.set(r.group_id, set);
    }
    return byGroup;
  }

  private async labels(users: string[], groups: string[], blueprints: string[]): Promise<Map<string, string>> {
    const { db } = this.deps;
    const [u, g, b] = await Promise.all([
      users.length ? db.selectFrom('users').select(['id', 'email as label']).where('id', 'in', users).execute() : [],
      groups.length ? db.selectFrom('groups').select(['id', 'display_name as label']).where('id', 'in', groups).execute() : [],
      blueprints.length ? db.selectFrom('blueprints').select(['id', 'name as label']).where('id', 'in', blueprints).execute() : [],
    ]);
    return new Map([...u.map((r) => [`user:${r.id}`, r.label] as const), ...g.map((r) => [`group:${r.id}`, r.label] as const), ...b.map((r) => [`blueprint:${r.id}`, r.label] as const)]);
  }
}

/** What the gateway is told to refuse, and why, in one comparable string. */
function fingerprint(b: { byUser: Map<string, Evaluated>; byBlueprint: Map<string, Evaluated> }): string {
  const entries = (m: Map<string, Evaluated>) => [...m].map(([k, s]) => `${k}=${refusalMessage(s.budget, s.targetLabel)}`).sort();
  return JSON.stringify([entries(b.byUser), entries(b.byBlueprint)]);
}

import { sql, type RawBuilder } from 'kysely';
import type { UsageEvent, UsageGroup, UsageSummaryRow } from '@paddock/protocol';
import type { UsageRecord__Output } from '@paddock/protocol/tunnel';
import type { Actor } from '../auth/actor.js';
import { usageScope } from '../authz/policy.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { EventBus } from '../events/eventBus.js';
import type { ModelPrices } from './modelPrices.js';
import { costedRow, type ModelTotals } from './usageCost.js';

export interface UsageTotals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export interface UsageSummary {
  totals: UsageTotals;
  byUser: Array<UsageTotals & { userId: string; email: string | null }>;
  byBlueprint: Array<UsageTotals & { blueprintId: string; name: string | null }>;
  byWorkspace: Array<UsageTotals & { workspaceId: string; name: string | null; userId: string; blueprintId: string }>;
  byModel: Array<UsageTotals & { model: string }>;
}

const count = (value: unknown): number => {
  const n = Number(value ?? 0);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : 0;
};

/** A group's sums, in SQL; `totals` reads them back. */
const sums = [
  sql<string>`count(*)`.as('requests'),
  sql<string>`coalesce(sum(llm_usage.input_tokens), 0)`.as('input_tokens'),
  sql<string>`coalesce(sum(llm_usage.output_tokens), 0)`.as('output_tokens'),
  sql<string>`coalesce(sum(llm_usage.cache_read_tokens), 0)`.as('cache_read_tokens'),
  sql<string>`coalesce(sum(llm_usage.cache_write_tokens), 0)`.as('cache_write_tokens'),
] as const;
const totals = (r: { requests: unknown; input_tokens: unknown; output_tokens: unknown; cache_read_tokens: unknown; cache_write_tokens: unknown }): UsageTotals => ({
  requests: count(r.requests),
  inputTokens: count(r.input_tokens),
  outputTokens: count(r.output_tokens),
  cacheReadTokens: count(r.cache_read_tokens),
  cacheWriteTokens: count(r.cache_write_tokens),
});

// A record's clock is the agent's; one far from ours is stored at our time.
const MAX_SKEW_MS = 24 * 60 * 60 * 1000;

/**
 * The ledger of model calls reported by agents' LLM gateways. A record is
 * tagged from the portal's own workspace row (owner, blueprint), never from
 * what the agent claims, and only an agent the workspace is placed on may
 * report for it.
 */
export class LlmUsage {
  constructor(private readonly db: Database, private readonly clock: Clock, private readonly events: EventBus, private readonly prices: ModelPrices) {}

  /** Stores one record; returns false when it was refused (unknown workspace, another agent's). */
  async record(agentId: string, usage: UsageRecord__Output): Promise<boolean> {
    const ws = await this.db.selectFrom('workspaces').select(['owner_id', 'blueprint_id', 'agent_id'])
      .where('id', '=', usage.workspaceId).executeTakeFirst();
    if (!ws || ws.agent_id !== agentId) return false;
    const now = this.clock.now();
    const reported = count(usage.unixMs);
    const at = reported > 0 && Math.abs(reported - now.getTime()) < MAX_SKEW_MS ? new Date(reported) : now;
    const event: UsageEvent = {
      workspaceId: usage.workspaceId,
      userId: ws.owner_id,
      blueprintId: ws.blueprint_id,
      model: usage.model.slice(0, 200),
      inputTokens: count(usage.inputTokens),
      outputTokens: count(usage.outputTokens),
      cacheReadTokens: count(usage.cacheReadTokens),
      cacheWriteTokens: count(usage.cacheWriteTokens),
      at: at.toISOString(),
    };
    await this.db.insertInto('llm_usage').values({
      at,
      agent_id: agentId,
      workspace_id: event.workspaceId,
      user_id: event.userId,
      blueprint_id: event.blueprintId,
      model: event.model,
      input_tokens: event.inputTokens,
      output_tokens: event.outputTokens,
      cache_read_tokens: event.cacheReadTokens,
      cache_write_tokens: event.cacheWriteTokens,
    }).execute();
    this.events.publish('usage', event);
    return true;
  }

  /** Totals over [since, until), per user, blueprint, workspace and model. */
  async summary(range: { since?: Date; until?: Date } = {}): Promise<UsageSummary> {
    const base = () => {
      let q = this.db.selectFrom('llm_usage');
      if (range.since) q = q.where('llm_usage.at', '>=', range.since);
      if (range.until) q = q.where('llm_usage.at', '<', range.until);
      return q;
    };
    const [all, users, blueprints, workspaces, models] = await Promise.all([
      base().select([...sums]).executeTakeFirstOrThrow(),
      base().leftJoin('users', 'users.id', 'llm_usage.user_id')
        .select(['llm_usage.user_id', 'users.email', ...sums]).groupBy(['llm_usage.user_id', 'users.email'])
        .orderBy('llm_usage.user_id').execute(),
      base().leftJoin('blueprints', 'blueprints.id', 'llm_usage.blueprint_id')
        .select(['llm_usage.blueprint_id', 'blueprints.name', ...sums]).groupBy(['llm_usage.blueprint_id', 'blueprints.name'])
        .orderBy('llm_usage.blueprint_id').execute(),
      base().leftJoin('workspaces', 'workspaces.id', 'llm_usage.workspace_id')
        .select(['llm_usage.workspace_id', 'workspaces.name', 'llm_usage.user_id', 'llm_usage.blueprint_id', ...sums])
        .groupBy(['llm_usage.workspace_id', 'workspaces.name', 'llm_usage.user_id', 'llm_usage.blueprint_id'])
        .orderBy('llm_usage.workspace_id').execute(),
      base().select(['llm_usage.model', ...sums]).groupBy('llm_usage.model').orderBy('llm_usage.model').execute(),
    ]);
    return {
      totals: totals(all),
      byUser: users.map((r) => ({ userId: r.user_id, email: r.email ?? null, ...totals(r) })),
      byBlueprint: blueprints.map((r) => ({ blueprintId: r.blueprint_id, name: r.name ?? null, ...totals(r) })),
      byWorkspace: workspaces.map((r) => ({ workspaceId: r.workspace_id, name: r.name ?? null, userId: r.user_id, blueprintId: r.blueprint_id, ...totals(r) })),
      byModel: models.map((r) => ({ model: r.model, ...totals(r) })),
    };
  }

  /**
   * Usage and spend over [from, to), one row per user, blueprint, workspace or model,
   * costed with today's price table (usageCost.ts), most expensive first. The actor's
   * scope says whose calls count: a builder sees only their own.
   */
  async costSummary(actor: Actor, input: { groupBy: UsageGroup; from?: Date; to?: Date }): Promise<UsageSummaryRow[]> {
    let q = this.db.selectFrom('llm_usage')
      .leftJoin('users', 'users.id', 'llm_usage.user_id')
      .leftJoin('blueprints', 'blueprints.id', 'llm_usage.blueprint_id')
      .leftJoin('workspaces', 'workspaces.id', 'llm_usage.workspace_id');
    if (input.from) q = q.where('llm_usage.at', '>=', input.from);
    if (input.to) q = q.where('llm_usage.at', '<', input.to);
    q = q.where(usageScope(actor));
    const day: RawBuilder<string> = sql<string>`to_char(llm_usage.at at time zone 'UTC', 'YYYY-MM-DD')`;
    const groupings: Record<UsageGroup, [RawBuilder<string>, RawBuilder<string | null>]> = {
      user: [sql.ref<string>('llm_usage.user_id'), sql.ref<string | null>('users.email')],
      blueprint: [sql.ref<string>('llm_usage.blueprint_id'), sql.ref<string | null>('blueprints.name')],
      workspace: [sql.ref<string>('llm_usage.workspace_id'), sql.ref<string | null>('workspaces.name')],
      model: [sql.ref<string>('llm_usage.model'), sql.ref<string | null>('llm_usage.model')],
      day: [day, day],
    };
    const [key, label] = groupings[input.groupBy];
    const [rows, prices] = await Promise.all([
      q.select([key.as('key'), label.as('label'), 'llm_usage.model', ...sums]).groupBy([key, label, 'llm_usage.model']).execute(),
      this.prices.list(),
    ]);
    const groups = new Map<string, { label: string | null; parts: ModelTotals[] }>();
    for (const r of rows) {
      const group = groups.get(r.key) ?? { label: r.label ?? null, parts: [] };
      group.parts.push({ model: r.model, ...totals(r) });
      groups.set(r.key, group);
    }
    const rowsOut = [...groups].map(([k, g]) => costedRow(k, g.label, g.parts, prices));
    // Days in order, for a chart; everything else most expensive first.
    return input.groupBy === 'day'
      ? rowsOut.sort((a, b) => a.key.localeCompare(b.key))
      : rowsOut.sort((a, b) => (b.costUsd ?? -1) - (a.costUsd ?? -1) || b.requests - a.requests || a.key.localeCompare(b.key));
  }

  /**
   * Totals over [from, to) per user, blueprint and model: what budgets count against
   * (usage/budgetWatch.ts costs them with usageCost.ts, as the summary does).
   */
  async totalsByUserAndBlueprint(range: { from: Date; to: Date }): Promise<Array<ModelTotals & { userId: string; blueprintId: string }>> {
    const rows = await this.db.selectFrom('llm_usage').where('llm_usage.at', '>=', range.from).where('llm_usage.at', '<', range.to)
      .select(['llm_usage.user_id', 'llm_usage.blueprint_id', 'llm_usage.model', ...sums])
      .groupBy(['llm_usage.user_id', 'llm_usage.blueprint_id', 'llm_usage.model']).execute();
    return rows.map((r) => ({ userId: r.user_id, blueprintId: r.blueprint_id, model: r.model, ...totals(r) }));
  }

  /** The latest call in [from, to) of these users or of this blueprint: the one that took a budget over a threshold. */
  async latestCall(of: { userIds: readonly string[] } | { blueprintId: string }, range: { from: Date; to: Date }) {
    let q = this.db.selectFrom('llm_usage').select(['agent_id', 'workspace_id', 'user_id', 'blueprint_id'])
      .where('at', '>=', range.from).where('at', '<', range.to);
    if ('blueprintId' in of) q = q.where('blueprint_id', '=', of.blueprintId);
    else if (of.userIds.length === 0) return undefined;
    else q = q.where('user_id', 'in', of.userIds);
    return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  }
}

import { sql } from 'kysely';
import type { ComputeGroup, ComputeSummaryRow } from '@paddock/protocol';
import type { Actor } from '../auth/actor.js';
import { usageScope } from '../authz/policy.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';

/** Hours to four decimals, money to the cent's hundredth: what a row shows is what was summed. */
const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

/**
 * Compute time: how long workspaces ran (workspace_runs, opened and closed as their agents
 * report them running and not), clipped to a period, per user or blueprint, costed at each
 * blueprint's hourly rate as it is now. A run still open counts up to now. Scoped like
 * token usage (usage.read): a builder sees only their own workspaces.
 */
export class ComputeUsage {
  constructor(private readonly db: Database, private readonly clock: Clock) {}

  async summary(actor: Actor, input: { groupBy: ComputeGroup; from?: Date; to?: Date }): Promise<ComputeSummaryRow[]> {
    const now = this.clock.now();
    const to = input.to && input.to < now ? input.to : now;
    const from = input.from ?? new Date(0);
    const start = sql`greatest(workspace_runs.started_at, ${from}::timestamptz)`;
    const end = sql`least(coalesce(workspace_runs.ended_at, ${now}::timestamptz), ${to}::timestamptz)`;
    const [key, label] = ({
      user: ['workspace_runs.user_id', 'users.email'],
      blueprint: ['workspace_runs.blueprint_id', 'blueprints.name'],
    } as const)[input.groupBy];
    const rows = await this.db.selectFrom('workspace_runs')
      .leftJoin('users', 'users.id', 'workspace_runs.user_id')
      .leftJoin('blueprints', 'blueprints.id', 'workspace_runs.blueprint_id')
      .where('workspace_runs.started_at', '<', to)
      .where((eb) => eb.or([eb('workspace_runs.ended_at', 'is', null), eb('workspace_runs.ended_at', '>', from)]))
      .where(usageScope(actor, 'workspace_runs'))
      .select([
        sql.ref<string>(key).as('key'), sql.ref<string | null>(label).as('label'),
        sql<string | null>`(blueprints.workspace_config->>'hourlyRateUsd')`.as('rate'),
        sql<string>`coalesce(sum(greatest(0, extract(epoch from (${end} - ${start})))), 0)`.as('seconds'),
        // A workspace has one blueprint, so the rows of a user's blueprints add up to their distinct workspaces.
        sql<string>`count(distinct workspace_runs.workspace_id)`.as('workspaces'),
      ])
      .groupBy([key, label, 'workspace_runs.blueprint_id', sql`blueprints.workspace_config->>'hourlyRateUsd'`])
      .execute();
    const groups = new Map<string, { label: string | null; hours: number; cost: number | null; unpriced: number; workspaces: number }>();
    for (const r of rows) {
      const g = groups.get(r.key) ?? { label: r.label, hours: 0, cost: null, unpriced: 0, workspaces: 0 };
      const hours = Number(r.seconds) / 3600;
      g.hours += hours;
      if (r.rate === null) g.unpriced += hours;
      else g.cost = (g.cost ?? 0) + hours * Number(r.rate);
      g.workspaces += Number(r.workspaces);
      groups.set(r.key, g);
    }
    return [...groups].map(([k, g]): ComputeSummaryRow => ({
      key: k, label: g.label, hours: round4(g.hours), costUsd: g.cost === null ? null : round4(g.cost), unpricedHours: round4(g.unpriced), workspaces: g.workspaces,
    })).sort((a, b) => b.hours - a.hours || a.key.localeCompare(b.key));
  }
}

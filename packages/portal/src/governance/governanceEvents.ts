import type { Selectable } from 'kysely';
import {
  governanceEventReportSchema, type GovernanceEventFilter, type GovernanceEventItem, type GovernanceEventReport, type GovernanceEventsPage,
} from '@paddock/protocol';
import type { GovernanceEventsTable } from '../db/governanceSchema.js';
import type { PortalServices } from '../services.js';
import { appIdOf, isAppSandbox } from '../publish/publishedApps.js';

type Deps = Pick<PortalServices, 'db' | 'clock' | 'events'> & { metrics: Pick<PortalServices['metrics'], 'governanceDecisions'> };

/** Events one agent message may carry; the rest of a larger batch is dropped (an agent batches far fewer). */
export const MAX_EVENTS_PER_BATCH = 500;
/** An event's clock is the agent's; one far from ours is stored at our time (as usage records are). */
const MAX_SKEW_MS = 24 * 60 * 60 * 1000;

export const toEventItem = (r: Selectable<GovernanceEventsTable>): GovernanceEventItem => ({
  id: String(r.id), at: r.at.toISOString(), workspaceId: r.workspace_id, userId: r.user_id, blueprintId: r.blueprint_id,
  class: r.class, summary: r.summary, verdict: r.verdict, enforced: r.enforced,
  ...(r.rule_id ? { ruleId: r.rule_id } : {}), ...(r.filter ? { filter: r.filter } : {}),
});

/** Whether an event passes a feed's or a list's filters. */
export function matchesFilter(e: GovernanceEventItem, f: GovernanceEventFilter): boolean {
  return (!f.workspaceId || e.workspaceId === f.workspaceId) && (!f.class || e.class === f.class)
    && (!f.verdict || e.verdict === f.verdict) && (!f.since || Date.parse(e.at) >= Date.parse(f.since));
}

/**
 * Governance events: every decision an enforcement point made, as agents report
 * them. High volume, so their own table and the event bus, never the audit log.
 * An event is tagged from the portal's own workspace row (owner, blueprint),
 * never from what the agent claims, and only the agent a workspace is placed on
 * may report for it.
 */
export class GovernanceEvents {
  constructor(private readonly deps: Deps) {}

  /** Stores an agent's batch; returns how many were stored (the others were malformed or not the agent's to report). */
  async record(agentId: string, reports: unknown[]): Promise<number> {
    const valid = reports.slice(0, MAX_EVENTS_PER_BATCH).map((r) => governanceEventReportSchema.safeParse(r))
      .flatMap((p) => (p.success ? [p.data] : []));
    if (valid.length === 0) return 0;
    const ids = [...new Set(valid.map((r) => r.workspaceId))];
    const hosted = new Map((await this.deps.db.selectFrom('workspaces').select(['id', 'owner_id', 'blueprint_id'])
      .where('id', 'in', ids).where('agent_id', '=', agentId).execute()).map((w) => [w.id, w]));
    // A published app's sandbox is governed as a workspace is: its events are tagged from its app's row.
    const apps = ids.filter(isAppSandbox);
    if (apps.length > 0) {
      const rows = await this.deps.db.selectFrom('published_apps').select(['id', 'owner_id', 'blueprint_id'])
        .where('id', 'in', apps.map(appIdOf)).where('agent_id', '=', agentId).execute();
      for (const sandboxId of apps) {
        const app = rows.find((r) => r.id === appIdOf(sandboxId));
        if (app) hosted.set(sandboxId, { id: sandboxId, owner_id: app.owner_id, blueprint_id: app.blueprint_id });
      }
    }
    const now = this.deps.clock.now();
    const rows = valid.filter((r) => hosted.has(r.workspaceId)).map((r) => this.row(agentId, r, hosted.get(r.workspaceId)!, now));
    if (rows.length === 0) return 0;
    const stored = await this.deps.db.insertInto('governance_events').values(rows).returning(['id', 'workspace_id']).execute();
    for (const r of rows) this.deps.metrics.governanceDecisions.inc({ class: r.class, verdict: r.verdict, enforced: String(r.enforced) });
    for (const s of stored) this.deps.events.publish('governance', { decisionId: String(s.id), workspaceId: s.workspace_id });
    return stored.length;
  }

  /**
   * An event the portal raised itself about a workspace's model calls (a budget's alert,
   * usage/budgetWatch.ts): stored and sent to the feed as an agent's would be, at the
   * gateway, which is where the budget bites. Not replayable: it names no action.
   */
  async recordPortalEvent(e: { agentId: string; workspaceId: string; userId: string; blueprintId: string; summary: string; verdict: 'allow' | 'deny'; enforced: boolean; ruleId: string }): Promise<void> {
    const now = this.deps.clock.now();
    const stored = await this.deps.db.insertInto('governance_events').values({
      at: now, received_at: now, agent_id: e.agentId, workspace_id: e.workspaceId, user_id: e.userId, blueprint_id: e.blueprintId,
      point: 'gateway', class: 'llm_call', summary: e.summary, verdict: e.verdict, enforced: e.enforced, rule_id: e.ruleId,
      filter: null, held_id: null, action: null,
    }).returning(['id']).executeTakeFirstOrThrow();
    this.deps.events.publish('governance', { decisionId: String(stored.id), workspaceId: e.workspaceId });
  }

  private row(agentId: string, r: GovernanceEventReport, w: { owner_id: string; blueprint_id: string }, now: Date) {
    const reported = Date.parse(r.at);
    const at = Number.isFinite(reported) && Math.abs(reported - now.getTime()) < MAX_SKEW_MS ? new Date(reported) : now;
    return {
      at, received_at: now, agent_id: agentId, workspace_id: r.workspaceId, user_id: w.owner_id, blueprint_id: w.blueprint_id,
      point: r.point, class: r.class, summary: r.summary, verdict: r.verdict, enforced: r.enforced,
      rule_id: r.ruleId ?? null, filter: r.filter ? JSON.stringify(r.filter) : null, held_id: r.heldId ?? null,
      // An action of another class than the event's can't be what it decided: not stored, not replayable.
      action: r.action && r.action.class === r.class ? JSON.stringify(r.action) : null,
    };
  }

  /** Newest first, `limit` at a time; `cursor` continues after the page that returned it. */
  async list(query: GovernanceEventFilter & { limit: number; cursor?: string }): Promise<GovernanceEventsPage> {
    let q = this.deps.db.selectFrom('governance_events').selectAll().orderBy('id', 'desc').limit(query.limit + 1);
    if (query.cursor) q = q.where('id', '<', Number(query.cursor));
    if (query.workspaceId) q = q.where('workspace_id', '=', query.workspaceId);
    if (query.class) q = q.where('class', '=', query.class);
    if (query.verdict) q = q.where('verdict', '=', query.verdict);
    if (query.since) q = q.where('at', '>=', new Date(query.since));
    const rows = await q.execute();
    const page = rows.slice(0, query.limit);
    return { items: page.map(toEventItem), nextCursor: rows.length > query.limit ? String(page.at(-1)!.id) : null };
  }

  /** One event, for the live feed (the bus carries its id). */
  async get(id: string): Promise<GovernanceEventItem | undefined> {
    if (!/^\d{1,19}$/.test(id)) return undefined;
    const row = await this.deps.db.selectFrom('governance_events').selectAll().where('id', '=', Number(id)).executeTakeFirst();
    return row && toEventItem(row);
  }
}

import type { AdminOverview } from '@paddock/protocol';
import type { PortalServices } from '../services.js';

const count = (n: { n: string | number | bigint } | undefined) => Number(n?.n ?? 0);

/** 00:00 UTC of the day `now` falls in: "today" for the blocked sign-ins. */
export const startOfUtcDay = (now: Date): Date => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));

/**
 * The admin overview's counters, each one query over what the database records (agents:
 * the tunnels this portal holds), so they are right after a restart and on any replica
 * that holds the agents.
 */
export async function overviewCounters(services: Pick<PortalServices, 'db' | 'clock' | 'hub'>): Promise<AdminOverview> {
  const { db, clock, hub } = services;
  const now = clock.now();
  const since = startOfUtcDay(now);
  const [states, agents, publishRequests, heldActions, failedSignIns, ipBlocked] = await Promise.all([
    db.selectFrom('workspaces').select(['state', (eb) => eb.fn.countAll<string>().as('n')])
      .where('state', '!=', 'deleted').groupBy('state').execute(),
    db.selectFrom('agents').select('id').execute(),
    db.selectFrom('publish_requests').select((eb) => eb.fn.countAll<string>().as('n')).where('state', '=', 'pending').executeTakeFirst(),
    // An expired hold no longer waits, even before the sweep marks it so.
    db.selectFrom('governance_approvals').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('state', '=', 'pending').where('expires_at', '>', now).executeTakeFirst(),
    db.selectFrom('audit_log').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('action', '=', 'auth.login').where('outcome', '=', 'failure').where('at', '>=', since).executeTakeFirst(),
    db.selectFrom('ip_blocked_attempts').select((eb) => eb.fn.countAll<string>().as('n')).where('at', '>=', since).executeTakeFirst(),
  ]);
  const byState = new Map(states.map((r) => [r.state, Number(r.n)]));
  const held = count(heldActions);
  const publish = count(publishRequests);
  const refused = count(failedSignIns);
  const blocked = count(ipBlocked);
  return {
    at: now.toISOString(),
    workspaces: {
      running: byState.get('running') ?? 0,
      stopped: byState.get('stopped') ?? 0,
      failed: byState.get('failed') ?? 0,
      changing: (byState.get('pending') ?? 0) + (byState.get('starting') ?? 0) + (byState.get('stopping') ?? 0),
    },
    agents: { connected: agents.filter((a) => hub.isConnected(a.id)).length, total: agents.length },
    pendingApprovals: { total: publish + held, publishRequests: publish, heldActions: held },
    blockedSignIns: { since: since.toISOString(), total: refused + blocked, failedSignIns: refused, ipBlocked: blocked },
  };
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { appStateSchema, publishStateSchema } from '@paddock/protocol';
import { sql } from 'kysely';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { BackupDirectory } from '../backup/backupDirectory.js';
import type { GovernanceHealth } from '../governance/governanceHealth.js';
import type { GovernancePolicies } from '../governance/governancePolicies.js';
import type { AgentHub, StreamKind } from '../tunnel/agentHub.js';

/**
 * The portal's Prometheus metrics (`GET /metrics`), named per Prometheus' naming
 * guide: `paddock_` prefix, base units (seconds, bytes), `_total` on counters.
 * Labels stay bounded: routes are templates (`/api/v1/workspaces/:id`), agents are
 * few; no workspace or user id labels a series. One registry per portal, not
 * prom-client's global one, so two portals in one process (tests) stay apart.
 */
export class PortalMetrics {
  readonly registry = new Registry();

  readonly httpRequestDuration = new Histogram({
    name: 'paddock_http_request_duration_seconds',
    help: 'HTTP requests the portal answered, by route template, method and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly dbQueryDuration = new Histogram({
    name: 'paddock_db_query_duration_seconds',
    help: 'Database queries, by kind of statement.',
    labelNames: ['operation'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly streamsOpen = new Gauge({
    name: 'paddock_tunnel_streams_open',
    help: 'Streams relayed to workspaces now: terminal (the daemon: terminals and files), preview, chat.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly relayedBytes = new Counter({
    name: 'paddock_tunnel_relayed_bytes_total',
    help: 'Bytes relayed through the tunnel, by kind of stream and direction (in: from the workspace).',
    labelNames: ['kind', 'direction'] as const,
    registers: [this.registry],
  });

  readonly agentConnections = new Counter({
    name: 'paddock_agent_connections_total',
    help: 'Agent control streams opened: first connections and reconnections.',
    registers: [this.registry],
  });

  readonly modelCalls = new Counter({
    name: 'paddock_model_calls_total',
    help: 'Model calls workspaces made through their agents\' LLM gateways, as reported by the agents.',
    registers: [this.registry],
  });

  readonly modelTokens = new Counter({
    name: 'paddock_model_tokens_total',
    help: 'Tokens of model calls, by kind (input, output, cache_read, cache_write).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly governanceDecisions = new Counter({
    name: 'paddock_governance_decisions_total',
    help: 'Governance decisions the agents reported and this portal stored, by class, verdict and whether it was enforced (false: monitor mode).',
    labelNames: ['class', 'verdict', 'enforced'] as const,
    registers: [this.registry],
  });

  readonly budgetRefusals = new Counter({
    name: 'paddock_budget_refusals_total',
    help: 'Model calls the agents\' LLM gateways refused because a monthly budget with action "block" was used up, as reported by the agents.',
    registers: [this.registry],
  });

  readonly reconcilerRetries = new Counter({
    name: 'paddock_reconciler_retries_total',
    help: 'Commands the reconciler sent again because its agent did not answer within the timeout, by verb (run, stop, delete).',
    labelNames: ['verb'] as const,
    registers: [this.registry],
  });

  readonly backups = new Counter({
    name: 'paddock_backups_total',
    help: 'Backups this portal wrote (scheduled, or asked for through the API), by outcome (success, failure).',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'paddock_portal_' });
    // Every verb's series exists from the start: a rate over it needs its zero.
    for (const verb of ['run', 'stop', 'delete']) this.reconcilerRetries.inc({ verb }, 0);
  }

  /** Counts what the agents connected to this replica report and relay. */
  observeHub(hub: AgentHub): void {
    hub.on('agent-connected', () => this.agentConnections.inc());
    hub.on('usage', (_agentId, record) => {
      // A call the gateway refused (a used-up budget) reached no model: budgetRefusals counts it.
      if (record.refused) return;
      this.modelCalls.inc();
      this.modelTokens.inc({ kind: 'input' }, Number(record.inputTokens));
      this.modelTokens.inc({ kind: 'output' }, Number(record.outputTokens));
      this.modelTokens.inc({ kind: 'cache_read' }, Number(record.cacheReadTokens));
      this.modelTokens.inc({ kind: 'cache_write' }, Number(record.cacheWriteTokens));
    });
    for (const kind of ['terminal', 'preview', 'chat', 'versions'] satisfies StreamKind[]) this.streamsOpen.set({ kind }, 0);
    hub.observeStreams({
      opened: (kind) => {
        this.streamsOpen.inc({ kind });
        let closed = false;
        return {
          bytes: (direction, n) => this.relayedBytes.inc({ kind, direction }, n),
          closed: () => { if (!closed) { closed = true; this.streamsOpen.dec({ kind }); } },
        };
      },
    });

    new Gauge({
      name: 'paddock_agents_connected',
      help: 'Agents connected to this portal replica.',
      registers: [this.registry],
      collect() { this.set(hub.connectedAgentIds().length); },
    });
    new Gauge({
      name: 'paddock_agent_last_message_timestamp_seconds',
      help: 'When each connected agent was last heard from (any message or keepalive), Unix time.',
      labelNames: ['agent'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [agent, at] of hub.lastHeard()) this.set({ agent }, at.getTime() / 1000);
      },
    });
  }

  /** Series read from the database when scraped: they hold across replicas and restarts. */
  observeDatabase(db: Database, clock: Clock): void {
    new Gauge({
      name: 'paddock_workspaces',
      help: 'Workspaces by observed state.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const rows = await db.selectFrom('workspaces').select(['state', sql<number>`count(*)::int`.as('n')]).groupBy('state').execute();
        this.reset();
        for (const r of rows) this.set({ state: r.state }, r.n);
      },
    });
    new Gauge({
      name: 'paddock_publish_requests',
      help: 'Publish requests by state (pending review, approved, publishing, live, rejected, failed).',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const rows = await db.selectFrom('publish_requests').select(['state', sql<number>`count(*)::int`.as('n')]).groupBy('state').execute();
        this.reset();
        for (const state of publishStateSchema.options) this.set({ state }, rows.find((r) => r.state === state)?.n ?? 0);
      },
    });
    new Gauge({
      name: 'paddock_published_apps',
      help: 'Published apps by state (publishing, live, failed, unpublished).',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const rows = await db.selectFrom('published_apps').select(['state', sql<number>`count(*)::int`.as('n')]).groupBy('state').execute();
        this.reset();
        for (const state of appStateSchema.options) this.set({ state }, rows.find((r) => r.state === state)?.n ?? 0);
      },
    });
    new Gauge({
      name: 'paddock_reconciler_lag_seconds',
      help: 'How long the oldest workspace whose state differs from its desired state has waited (0: none waits).',
      registers: [this.registry],
      async collect() {
        const row = await db.selectFrom('workspaces')
          .select(sql<Date | null>`min(updated_at)`.as('oldest'))
          .where(sql<boolean>`state::text <> desired_state::text and state <> 'failed'`)
          .executeTakeFirst();
        const oldest = row?.oldest ? new Date(row.oldest) : undefined;
        this.set(oldest ? Math.max(0, (clock.now().getTime() - oldest.getTime()) / 1000) : 0);
      },
    });
  }

  /**
   * Governance, read when scraped: pending approvals and kill switches from the
   * database (the same on every replica), the workspaces' health from this
   * portal's agents (governanceHealth.ts).
   */
  observeGovernance(db: Database, policies: Pick<GovernancePolicies, 'killSwitch'>, health: Pick<GovernanceHealth, 'countsHere'>): void {
    new Gauge({
      name: 'paddock_governance_held_actions',
      help: 'Agent actions held for an admin\'s decision now (pending approvals).',
      registers: [this.registry],
      async collect() {
        const row = await db.selectFrom('governance_approvals').select(sql<number>`count(*)::int`.as('n')).where('state', '=', 'pending').executeTakeFirst();
        this.set(row?.n ?? 0);
      },
    });
    new Gauge({
      name: 'paddock_governance_kill_switch_engaged',
      help: 'Kill switches engaged: scope "org" is 0 or 1, scope "blueprint" counts the blueprints whose switch is engaged.',
      labelNames: ['scope'] as const,
      registers: [this.registry],
      async collect() {
        const state = await policies.killSwitch();
        this.set({ scope: 'org' }, state.org.engaged ? 1 : 0);
        this.set({ scope: 'blueprint' }, Object.values(state.blueprints).filter((b) => b.engaged).length);
      },
    });
    new Gauge({
      name: 'paddock_governance_workspaces',
      help: 'Running workspaces whose agent is connected to this replica, by governance health: healthy (hooks, gateway and proxy serve it, '
        + 'a policy in force), unhealthy, unknown (its agent has not said: older than tunnel protocol 1.4).',
      labelNames: ['health'] as const,
      registers: [this.registry],
      async collect() {
        const counts = await health.countsHere();
        for (const [h, n] of Object.entries(counts)) this.set({ health: h }, n);
      },
    });
  }

  /** The backups in the portal's backup directory: the newest one's time, read when scraped (it holds across restarts). */
  observeBackups(backups: Pick<BackupDirectory, 'list'>): void {
    new Gauge({
      name: 'paddock_backup_last_success_timestamp_seconds',
      help: 'When the newest backup in the backup directory was made, Unix time (0: none yet). Alert on its age.',
      registers: [this.registry],
      collect() { this.set((backups.list()[0]?.at.getTime() ?? 0) / 1000); },
    });
  }

  /** The text format Prometheus scrapes. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

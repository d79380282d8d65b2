import type pino from 'pino';
import {
  enforcementPointStatusSchema, governanceHealthModeSchema,
  type EnforcementPointStatus, type GovernanceHealthItem, type GovernanceHealthMode, type GovernanceHealthReport, type WorkspaceHealth,
} from '@paddock/protocol';
import type { GovernanceHealth__Output } from '@paddock/protocol/tunnel';
import type { PortalServices } from '../services.js';

type Deps = Pick<PortalServices, 'db' | 'clock' | 'hub'> & { log: pino.Logger };

/** What an agent last said of one workspace (configuration only: which points serve it, the mode). */
interface Reported {
  agentId: string;
  at: Date;
  hooks: EnforcementPointStatus;
  gateway: EnforcementPointStatus;
  proxy: EnforcementPointStatus;
  mode: GovernanceHealthMode;
  killSwitch: boolean;
}

/** A word from the agent this portal doesn't know is not taken for a good one. */
const pointStatus = (s: string): EnforcementPointStatus => enforcementPointStatusSchema.catch('unknown').parse(s);
const healthMode = (s: string): GovernanceHealthMode => governanceHealthModeSchema.catch('unknown').parse(s);

const NOT_REPORTED = 'Its agent has not reported its enforcement points: an agent older than tunnel protocol 1.4, '
  + 'or one that has not applied its spec since it connected.';
const NOT_CONNECTED = 'Its agent is not connected to this portal (offline, or connected to another portal replica).';

/** The problems of one report, in words; none: healthy. */
export function healthProblems(r: Pick<Reported, 'hooks' | 'gateway' | 'proxy' | 'mode'>): string[] {
  const problems: string[] = [];
  const point = (status: EnforcementPointStatus, missing: string, unknown: string) => {
    if (status === 'missing') problems.push(missing);
    else if (status === 'unknown' || status === 'unused') problems.push(unknown);
  };
  point(r.hooks, "Agent hooks: paddock-guard's policy bridge does not serve it, so its AI tools' calls are not checked.",
    'Agent hooks: its agent did not say whether they serve it.');
  if (r.gateway === 'missing') problems.push('LLM gateway: it does not serve the workspace\'s model route.');
  else if (r.gateway === 'unknown') problems.push('LLM gateway: its agent did not say whether it serves it.');
  point(r.proxy, 'Egress proxy: it does not serve the workspace, its only way out.', 'Egress proxy: its agent did not say whether it serves it.');
  if (r.mode === 'off') problems.push('Governance is off: no enforcement point applies a policy to it.');
  else if (r.mode === 'unknown') problems.push('Its agent did not say which policy mode is in force.');
  return problems;
}

/**
 * Governance health (issue 9): whether each running workspace's hooks, gateway
 * and proxy serve it and a policy is in force, as its agent reports it
 * (GovernanceHealth on the tunnel). Kept in memory, per workspace, for the
 * agents connected to this portal; a workspace whose agent never said (one
 * older than tunnel protocol 1.4, or connected elsewhere) is `unknown`, never
 * healthy. A workspace that goes unhealthy is logged, once per change.
 */
export class GovernanceHealth {
  private readonly reports = new Map<string, Reported>();
  /** What was last logged of each workspace, so a report that changes nothing logs nothing. */
  private readonly logged = new Map<string, string>();
  /** The last report received of each workspace whose placement is being looked up. */
  private readonly latest = new Map<string, number>();
  private received = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: Deps) {}

  /** Listens to the agents on this portal's hub. */
  start(): void {
    this.deps.hub.on('governance-health', (agentId, health) => { this.track(this.record(agentId, health)); });
    this.deps.hub.on('agent-disconnected', (agentId) => this.forgetAgent(agentId));
  }

  /** Resolves once every report received so far is taken (tests). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /**
   * One agent's report of one workspace, taken only when the workspace is placed on that
   * agent: an agent can't fill this portal's memory or log with workspaces it doesn't run.
   * Reports of one workspace are taken in the order they came.
   */
  async record(agentId: string, h: GovernanceHealth__Output): Promise<void> {
    if (!h.workspaceId || h.workspaceId.length > 64) return;
    const seq = ++this.received;
    this.latest.set(h.workspaceId, seq);
    const placed = await this.deps.db.selectFrom('workspaces').select('id')
      .where('id', '=', h.workspaceId).where('agent_id', '=', agentId).executeTakeFirst();
    // A later report of the same workspace came meanwhile: it is the one that counts.
    if (this.latest.get(h.workspaceId) !== seq) return;
    this.latest.delete(h.workspaceId);
    if (!placed) return;
    if (h.stopped) {
      if (this.reports.get(h.workspaceId)?.agentId === agentId) this.reports.delete(h.workspaceId);
      this.logged.delete(h.workspaceId);
      return;
    }
    const reported: Reported = {
      agentId, at: this.deps.clock.now(),
      hooks: pointStatus(h.hooks), gateway: pointStatus(h.gateway), proxy: pointStatus(h.proxy), mode: healthMode(h.mode), killSwitch: h.killSwitch,
    };
    this.reports.set(h.workspaceId, reported);
    const problems = healthProblems(reported);
    const key = problems.join('\n');
    if (this.logged.get(h.workspaceId) === key) return;
    const before = this.logged.get(h.workspaceId);
    this.logged.set(h.workspaceId, key);
    if (problems.length > 0) {
      this.deps.log.warn({ workspaceId: h.workspaceId, agentId, problems, hooks: reported.hooks, gateway: reported.gateway, proxy: reported.proxy, mode: reported.mode },
        'a governed workspace is unhealthy: one of its enforcement points does not serve it, or governance is off');
    } else if (before) {
      this.deps.log.info({ workspaceId: h.workspaceId, agentId }, 'a governed workspace is healthy again: its hooks, gateway and proxy serve it');
    }
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch((err: unknown) => this.deps.log.error({ err }, "taking an agent's governance health report failed"))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Its reports went with its connection: its workspaces are unknown until it says again. */
  private forgetAgent(agentId: string): void {
    for (const [id, r] of this.reports) {
      if (r.agentId === agentId) { this.reports.delete(id); this.logged.delete(id); }
    }
  }

  /** Every running workspace, problems first; the share of healthy ones. */
  async report(): Promise<GovernanceHealthReport> {
    const items = (await this.assess()).map((a) => a.item);
    const order: Record<WorkspaceHealth, number> = { unhealthy: 0, unknown: 1, healthy: 2 };
    items.sort((a, b) => order[a.health] - order[b.health]);
    const count = (h: WorkspaceHealth) => items.filter((i) => i.health === h).length;
    const healthy = count('healthy');
    return {
      runningWorkspaces: items.length, healthy, unhealthy: count('unhealthy'), unknown: count('unknown'),
      share: items.length === 0 ? null : healthy / items.length, items,
    };
  }

  /**
   * The running workspaces whose agent is connected to this portal, by health (the gauge): each
   * workspace counts on exactly one replica, so a sum over replicas is the fleet's. A workspace
   * whose agent is connected nowhere counts on none (the agents' own series show that).
   */
  async countsHere(): Promise<Record<WorkspaceHealth, number>> {
    const counts: Record<WorkspaceHealth, number> = { healthy: 0, unhealthy: 0, unknown: 0 };
    for (const a of await this.assess()) if (a.here) counts[a.item.health] += 1;
    return counts;
  }

  private async assess(): Promise<Array<{ item: GovernanceHealthItem; here: boolean }>> {
    const rows = await this.deps.db.selectFrom('workspaces').select(['id', 'owner_id', 'blueprint_id', 'agent_id'])
      .where('state', '=', 'running').orderBy('id').execute();
    const running = new Set(rows.map((r) => r.id));
    // Workspaces that no longer run take their reports with them.
    for (const id of this.reports.keys()) if (!running.has(id)) { this.reports.delete(id); this.logged.delete(id); }
    return rows.map((w) => {
      const here = w.agent_id !== null && this.deps.hub.isConnected(w.agent_id);
      const r = this.reports.get(w.id);
      // Only the agent a workspace is placed on speaks for it.
      const known = here && r?.agentId === w.agent_id ? r : undefined;
      const base = { workspaceId: w.id, ownerId: w.owner_id, blueprintId: w.blueprint_id };
      if (!known) {
        const unknown = { health: 'unknown', hooks: 'unknown', gateway: 'unknown', proxy: 'unknown', mode: 'unknown', killSwitch: false, reportedAt: null } as const;
        return { here, item: { ...base, ...unknown, problems: [here ? NOT_REPORTED : NOT_CONNECTED] } };
      }
      const problems = healthProblems(known);
      const health: WorkspaceHealth = problems.length === 0 ? 'healthy' : 'unhealthy';
      return {
        here,
        item: {
          ...base, health, hooks: known.hooks, gateway: known.gateway, proxy: known.proxy, mode: known.mode, killSwitch: known.killSwitch,
          reportedAt: known.at.toISOString(), problems,
        },
      };
    });
  }
}

import { createHash } from 'node:crypto';
import type pino from 'pino';
import type { LlmRoute, Workspace, WorkspaceState } from '@paddock/protocol';
import type { Command, Hello__Output, WorkspaceStatus__Output } from '@paddock/protocol/tunnel';
import { POLICY_SWEEPER, RECONCILER, agentActor } from '../auth/actor.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { EventBus, Unsubscribe } from '../events/eventBus.js';
import type { AgentHub } from '../tunnel/agentHub.js';
import type { Workspaces } from './workspaces.js';
import type { PortalServices } from '../services.js';
import { SingleFlight } from '../singleFlight.js';
import { defaultReconcilerTimings, type ReconcilerTimings } from '../config.js';

export type ReconcilerDeps = Pick<PortalServices, 'db' | 'clock' | 'hub' | 'workspaces' | 'events' | 'blueprintSecrets' | 'workspaceSetup' | 'governancePolicies'>
  & { log: pino.Logger; metrics: Pick<PortalServices['metrics'], 'reconcilerRetries'>; budgetWatch: Pick<PortalServices['budgetWatch'], 'refusalFor'>; timings?: ReconcilerTimings };

/** A command sent and not yet answered; resent when older than this. */
const INFLIGHT_TIMEOUT_MS = 60_000;

type Verb = 'run' | 'stop' | 'delete';
type Row = { id: string; owner_id: string; blueprint_id: string };

/**
 * The parts a workspace's spec is built from, each with what the log says when
 * it fails and what the workspace's builder is shown (plain words: the log has the error).
 */
const specParts = {
  secrets: {
    log: "decrypting the blueprint's secrets failed",
    builder: "The workspace could not start: its blueprint's secrets could not be read. Ask an admin to check the blueprint's secrets.",
  },
  llm: {
    log: "building the model route failed (the blueprint's model provider key or settings)",
    builder: "The workspace could not start: the connection to its AI model could not be set up. Ask an admin to check the blueprint's AI model settings.",
  },
  governance: {
    log: "building the workspace's governance policy failed",
    builder: "The workspace could not start: its governance policy could not be read. Ask an admin to check the governance settings.",
  },
  setup: {
    log: "reading the blueprint's workspace setup failed (agent instructions, tabs)",
    builder: "The workspace could not start: its blueprint's workspace setup could not be read. Ask an admin to check the blueprint.",
  },
} as const;
type SpecPart = keyof typeof specParts;

/** A part of the spec that could not be built, and why. */
class SpecPartError extends Error {
  constructor(readonly part: SpecPart, readonly reason: unknown) {
    super(`${specParts[part].log}: ${errorText(reason)}`);
  }
}

async function buildPart<T>(part: SpecPart, build: () => T | Promise<T>): Promise<T> {
  try {
    return await build();
  } catch (err) {
    throw new SpecPartError(part, err);
  }
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Drives every workspace's state toward its desired state, and keeps a running
 * workspace's agent holding its current spec. Level-triggered: each pass reads
 * the database and sends idempotent commands, so it is correct after a portal
 * or agent restart (the agent's Hello reports what actually runs).
 * Failed workspaces wait for their owner to start them again (no crash loops).
 */
export class Reconciler {
  private readonly inflight = new Map<string, { verb: Verb; at: number; agentId: string }>();
  /**
   * The model route last sent for a workspace (a fingerprint: no key kept here),
   * to which agent connection, and when it was last compared with the current
   * one. Forgotten when that agent's connection ends, so a (re)connected agent
   * is sent every running workspace's spec again.
   */
  private readonly sentRoute = new Map<string, { agentId: string; route: string; checkedAt: number }>();
  /**
   * Each workspace's state and wish as its last event told them: a pass runs when
   * they change, not for an event that changed neither (a resource report, a message).
   */
  private readonly seen = new Map<string, string>();
  private unsubscribe: Unsubscribe[] = [];
  private readonly passes: SingleFlight;
  private readonly db: Database;
  private readonly hub: AgentHub;
  private readonly workspaces: Workspaces;
  private readonly events: EventBus;
  private readonly clock: Clock;
  private readonly log: pino.Logger;
  /**
   * Every workspace is checked every resyncEveryMs (5 s). A spec sent again to a running
   * workspace and not answered goes again after refreshTimeoutMs (15 s): the agent answers
   * once it applied it, and says nothing when it could not (the workspace runs on as it was).
   * Its agent answers well within this (its own start timeout is 10 s), and applying the same
   * spec twice is harmless.
   */
  private readonly timings: ReconcilerTimings;
  /**
   * A governance policy, kill switch or grant changed, or what a budget refuses: the
   * next pass compares every running workspace's spec with what its agent holds at
   * once, past the waits that otherwise spread those checks out, so agents hold it
   * within a second.
   */
  private specsChanged = false;

  /**
   * A start command is built from the blueprint's secrets, decrypted (they travel
   * in ensure_running over the TLS tunnel and are never logged), and its workspace
   * setup: the model route, AGENTS.md, the tabs' PTY sessions, the sandbox's limits.
   */
  constructor(private readonly deps: ReconcilerDeps) {
    ({ db: this.db, hub: this.hub, workspaces: this.workspaces, events: this.events, clock: this.clock, log: this.log } = deps);
    this.passes = new SingleFlight(() => this.pass(), (err) => this.log.error({ err }, 'reconcile pass failed'));
    this.timings = deps.timings ?? defaultReconcilerTimings;
  }

  start(): void {
    this.hub.on('agent-connected', (agentId, hello) => void this.onHello(agentId, hello).catch((err: unknown) => this.log.error({ err }, 'hello handling failed')));
    this.hub.on('agent-disconnected', (agentId) => { this.forgetAgent(agentId); });
    this.hub.on('workspace-status', (agentId, status) => void this.onStatus(agentId, status).then(() => this.trigger(), (err: unknown) => this.log.error({ err }, 'status handling failed')));
    // Changes made here and, over PostgreSQL, in other portals (an agent is connected to one of them).
    this.unsubscribe = [
      this.events.on('workspace', (w) => this.onWorkspace(w)),
      this.events.on('governancePolicy', () => this.refreshSpecs()),
      this.events.onMissed(() => this.refreshSpecs()),
    ];
    this.passes.start(this.timings.resyncEveryMs);
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    await this.passes.stop();
  }

  /** Runs a pass soon; passes never overlap, and a trigger during a pass runs one more. */
  trigger(): void { this.passes.trigger(); }

  /** Something a running workspace's spec is built from changed (its policy, a budget's refusal): agents get it at once. */
  refreshSpecs(): void {
    this.specsChanged = true;
    this.trigger();
  }

  private onWorkspace(w: Workspace): void {
    const key = `${w.state}/${w.desiredState}`;
    if (this.seen.get(w.id) === key) return;
    if (w.state === 'deleted') this.seen.delete(w.id);
    else this.seen.set(w.id, key);
    this.trigger();
  }

  /** Resolves when no pass is running (tests). */
  settled(): Promise<void> { return this.passes.settled(); }

  private async pass(): Promise<void> {
    // Nothing starts for an owner who may no longer use its blueprint, however the
    // access went (the access sweep also runs on its own after every write).
    const specsChanged = this.specsChanged;
    this.specsChanged = false;
    await this.workspaces.stopWhereBlueprintAccessLost(POLICY_SWEEPER);
    const rows = await this.db.selectFrom('workspaces')
      .select(['id', 'agent_id', 'state', 'desired_state', 'owner_id', 'blueprint_id'])
      .where('state', '<>', 'deleted').execute();
    const connected = this.hub.connectedAgentIds();
    for (const r of rows) {
      let agentId = r.agent_id;
      if (!agentId || !this.hub.isConnected(agentId)) {
        // Unplaced workspaces go to a connected agent; placed ones wait for theirs.
        if (agentId) continue;
        if (connected.length === 0) {
          // Only the message changes, and only if nothing reported a new state since the read above
          // (writing the state read back would undo a report that came in meanwhile).
          await this.workspaces.setObserved(RECONCILER, r.id, r.state, 'waiting for a runtime agent to connect', undefined, { ifState: r.state });
          continue;
        }
        agentId = connected[Math.floor(Math.random() * connected.length)]!;
      }
      const verb: Verb | null = this.verbFor(r.state, r.desired_state);
      if (!verb) {
        if (r.state === 'running' && r.desired_state === 'running') await this.keepSpecCurrent(r, agentId, specsChanged);
        continue;
      }
      const current = this.inflight.get(r.id);
      if (current && current.verb === verb && this.clock.now().getTime() - current.at < INFLIGHT_TIMEOUT_MS) continue;
      const retry = current?.verb === verb;
      let command: Command;
      try {
        command = verb === 'run' ? await this.runCommand(r, await this.dynamicParts(r)) : this.command(verb, r);
      } catch (err) {
        if (!(err instanceof SpecPartError)) throw err;
        this.log.error({ workspaceId: r.id, blueprintId: r.blueprint_id, err: errorText(err.reason) }, specParts[err.part].log);
        await this.workspaces.setObserved(RECONCILER, r.id, 'failed', specParts[err.part].builder);
        continue;
      }
      const transitional: WorkspaceState = verb === 'run' ? 'starting' : 'stopping';
      // The row was read at the pass's start: an agent's report since (running, say) wins, and this
      // workspace waits for the next pass rather than being sent a start it no longer needs.
      if (!(await this.workspaces.setObserved(RECONCILER, r.id, transitional, '', agentId, { ifState: r.state }))) continue;
      if (this.send(agentId, r.id, verb, command) && retry) this.deps.metrics.reconcilerRetries.inc({ verb });
    }
  }

  /**
   * A running workspace must have its current spec on its agent, not only its
   * state. The agent holds part of it outside the sandbox (the gateway's
   * listener and route), so a (re)connected agent is sent the spec of every
   * workspace it runs: a restarted agent listens again with the virtual key the
   * sandbox already holds. A changed route (provider key, endpoint, model) is
   * sent too, within timings.resyncEveryMs. The sandbox itself is left as it runs.
   * A spec the agent couldn't apply goes unanswered (the workspace runs on as it
   * was) and is sent again after timings.refreshTimeoutMs.
   */
  private async keepSpecCurrent(r: Row, agentId: string, specsChanged = false): Promise<void> {
    const inflight = this.inflight.get(r.id);
    const sent = this.sentRoute.get(r.id);
    // A governance or budget change can't wait for an unanswered spec's timeout: what the agent was sent is compared now.
    if (specsChanged && sent?.agentId === agentId && (!inflight || inflight.verb === 'run')) return this.resendIfChanged(r, agentId, sent);
    if (inflight && this.clock.now().getTime() - inflight.at < (inflight.verb === 'run' ? this.timings.refreshTimeoutMs : INFLIGHT_TIMEOUT_MS)) return;
    const retry = inflight?.verb === 'run';
    if (retry) {
      this.log.warn({ workspaceId: r.id, agentId }, "the agent did not apply the running workspace's spec; sending it again");
    }
    // What was sent counts only once answered: an unanswered spec goes again.
    const onThisConnection = sent?.agentId === agentId && !inflight;
    this.inflight.delete(r.id);
    if (onThisConnection && this.clock.now().getTime() - sent.checkedAt < this.timings.resyncEveryMs) return;
    let command: Command;
    try {
      const parts = await this.dynamicParts(r);
      if (onThisConnection && sent.route === routeFingerprint(parts)) {
        sent.checkedAt = this.clock.now().getTime();
        return;
      }
      command = await this.runCommand(r, parts);
    } catch (err) {
      if (!(err instanceof SpecPartError)) throw err;
      // It runs as it is; the next check tries again. Said once, not every pass.
      if (sent?.route !== 'unavailable') {
        this.log.error({ workspaceId: r.id, blueprintId: r.blueprint_id, err: errorText(err.reason) },
          `the running workspace's spec could not be built, its agent keeps the last one: ${specParts[err.part].log}`);
      }
      this.sentRoute.set(r.id, { agentId, route: 'unavailable', checkedAt: this.clock.now().getTime() });
      return;
    }
    if (this.send(agentId, r.id, 'run', command) && retry) this.deps.metrics.reconcilerRetries.inc({ verb: 'run' });
  }

  /** After a governance or budget change: the spec goes again only if what the agent holds differs (a failure is the next regular check's). */
  private async resendIfChanged(r: Row, agentId: string, sent: { route: string }): Promise<void> {
    let command: Command;
    try {
      const parts = await this.dynamicParts(r);
      if (sent.route === routeFingerprint(parts)) return;
      command = await this.runCommand(r, parts);
    } catch (err) {
      if (!(err instanceof SpecPartError)) throw err;
      this.log.error({ workspaceId: r.id, err: errorText(err.reason) }, `the running workspace's spec could not be built after a governance or budget change: ${specParts[err.part].log}`);
      return;
    }
    this.send(agentId, r.id, 'run', command);
  }

  /** Whether the command went (its agent is connected here). */
  private send(agentId: string, workspaceId: string, verb: Verb, command: Command): boolean {
    if (!this.hub.send(agentId, { command })) return false;
    this.inflight.set(workspaceId, { verb, at: this.clock.now().getTime(), agentId });
    if (command.ensureRunning) {
      const spec = command.ensureRunning;
      this.sentRoute.set(workspaceId, { agentId, route: routeFingerprint({ llm: spec.llm, governancePolicy: spec.governancePolicy ?? '' }), checkedAt: this.clock.now().getTime() });
    } else {
      this.sentRoute.delete(workspaceId);
    }
    return true;
  }

  private verbFor(state: WorkspaceState, desired: string): Verb | null {
    if (desired === 'running') return state === 'running' || state === 'failed' ? null : 'run';
    if (desired === 'stopped') return state === 'stopped' || state === 'failed' ? null : 'stop';
    return 'delete';
  }

  private command(verb: 'stop' | 'delete', w: Row): Command {
    return verb === 'stop' ? { ensureStopped: w.id } : { ensureDeleted: w.id };
  }

  /**
   * The parts of a running workspace's spec the agent must hold as they are now: the model route
   * (its blueprint's provider, else the portal's default; with the refusal of a used-up budget)
   * and the governance policy.
   */
  private async dynamicParts(w: Row): Promise<DynamicParts> {
    return {
      llm: await buildPart('llm', async () => {
        const route = await this.deps.workspaceSetup.llmRoute(w.blueprint_id);
        const refusal = route && await this.deps.budgetWatch.refusalFor({ ownerId: w.owner_id, blueprintId: w.blueprint_id });
        return route && refusal ? { ...route, refusal } : route;
      }),
      governancePolicy: await buildPart('governance', async () => JSON.stringify(await this.deps.governancePolicies.effectiveFor({ id: w.id, blueprintId: w.blueprint_id }))),
    };
  }

  /** The whole spec: the blueprint's secrets as environment, the model route, the governance policy, the daemon's start spec. */
  private async runCommand(w: Row, parts: DynamicParts): Promise<Command> {
    return {
      ensureRunning: {
        workspaceId: w.id, ownerId: w.owner_id, blueprintId: w.blueprint_id,
        env: await buildPart('secrets', () => this.deps.blueprintSecrets.envFor(w.blueprint_id)),
        llm: parts.llm,
        governancePolicy: parts.governancePolicy,
        ...await buildPart('setup', () => this.deps.workspaceSetup.startSpec(w.blueprint_id)),
      },
    };
  }

  private async onStatus(agentId: string, status: WorkspaceStatus__Output): Promise<void> {
    const row = await this.db.selectFrom('workspaces').select(['agent_id', 'desired_state', 'state'])
      .where('id', '=', status.workspaceId).executeTakeFirst();
    if (!row || row.agent_id !== agentId) return;
    const inflight = this.inflight.get(status.workspaceId);
    if (inflight) this.inflight.delete(status.workspaceId);
    const state = this.observedState(status.state, row.desired_state);
    // Not running yet while a start is due: the next pass (re)sends the start.
    if (state === 'stopped' && row.desired_state === 'running' && (row.state === 'pending' || row.state === 'starting')) return;
    // A stale report (e.g. "running" while a stop is in flight) must not hide the transition.
    if (inflight && inflight.verb === 'stop' && state === 'running') return;
    await this.workspaces.setObserved(agentActor(agentId), status.workspaceId, state, status.message);
  }

  private observedState(reported: string, desired: string): WorkspaceState {
    switch (reported) {
      case 'running': return 'running';
      case 'failed': return 'failed';
      case 'deleted':
      case 'missing': return desired === 'deleted' ? 'deleted' : 'stopped';
      default: return 'stopped';
    }
  }

  /** After (re)connecting, the agent says what runs; anything of its workspaces it didn't list is gone. */
  private async onHello(agentId: string, hello: Hello__Output): Promise<void> {
    this.forgetAgent(agentId);
    const reported = new Map(hello.workspaces.map((w) => [w.workspaceId, w]));
    const rows = await this.db.selectFrom('workspaces').select(['id']).where('agent_id', '=', agentId).where('state', '<>', 'deleted').execute();
    for (const r of rows) {
      await this.onStatus(agentId, reported.get(r.id) ?? { workspaceId: r.id, state: 'missing', message: '' });
    }
    this.trigger();
  }

  private forgetAgent(agentId: string) {
    for (const [id, f] of this.inflight) if (f.agentId === agentId) this.inflight.delete(id);
    for (const [id, s] of this.sentRoute) if (s.agentId === agentId) this.sentRoute.delete(id);
  }
}

type DynamicParts = { llm: LlmRoute | undefined; governancePolicy: string };

/** Tells specs' routes and policies apart without keeping their keys in memory longer than a pass. */
function routeFingerprint(parts: { llm: { [K in keyof LlmRoute]?: string } | null | undefined; governancePolicy: string }): string {
  const route = parts.llm;
  const llm = route ? [route.upstreamBaseUrl, route.upstreamApiKey, route.model, route.upstreamFormat ?? 'anthropic', route.refusal ?? ''] : 'none';
  return createHash('sha256').update(JSON.stringify([llm, parts.governancePolicy])).digest('hex');
}

import type pino from 'pino';
import type { EventBus, Unsubscribe } from '../events/eventBus.js';
import { ApiError } from '../errors.js';
import type { AgentHub } from '../tunnel/agentHub.js';
import type { GovernanceApprovals } from './governanceApprovals.js';
import type { GovernanceEvents } from './governanceEvents.js';

/** How often undecided holds and ended grants are looked for: well within the one second a decision has to reach an agent. */
const SWEEP_EVERY_MS = 500;
/** A JSON text from the tunnel larger than this is not parsed (a report or a hold is a few hundred bytes). */
const MAX_JSON = 200_000;

function parseJson(text: string): unknown {
  if (text.length > MAX_JSON) return undefined;
  try { return JSON.parse(text); } catch { return undefined; }
}

/**
 * Governance over the tunnel, portal side: agents' event batches into the
 * events table, their holds into approvals (answered at once), and each
 * decision or expiry back to the agent that holds it. Decisions travel on the
 * event bus, so the portal an agent is connected to tells it, whichever
 * portal's admin decided.
 */
export class GovernanceTunnel {
  private unsubscribe: Unsubscribe[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> | undefined;

  constructor(private readonly deps: {
    hub: AgentHub; events: EventBus; governanceEvents: GovernanceEvents; approvals: GovernanceApprovals; log: pino.Logger;
  }) {}

  start(): void {
    const { hub, log } = this.deps;
    hub.on('governance-events', (agentId, batch) => {
      const reports = batch.eventsJson.map(parseJson);
      void this.deps.governanceEvents.record(agentId, reports).then((stored) => {
        if (stored < reports.length) log.warn({ agentId, sent: reports.length, stored }, 'governance events refused: malformed, or for workspaces the agent does not run');
      }, (err: unknown) => log.error({ err, agentId }, 'storing governance events failed'));
    });
    hub.on('hold-request', (agentId, hold) => {
      void this.deps.approvals.hold(agentId, parseJson(hold.requestJson)).then(
        (held) => hub.send(agentId, { holdReply: { requestId: hold.requestId, heldJson: JSON.stringify(held), error: '' } }),
        (err: unknown) => {
          if (!(err instanceof ApiError)) log.error({ err, agentId }, 'holding an action failed');
          hub.send(agentId, { holdReply: { requestId: hold.requestId, heldJson: '', error: err instanceof ApiError ? err.message : 'the portal could not hold the action' } });
        },
      );
    });
    this.unsubscribe = [this.deps.events.on('approval', ({ approvalId }) => this.tellAgent(approvalId))];
    this.timer = setInterval(() => this.sweep(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe) u();
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** One sweep at a time (tests call it after moving the clock). */
  sweep(): Promise<unknown> {
    this.sweeping ??= this.deps.approvals.sweep()
      .catch((err: unknown) => this.deps.log.error({ err }, 'the governance sweep failed'))
      .finally(() => { this.sweeping = undefined; });
    return this.sweeping;
  }

  private async tellAgent(approvalId: string): Promise<void> {
    const outcome = await this.deps.approvals.outcome(approvalId);
    if (!outcome || !this.deps.hub.isConnected(outcome.agentId)) return;
    this.deps.hub.send(outcome.agentId, { holdDecision: { decisionJson: JSON.stringify(outcome.decision) } });
  }
}

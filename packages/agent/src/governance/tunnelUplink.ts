import type pino from 'pino';
import { heldActionSchema, type GovernanceEventReport, type HeldAction, type HoldDecision, type HoldRequest } from '@paddock/protocol';
import type { DeciderControl, GovernanceUplink } from './decider.js';

export interface TunnelUplinkOptions {
  /** Events wait at most this long before they are sent (default 200 ms). */
  flushMs?: number;
  /** A batch this large goes at once (default 200; the portal takes up to 500 per message). */
  maxBatch?: number;
  /** Events kept while the portal is unreachable; the oldest go first (default 10 000). */
  maxBuffered?: number;
}

/** The parts of the tunnel client (tunnel/tunnelClient.ts) the uplink uses. */
export interface UplinkLine {
  sendGovernanceEvents(eventsJson: string[]): boolean;
  requestHold(requestJson: string): Promise<string>;
  on(event: 'connected', listener: () => void): unknown;
}

/** The admins' decisions the tunnel client relays (tunnel/tunnelClient.ts emits them, validated). */
export interface PortalDecisions {
  on(event: 'hold-decision', listener: (decision: HoldDecision) => void): unknown;
}

/**
 * The decider's line to the portal over the tunnel. Events are batched (a
 * hook call, a model call, a proxied request each make one) and kept, bounded,
 * while the portal is away; losing one never blocks or changes a decision.
 * A hold is one request answered at once by the portal with its id and expiry.
 *
 * It can be made before its tunnel client (the decider takes it at its
 * construction, the client comes later, built over the workspaces that take the
 * decider): `connect` gives it the line. Until then events wait and holds are
 * refused (the caller denies).
 */
export class TunnelGovernanceUplink implements GovernanceUplink {
  private buffer: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private dropped = 0;
  private readonly flushMs: number;
  private readonly maxBatch: number;
  private readonly maxBuffered: number;

  private tunnel: UplinkLine | undefined;

  constructor(private readonly log: pino.Logger, options: TunnelUplinkOptions = {}) {
    this.flushMs = options.flushMs ?? 200;
    this.maxBatch = options.maxBatch ?? 200;
    this.maxBuffered = options.maxBuffered ?? 10_000;
  }

  /** The line to the portal: events go out from now on (and again after each reconnect). */
  connect(tunnel: UplinkLine): this {
    this.tunnel = tunnel;
    tunnel.on('connected', () => this.flush());
    this.flush();
    return this;
  }

  report(event: GovernanceEventReport): void {
    if (this.buffer.length >= this.maxBuffered) { this.buffer.shift(); this.dropped++; }
    this.buffer.push(JSON.stringify(event));
    if (this.buffer.length >= this.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  async hold(request: HoldRequest): Promise<HeldAction> {
    if (!this.tunnel) throw new Error('the agent has no line to the portal yet');
    return heldActionSchema.parse(JSON.parse(await this.tunnel.requestHold(JSON.stringify(request))));
  }

  /** Sends what waits, a batch at a time; keeps it when the portal is away (sent on reconnect). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dropped > 0) {
      this.log.warn({ dropped: this.dropped }, 'governance events were dropped while the portal was unreachable (the oldest first)');
      this.dropped = 0;
    }
    while (this.tunnel && this.buffer.length > 0) {
      const batch = this.buffer.slice(0, this.maxBatch);
      if (!this.tunnel.sendGovernanceEvents(batch)) return;
      this.buffer.splice(0, batch.length);
    }
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Each admin's decision on a held action (or its expiry) goes to the decider.
 * Policies come with each workspace's spec, through the workspaces.
 */
export function followHoldDecisions(tunnel: PortalDecisions, control: Pick<DeciderControl, 'resolveHeld'>): void {
  tunnel.on('hold-decision', (decision) => control.resolveHeld(decision));
}

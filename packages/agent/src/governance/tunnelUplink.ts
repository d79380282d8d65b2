import type pino from 'pino';
import {
  DEFAULT_HOLD_TIMEOUT_SECONDS, effectivePolicySchema, heldActionSchema,
  type EffectivePolicy, type GovernanceEventReport, type HeldAction, type HoldDecision, type HoldRequest,
} from '@paddock/protocol';
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

/** What the portal sends that the decider takes (tunnel/tunnelClient.ts emits them). */
export interface PortalGovernance {
  on(event: 'hold-decision', listener: (decision: HoldDecision) => void): unknown;
  on(event: 'governance-policy', listener: (workspaceId: string, policyJson: string) => void): unknown;
}

/**
 * The decider's line to the portal over the tunnel. Events are batched (a
 * hook call, a model call, a proxied request each make one) and kept, bounded,
 * while the portal is away; losing one never blocks or changes a decision.
 * A hold is one request answered at once by the portal with its id and expiry.
 */
export class TunnelGovernanceUplink implements GovernanceUplink {
  private buffer: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private dropped = 0;
  private readonly flushMs: number;
  private readonly maxBatch: number;
  private readonly maxBuffered: number;

  constructor(private readonly tunnel: UplinkLine, private readonly log: pino.Logger, options: TunnelUplinkOptions = {}) {
    this.flushMs = options.flushMs ?? 200;
    this.maxBatch = options.maxBatch ?? 200;
    this.maxBuffered = options.maxBuffered ?? 10_000;
    tunnel.on('connected', () => this.flush());
  }

  report(event: GovernanceEventReport): void {
    if (this.buffer.length >= this.maxBuffered) { this.buffer.shift(); this.dropped++; }
    this.buffer.push(JSON.stringify(event));
    if (this.buffer.length >= this.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  async hold(request: HoldRequest): Promise<HeldAction> {
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
    while (this.buffer.length > 0) {
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

/** What a policy the portal sent but that doesn't parse means: everything denied, enforced (fail closed). */
const UNREADABLE_POLICY: EffectivePolicy = {
  mode: 'enforce',
  defaults: { llm_call: 'deny', bash_command: 'deny', file_write: 'deny', git_push: 'deny', http_request: 'deny' },
  rules: [],
  contentFilters: { secrets: true, privateKeys: true, exfiltration: true },
  killSwitch: { engaged: false },
  holdTimeoutSeconds: DEFAULT_HOLD_TIMEOUT_SECONDS,
};

/**
 * What the portal sends goes to the decider: each workspace's policy with its
 * spec ('' : none, governance off; one that doesn't parse denies everything),
 * and each hold's decision.
 */
export function followPortal(tunnel: PortalGovernance, control: DeciderControl, log: pino.Logger): void {
  tunnel.on('hold-decision', (decision) => control.resolveHeld(decision));
  tunnel.on('governance-policy', (workspaceId, json) => {
    if (!json) return control.setPolicy(workspaceId, undefined);
    let parsed;
    try { parsed = effectivePolicySchema.safeParse(JSON.parse(json)); } catch { parsed = undefined; }
    if (!parsed?.success) log.error({ workspaceId }, "the portal sent a governance policy that doesn't parse; everything the workspace's agent asks is denied");
    control.setPolicy(workspaceId, parsed?.success ? parsed.data : UNREADABLE_POLICY);
  });
}

import type { DecisionOutcome, EffectivePolicy, GovernanceAction, GovernanceEventReport, HeldAction, HoldDecision, HoldRequest } from '@paddock/protocol';

/** Which enforcement point asks: the agent hooks (paddock-guard), the LLM gateway, or the egress proxy. */
export type EnforcementPoint = 'hook' | 'gateway' | 'proxy';

export interface DecideContext {
  point: EnforcementPoint;
  /**
   * Text the content filters look at (a prompt, a request body or URL, a file's
   * new content). Scanned and forgotten: never stored, never sent to the portal;
   * a match is reported masked.
   */
  content?: string;
}

/**
 * The agent's one way to ask the policy about an action of one workspace's
 * agent. Every enforcement point goes through it, and every call is a
 * governance event (what was asked, the verdict, whether it was enforced).
 * In enforce mode an `ask` comes back held at once (`held`), never after a
 * person decided; the caller waits with `awaitHeld` or tells its client to retry.
 */
export interface Decider {
  decide(workspaceId: string, action: GovernanceAction, context: DecideContext): Promise<DecisionOutcome>;
  /** Resolves with the admin's decision, or a deny once `timeoutMs` passed or the hold expired. */
  awaitHeld(workspaceId: string, heldId: string, timeoutMs: number): Promise<DecisionOutcome>;
}

/**
 * The decider's line to the portal (the tunnel; issue 9's portal side). The
 * decider never waits on it to answer an allow or a deny.
 */
export interface GovernanceUplink {
  /** Sends one event (batched, best effort: a lost event never blocks or changes a decision). */
  report(event: GovernanceEventReport): void;
  /** Asks the portal to hold an action for an admin; rejects when the portal can't be reached (the caller then denies). */
  hold(request: HoldRequest): Promise<HeldAction>;
}

/**
 * What the agent tells its decider, from the specs the portal sends and the
 * decisions it relays: the policy of each workspace (undefined: it stopped),
 * and each admin's decision on a held action.
 */
export interface DeciderControl {
  setPolicy(workspaceId: string, policy: EffectivePolicy | undefined): void;
  resolveHeld(decision: HoldDecision): void;
}

import {
  heldActionSchema, holdDecisionSchema,
  type Decision, type DecisionOutcome, type EffectivePolicy, type GovernanceAction, type GovernanceEventReport, type HoldDecision,
} from '@paddock/protocol';
import { domainPatternMatches, evaluate, firstMatchingRule, loadShellParser, recordedAction, redactedAction, summaryOf } from '@paddock/protocol/governance';
import type pino from 'pino';
import type { DeciderClock } from './clock.js';
import { scanContent } from './contentFilters.js';
import type { DecideContext, Decider, DeciderControl, GovernanceUplink } from './decider.js';
import { credentialNeedles, longestNeedle, MIN_CREDENTIAL_LENGTH, RollingTails, type Needle } from './exfiltration.js';
import { mask } from './mask.js';

export interface PolicyDeciderOptions {
  uplink: GovernanceUplink;
  clock: DeciderClock;
  log?: pino.Logger;
}

/** Called when a workspace's kill switch is engaged, with the reason for the builder. */
export type KillListener = (reason: string) => void;

interface Held {
  workspaceId: string;
  expiresAt: number;
  outcome?: DecisionOutcome;
  waiters: Set<{ resolve: (outcome: DecisionOutcome) => void; timer: unknown }>;
}

interface Credentials { values: string[]; needles: Needle[]; keep: number }

/** A decided or expired hold is remembered this long, for a caller that asks again after it was decided. */
const HELD_GRACE_MS = 60_000;

/**
 * The agent's decider: each workspace's effective policy (pushed by the
 * portal with its spec), evaluated for every action an enforcement point
 * asks about, each decision reported as one event.
 *
 * A workspace with no policy is ungoverned: the portal sent none (`''` in its
 * spec), so governance is off for it: allow, not enforced, mode off, and no
 * event. (The portal decides whether a workspace is governed; a policy it
 * sent that doesn't parse is turned into a kill switch by `policyFromSpec`,
 * so a broken push fails closed, never open.) Mode off reports nothing
 * either: nothing is intercepted.
 */
export class PolicyDecider implements Decider, DeciderControl {
  private readonly policies = new Map<string, EffectivePolicy>();
  private readonly credentials = new Map<string, Credentials>();
  private readonly tails = new RollingTails();
  private readonly held = new Map<string, Held>();
  private readonly killListeners = new Map<string, Set<KillListener>>();

  constructor(private readonly options: PolicyDeciderOptions) {}

  setPolicy(workspaceId: string, policy: EffectivePolicy | undefined): void {
    if (!policy) {
      this.policies.delete(workspaceId);
      this.credentials.delete(workspaceId);
      this.tails.forget(workspaceId);
      this.settleHeldOf(workspaceId, 'The workspace stopped: denied.');
      return;
    }
    this.policies.set(workspaceId, policy);
    if (!policy.killSwitch.engaged) return;
    const reason = evaluate(policy, { class: 'llm_call' }).reason;
    this.settleHeldOf(workspaceId, reason);
    for (const listener of this.killListeners.get(workspaceId) ?? []) {
      try {
        listener(reason);
      } catch (error) {
        this.options.log?.warn({ err: error, workspaceId }, 'a kill switch listener failed');
      }
    }
  }

  /** The workspace's own credentials (its spec's environment: the blueprint's secrets), for the exfiltration filter. */
  setCredentials(workspaceId: string, values: Iterable<string>): void {
    const kept = [...new Set(values)].filter((v) => v.length >= MIN_CREDENTIAL_LENGTH);
    if (!kept.length) {
      this.credentials.delete(workspaceId);
      return;
    }
    const needles = credentialNeedles(kept);
    this.credentials.set(workspaceId, { values: kept.sort((a, b) => b.length - a.length), needles, keep: longestNeedle(needles) - 1 });
  }

  /**
   * Subscribes to a workspace's kill switch: the LLM gateway cuts the
   * workspace's streams in flight when it fires. Returns the unsubscribe.
   */
  onKill(workspaceId: string, listener: KillListener): () => void {
    let set = this.killListeners.get(workspaceId);
    if (!set) this.killListeners.set(workspaceId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (!set.size) this.killListeners.delete(workspaceId);
    };
  }

  async decide(workspaceId: string, action: GovernanceAction, context: DecideContext): Promise<DecisionOutcome> {
    if (action.class === 'bash_command') await loadShellParser();
    this.purgeHeld();
    const before = this.policies.get(workspaceId);
    if (!before) return { verdict: 'allow', enforced: false, mode: 'off', reason: 'Governance is off for this workspace.' };
    const filter = await this.scan(workspaceId, before, action, context);
    // The scan awaited: a policy (or a kill switch) pushed meanwhile is the one that decides.
    const policy = this.policies.get(workspaceId) ?? before;
    const decision = evaluate(policy, action, filter ? { filter } : {});
    if (decision.mode === 'off' && !policy.killSwitch.engaged) return decision;
    const summary = summaryOf(action, (text) => this.redact(workspaceId, text));
    if (decision.verdict !== 'ask' || !decision.enforced) {
      this.report(workspaceId, context, action, summary, decision);
      return decision;
    }
    return this.hold(workspaceId, policy, action, context, summary, decision);
  }

  /**
   * Records what an agent asked to do where nothing can stop it yet (the LLM
   * gateway sees a model's tool calls before any hook does): the event with
   * the verdict, never a hold; the enforcement point that runs it decides.
   */
  async record(workspaceId: string, action: GovernanceAction, point: DecideContext['point']): Promise<void> {
    if (action.class === 'bash_command') await loadShellParser();
    const policy = this.policies.get(workspaceId);
    if (!policy || (policy.mode === 'off' && !policy.killSwitch.engaged)) return;
    const decision = evaluate(policy, action);
    this.report(workspaceId, { point }, action, summaryOf(action, (text) => this.redact(workspaceId, text)), decision);
  }

  /**
   * How the egress proxy treats the workspace's traffic to `domain`: `off`
   * (ungoverned, or mode off: nothing is intercepted), `passthrough` (the
   * policy lists the domain: its TLS is not opened, domain rules only) or
   * `inspect` (TLS opened with the agent's CA; path rules, content filters
   * and git push checks apply to each request inside).
   */
  egressInspection(workspaceId: string, domain: string): 'off' | 'passthrough' | 'inspect' {
    const policy = this.policies.get(workspaceId);
    if (!policy || (policy.mode === 'off' && !policy.killSwitch.engaged)) return 'off';
    return (policy.passthrough ?? []).some((pattern) => domainPatternMatches(pattern, domain)) ? 'passthrough' : 'inspect';
  }

  /** Why the workspace's kill switch is engaged, or undefined when it isn't: checked before anything else is read. */
  killReason(workspaceId: string): string | undefined {
    const policy = this.policies.get(workspaceId);
    return policy?.killSwitch.engaged ? evaluate(policy, { class: 'llm_call' }).reason : undefined;
  }

  awaitHeld(workspaceId: string, heldId: string, timeoutMs: number): Promise<DecisionOutcome> {
    const entry = this.held.get(heldId);
    const mode = this.policies.get(workspaceId)?.mode ?? 'enforce';
    if (!entry || entry.workspaceId !== workspaceId) return Promise.resolve(denied(mode, 'No such held action: denied.'));
    if (entry.outcome) return Promise.resolve(entry.outcome);
    const wait = Math.min(timeoutMs, entry.expiresAt - this.options.clock.now());
    if (wait <= 0) return Promise.resolve(denied(mode, 'No admin decided in time: denied.'));
    return new Promise((resolve) => {
      const waiter = {
        resolve,
        timer: this.options.clock.setTimeout(() => {
          entry.waiters.delete(waiter);
          resolve(denied(mode, 'No admin decided in time: denied.'));
        }, wait),
      };
      entry.waiters.add(waiter);
    });
  }

  resolveHeld(decision: HoldDecision): void {
    const parsed = holdDecisionSchema.safeParse(decision);
    if (!parsed.success) return;
    const entry = this.held.get(parsed.data.heldId);
    if (!entry || entry.outcome) return;
    const policy = this.policies.get(entry.workspaceId);
    if (!policy) return;
    // An approval that arrives after the kill switch doesn't release anything.
    const outcome: DecisionOutcome = policy.killSwitch.engaged
      ? evaluate(policy, { class: 'llm_call' })
      : parsed.data.decision === 'approve'
        ? { verdict: 'allow', enforced: true, mode: policy.mode, reason: parsed.data.reason }
        : denied(policy.mode, parsed.data.reason);
    this.settle(entry, outcome);
  }

  private async scan(workspaceId: string, policy: EffectivePolicy, action: GovernanceAction, context: DecideContext) {
    const { contentFilters: filters } = policy;
    if (!context.content || policy.mode === 'off' || policy.killSwitch.engaged) return undefined;
    if (!filters.secrets && !filters.privateKeys && !filters.exfiltration) return undefined;
    // Writing a credential into the workspace's own files sends it nowhere; every other class carries content out.
    const credentials = action.class === 'file_write' ? undefined : this.credentials.get(workspaceId);
    const stream = action.class;
    const exfiltration = credentials ? { needles: credentials.needles, tail: this.tails.get(workspaceId, stream) } : undefined;
    // A large encoded payload is exfiltration only where no rule of the admin's allows the domain: a default is not a choice.
    const encodedPayloads = action.class === 'http_request' && firstMatchingRule(policy, action)?.verdict !== 'allow';
    try {
      return await scanContent(filters, context.content, exfiltration, { encodedPayloads });
    } finally {
      if (credentials) this.tails.push(workspaceId, stream, context.content, credentials.keep);
    }
  }

  private async hold(workspaceId: string, policy: EffectivePolicy, action: GovernanceAction, context: DecideContext, summary: string, decision: Decision): Promise<DecisionOutcome> {
    let held;
    try {
      // The portal keeps what is held: the workspace's own credentials never go there (the decision comes back by id).
      const sent = redactedAction(action, (text) => this.redact(workspaceId, text));
      const redacted = JSON.stringify(sent) !== JSON.stringify(redactedAction(action, (text) => text));
      const answer = await this.options.uplink.hold({
        workspaceId, action: sent, summary, ruleId: decision.ruleId, timeoutSeconds: policy.holdTimeoutSeconds, ...(redacted ? { redacted } : {}),
      });
      held = heldActionSchema.parse(answer);
    } catch (error) {
      this.options.log?.warn({ err: error, workspaceId }, 'could not hold an action for an admin: denied');
      const outcome = { ...denied(policy.mode, `${decision.reason} The portal could not be reached to ask an admin: denied.`), ...(decision.ruleId !== undefined ? { ruleId: decision.ruleId } : {}) };
      this.report(workspaceId, context, action, summary, outcome);
      return outcome;
    }
    const expiresAt = Date.parse(held.expiresAt);
    this.held.set(held.id, {
      workspaceId,
      expiresAt: Number.isFinite(expiresAt) ? expiresAt : this.options.clock.now() + policy.holdTimeoutSeconds * 1000,
      waiters: new Set(),
    });
    this.report(workspaceId, context, action, summary, decision, held.id);
    return { ...decision, held };
  }

  private report(workspaceId: string, context: DecideContext, action: GovernanceAction, summary: string, decision: Decision, heldId?: string): void {
    const event: GovernanceEventReport = {
      workspaceId,
      at: new Date(this.options.clock.now()).toISOString(),
      point: context.point,
      class: action.class,
      summary,
      verdict: decision.verdict,
      enforced: decision.enforced,
    };
    if (decision.ruleId !== undefined) event.ruleId = decision.ruleId;
    if (decision.filter) event.filter = decision.filter;
    if (heldId !== undefined) event.heldId = heldId;
    const recorded = recordedAction(action, (text) => this.redact(workspaceId, text));
    if (recorded) event.action = recorded;
    try {
      this.options.uplink.report(event);
    } catch (error) {
      // Best effort: a lost event never changes a decision.
      this.options.log?.warn({ err: error, workspaceId }, 'could not report a governance event');
    }
  }

  /** The workspace's own credentials never reach a summary, masked like a filter match. */
  private redact(workspaceId: string, text: string): string {
    const values = this.credentials.get(workspaceId)?.values;
    if (!values) return text;
    let out = text;
    for (const value of values) out = out.split(value).join(mask(value));
    return out;
  }

  private settle(entry: Held, outcome: DecisionOutcome): void {
    entry.outcome = outcome;
    entry.expiresAt = Math.min(entry.expiresAt, this.options.clock.now());
    for (const waiter of entry.waiters) {
      this.options.clock.clearTimeout(waiter.timer);
      waiter.resolve(outcome);
    }
    entry.waiters.clear();
  }

  private settleHeldOf(workspaceId: string, reason: string): void {
    const mode = this.policies.get(workspaceId)?.mode ?? 'enforce';
    for (const entry of this.held.values()) if (entry.workspaceId === workspaceId && !entry.outcome) this.settle(entry, denied(mode, reason));
  }

  private purgeHeld(): void {
    const now = this.options.clock.now();
    for (const [id, entry] of this.held) if (!entry.waiters.size && now > entry.expiresAt + HELD_GRACE_MS) this.held.delete(id);
  }
}

function denied(mode: EffectivePolicy['mode'], reason: string): DecisionOutcome {
  return { verdict: 'deny', enforced: true, mode, reason };
}

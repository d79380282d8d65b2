import type pino from 'pino';
import { POLICY_SWEEPER } from '../auth/actor.js';
import { SingleFlight } from '../singleFlight.js';
import type { Workspaces } from '../workspaces/workspaces.js';

/** Deadlines are minutes apart at the least (idleStopMinutes ≥ 1): a pass every few seconds keeps a stop within seconds of its time. */
const SWEEP_EVERY_MS = 5_000;

/**
 * Keeps workspaces within the resource policy: stops those past their idle or lifetime
 * deadline, deletes those stopped longer than the cleanup allows
 * (Workspaces.enforceResourcePolicy). Level-triggered: each pass reads what is due now,
 * on the injected clock, so it is right after a restart and a test moves time by moving
 * the clock. Passes never overlap.
 */
export class ResourcePolicySweep {
  private readonly sweeps: SingleFlight;

  constructor(workspaces: Workspaces, log: pino.Logger) {
    this.sweeps = new SingleFlight(async () => {
      const { stopped, deleted } = await workspaces.enforceResourcePolicy(POLICY_SWEEPER);
      if (stopped || deleted) log.info({ stopped, deleted }, 'the resource policy stopped or cleaned up workspaces');
    }, (err) => log.error({ err }, 'the resource policy sweep failed'));
  }

  start(): void { this.sweeps.start(SWEEP_EVERY_MS); }

  stop(): Promise<void> { return this.sweeps.stop(); }

  /** A pass now (or after the one under way), resolved when done: what a test calls after moving the clock. */
  async sweepNow(): Promise<void> {
    this.sweeps.trigger();
    await this.sweeps.settled();
  }
}

import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import { POLICY_SWEEPER } from '../auth/actor.js';
import { SingleFlight } from '../singleFlight.js';
import type { Workspaces } from './workspaces.js';

/** Also catches what no request of this portal changed: another replica, an admin command. */
const SWEEP_EVERY_MS = 5_000;
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Keeps running workspaces within their owners' blueprint access. Who may use a
 * blueprint changes in many places (its access list, SCIM users and groups, the
 * Members page, SSO sign-in syncing roles and groups, and whatever comes next);
 * rather than each remembering to stop workspaces, one level-triggered pass
 * (Workspaces.stopWhereBlueprintAccessLost) runs after every successful API or
 * SCIM write, once that request's transaction has committed, and every few
 * seconds. Passes never overlap, and triggers during a pass coalesce into one more.
 */
export class BlueprintAccessSweep {
  private readonly sweeps: SingleFlight;

  constructor(workspaces: Workspaces, log: pino.Logger) {
    this.sweeps = new SingleFlight(async () => {
      const n = await workspaces.stopWhereBlueprintAccessLost(POLICY_SWEEPER);
      if (n > 0) log.info({ stopped: n }, 'stopped workspaces whose owners may no longer use their blueprint');
    }, (err) => log.error({ err }, 'the blueprint access sweep failed'));
  }

  /** Sweeps after every successful write through `app` (register before its routes). */
  watch(app: FastifyInstance): void {
    app.addHook('onResponse', async (req, reply) => {
      if (WRITES.has(req.method) && reply.statusCode < 400 && /^\/(api\/v1|scim\/v2)\//.test(req.url)) this.trigger();
    });
  }

  /** Sweeps now and then on a timer. */
  start(): void { this.sweeps.start(SWEEP_EVERY_MS); }

  stop(): Promise<void> { return this.sweeps.stop(); }

  trigger(): void { this.sweeps.trigger(); }
}

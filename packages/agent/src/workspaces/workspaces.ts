import { EventEmitter } from 'node:events';
import type { Bridge } from '../bridges/bridge.js';
import type { BridgeKeys } from '../bridges/bridgeKeys.js';
import { governanceHealthOf, stoppedHealth, type EnforcementPoint, type WorkspaceGovernanceHealth } from '../governance/governanceHealth.js';
import type { PolicyDecider } from '../governance/policyDecider.js';
import { KeyedQueue } from '../keyedQueue.js';
import type { RuntimeDriver } from '../runtime/driver.js';
import { SpecNotAppliedError } from './specNotApplied.js';
import type { VersionStores } from '../publish/versionStore.js';
import { runSpecOf, type WorkspaceSpec } from './workspaceSpec.js';

/**
 * The agent's workspaces: run by a runtime driver, served by the agent's
 * bridges over the driver's exposed sockets. What the portal asks of a
 * workspace comes here; reads and dials go to the driver itself (`runtime`).
 */
/** What the workspaces tell the decider from each spec: its policy and its own credentials. */
export type WorkspaceGovernance = Pick<PolicyDecider, 'setPolicy' | 'setCredentials'>;

export interface WorkspacesEvents {
  /** A workspace's enforcement points or mode changed (the tunnel tells the portal), or it is served no more (`stopped`). */
  'governance-health': [health: WorkspaceGovernanceHealth];
}

export class Workspaces extends EventEmitter<WorkspacesEvents> {
  /** One operation per workspace at a time: a bridge and its sandbox always agree on the key. */
  private readonly queue = new KeyedQueue();
  /** Each served workspace's governance health, as last said. */
  private readonly health = new Map<string, WorkspaceGovernanceHealth>();

  constructor(
    readonly runtime: RuntimeDriver,
    private readonly bridges: readonly Bridge[],
    private readonly keys: BridgeKeys,
    private readonly governance?: WorkspaceGovernance,
    /** Where a published app's version is read from when its sandbox is first made; without it an app can't start. */
    private readonly versions?: VersionStores,
  ) {
    super();
  }

  /** The governance health of every workspace served now (sent to the portal after each connect). */
  governanceHealth(): WorkspaceGovernanceHealth[] {
    return [...this.health.values()];
  }

  /**
   * A workspace that doesn't run is created with each bridge's socket already
   * there and each bridge's environment. One that runs is left as it runs;
   * its bridges take the spec as it is now, and what they can't take rejects
   * with SpecNotAppliedError: it runs on as it was.
   */
  ensureRunning(spec: WorkspaceSpec): Promise<void> {
    return this.queue.run(spec.workspaceId, async () => {
      // Before anything starts, so the first tool call is already governed; a running workspace takes it live.
      this.governance?.setPolicy(spec.workspaceId, spec.governance);
      this.governance?.setCredentials(spec.workspaceId, Object.values(spec.env));
      let started = false;
      const served = new Set<EnforcementPoint>();
      try {
        const outcome = await this.runtime.ensureRunning(runSpecOf(spec), {
          beforeStart: () => {
            started = true;
            return this.startBridges(spec, served);
          },
          ...(spec.app ? { seedFiles: (dir: string) => this.seedApp(spec.app!, dir) } : {}),
        });
        if (outcome === 'running') await this.refreshBridges(spec, served);
      } catch (error) {
        if (started) {
          await this.stopBridges(spec.workspaceId);
          this.forgetHealth(spec.workspaceId);
        } else if (error instanceof SpecNotAppliedError) {
          // It runs on, without what a bridge could not take: said as it is.
          this.setHealth(governanceHealthOf(spec.workspaceId, served, spec));
        }
        throw error;
      }
      this.setHealth(governanceHealthOf(spec.workspaceId, served, spec));
    });
  }

  ensureStopped(workspaceId: string): Promise<void> {
    return this.queue.run(workspaceId, async () => {
      await this.stopBridges(workspaceId);
      this.governance?.setPolicy(workspaceId, undefined);
      this.forgetHealth(workspaceId);
      await this.runtime.ensureStopped(workspaceId);
    });
  }

  ensureDeleted(workspaceId: string): Promise<void> {
    return this.queue.run(workspaceId, async () => {
      await this.stopBridges(workspaceId);
      this.governance?.setPolicy(workspaceId, undefined);
      this.forgetHealth(workspaceId);
      await this.runtime.ensureDeleted(workspaceId);
      this.keys.removeAll(workspaceId);
    });
  }

  /** The agent is ending: workspaces run on, and until an agent serves them again their bridges answer nothing. */
  async close(): Promise<void> {
    await this.queue.drain();
    await this.runtime.close();
    await Promise.all(this.bridges.map((bridge) => bridge.close()));
  }

  /** A published app's files: the version, as the source workspace's store holds it (the workspace itself is never read). */
  private async seedApp(app: NonNullable<WorkspaceSpec['app']>, dir: string): Promise<void> {
    if (!this.versions) throw new Error('this agent keeps no versions: a published app cannot start here');
    const store = await this.versions.of(app.sourceWorkspaceId);
    await store.materialise(app.version, dir);
  }

  /** `served` gets the enforcement point of each bridge that serves the workspace. */
  private async startBridges(spec: WorkspaceSpec, served: Set<EnforcementPoint>): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    for (const bridge of this.bridges) {
      const service = await bridge.start(spec);
      if (!service) {
        await this.runtime.closeSocket(spec.workspaceId, bridge.name);
        continue;
      }
      const inside = await this.runtime.exposeSocket(spec.workspaceId, bridge.name, service.accept);
      Object.assign(env, service.env(inside));
      if (bridge.point) served.add(bridge.point);
    }
    return env;
  }

  /**
   * Each bridge on its own: one that can't take the spec doesn't keep the others from it.
   * One that failed counts as not serving: the health says "missing" rather than guess.
   */
  private async refreshBridges(spec: WorkspaceSpec, served: Set<EnforcementPoint>): Promise<void> {
    let failed: { bridge: Bridge; reason: unknown } | undefined;
    for (const bridge of this.bridges) {
      try {
        const service = await bridge.refresh(spec);
        if (service) {
          await this.runtime.exposeSocket(spec.workspaceId, bridge.name, service.accept);
          if (bridge.point) served.add(bridge.point);
        } else {
          await this.runtime.closeSocket(spec.workspaceId, bridge.name);
        }
      } catch (reason) {
        failed ??= { bridge, reason };
      }
    }
    if (failed) throw new SpecNotAppliedError(spec.workspaceId, failed.bridge.what, failed.reason);
  }

  /** Told only when it changed. */
  private setHealth(health: WorkspaceGovernanceHealth): void {
    const before = this.health.get(health.workspaceId);
    if (before && JSON.stringify(before) === JSON.stringify(health)) return;
    this.health.set(health.workspaceId, health);
    this.emit('governance-health', health);
  }

  private forgetHealth(workspaceId: string): void {
    if (this.health.delete(workspaceId)) this.emit('governance-health', stoppedHealth(workspaceId));
  }

  private async stopBridges(workspaceId: string): Promise<void> {
    for (const bridge of this.bridges) {
      await bridge.stop(workspaceId);
      await this.runtime.closeSocket(workspaceId, bridge.name);
    }
  }
}

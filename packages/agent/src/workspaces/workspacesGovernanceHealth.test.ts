import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultGovernancePolicy, effectivePolicy, type EffectivePolicy } from '@paddock/protocol';
import type { Bridge, BridgeService } from '../bridges/bridge.js';
import { BridgeKeys } from '../bridges/bridgeKeys.js';
import type { EnforcementPoint, WorkspaceGovernanceHealth } from '../governance/governanceHealth.js';
import type { RuntimeDriver, StartHooks, WorkspaceRunSpec } from '../runtime/driver.js';
import { SpecNotAppliedError } from './specNotApplied.js';
import { Workspaces } from './workspaces.js';
import type { WorkspaceSpec } from './workspaceSpec.js';

/** A bridge that serves whenever `serving` says so, and throws on refresh when `failRefresh` does. */
class FakeBridge implements Bridge {
  readonly what: string;
  serving = true;
  failRefresh = false;
  constructor(readonly name: string, readonly point: EnforcementPoint | undefined, private readonly needsLlm = false) { this.what = name; }
  private service(spec: WorkspaceSpec): BridgeService | undefined {
    return this.serving && (!this.needsLlm || spec.llm) ? { accept: () => undefined, env: () => ({}) } : undefined;
  }
  async start(spec: WorkspaceSpec) { return this.service(spec); }
  async refresh(spec: WorkspaceSpec) {
    if (this.failRefresh) throw new Error('cannot take it');
    return this.service(spec);
  }
  async stop() {}
  async close() {}
}

/** Runs nothing: a workspace is "started" once, then "running". */
function fakeRuntime(): RuntimeDriver {
  const running = new Set<string>();
  return {
    kind: 'fake',
    async ensureRunning(spec: WorkspaceRunSpec, hooks?: StartHooks) {
      if (running.has(spec.workspaceId)) return 'running';
      await hooks?.beforeStart?.();
      running.add(spec.workspaceId);
      return 'started';
    },
    async ensureStopped(id: string) { running.delete(id); },
    async ensureDeleted(id: string) { running.delete(id); },
    async exposeSocket(_id: string, name: string) { return { kind: 'unix', path: `/run/${name}.sock` }; },
    async closeSocket() {},
  } as unknown as RuntimeDriver;
}

const policy = (mode: EffectivePolicy['mode'], engaged = false): EffectivePolicy => ({
  ...effectivePolicy(defaultGovernancePolicy([]), {}, { engaged }),
  mode,
});

/** The agent's side of governance health: what its bridges serve of each workspace, said when it changes. */
describe("the workspaces' governance health", () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'paddock-health-'));
  let llm: FakeBridge;
  let egress: FakeBridge;
  let hooks: FakeBridge;
  let workspaces: Workspaces;
  let told: WorkspaceGovernanceHealth[];
  const llmRoute = { upstreamBaseUrl: 'http://127.0.0.1:1', upstreamApiKey: 'k', model: '', upstreamFormat: 'anthropic' as const };
  const spec = (over: Partial<WorkspaceSpec> = {}): WorkspaceSpec => ({ workspaceId: 'w1', ownerId: 'u', blueprintId: 'b', env: {}, llm: llmRoute, governance: policy('enforce'), ...over });

  beforeEach(() => {
    llm = new FakeBridge('llm', 'gateway', true);
    egress = new FakeBridge('egress', 'proxy');
    hooks = new FakeBridge('policy', 'hooks');
    // A bridge that is no enforcement point counts for nothing.
    workspaces = new Workspaces(fakeRuntime(), [llm, egress, hooks, new FakeBridge('other', undefined)], new BridgeKeys(dataDir));
    told = [];
    workspaces.on('governance-health', (h) => told.push(h));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('says a started workspace has every point active, with its mode, once', async () => {
    await workspaces.ensureRunning(spec());
    const healthy = { workspaceId: 'w1', hooks: 'active', gateway: 'active', proxy: 'active', mode: 'enforce', killSwitch: false, stopped: false };
    expect(told).toEqual([healthy]);
    // The same spec again changes nothing: nothing more is said.
    await workspaces.ensureRunning(spec());
    expect(told).toHaveLength(1);
    expect(workspaces.governanceHealth()).toEqual([healthy]);
  });

  it('without a model route the gateway is unused; without a policy the mode is off', async () => {
    await workspaces.ensureRunning(spec({ llm: undefined, governance: undefined }));
    expect(told.at(-1)).toMatchObject({ gateway: 'unused', mode: 'off', hooks: 'active', proxy: 'active' });
  });

  it('says a point is missing when its bridge stops serving a running workspace, and a kill switch and mode when they change', async () => {
    await workspaces.ensureRunning(spec());
    hooks.serving = false;
    await workspaces.ensureRunning(spec());
    expect(told.at(-1)).toMatchObject({ hooks: 'missing', gateway: 'active', proxy: 'active' });
    hooks.serving = true;
    await workspaces.ensureRunning(spec({ governance: policy('monitor', true) }));
    expect(told.at(-1)).toMatchObject({ hooks: 'active', mode: 'monitor', killSwitch: true });
  });

  it('a bridge that fails to take the spec counts as missing; the others as they serve', async () => {
    await workspaces.ensureRunning(spec());
    egress.failRefresh = true;
    await expect(workspaces.ensureRunning(spec())).rejects.toBeInstanceOf(SpecNotAppliedError);
    expect(told.at(-1)).toMatchObject({ hooks: 'active', gateway: 'active', proxy: 'missing' });
  });

  it('a model route lost while running leaves the gateway missing, not unused', async () => {
    await workspaces.ensureRunning(spec());
    llm.serving = false;
    await workspaces.ensureRunning(spec());
    expect(told.at(-1)).toMatchObject({ gateway: 'missing' });
  });

  it('says a stopped or deleted workspace is served no more, and forgets it', async () => {
    await workspaces.ensureRunning(spec());
    await workspaces.ensureStopped('w1');
    expect(told.at(-1)).toMatchObject({ workspaceId: 'w1', stopped: true });
    expect(workspaces.governanceHealth()).toEqual([]);
    // Stopping it again says nothing more.
    await workspaces.ensureStopped('w1');
    expect(told.filter((h) => h.stopped)).toHaveLength(1);
    await workspaces.ensureRunning(spec({ workspaceId: 'w2' }));
    await workspaces.ensureDeleted('w2');
    expect(told.at(-1)).toMatchObject({ workspaceId: 'w2', stopped: true });
  });
});

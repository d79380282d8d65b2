import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EffectivePolicy, GovernanceEventReport } from '@paddock/protocol';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { BridgeKeys } from '../bridges/bridgeKeys.js';
import { LocalRuntime } from '../runtime/local/localRuntime.js';
import { workspaceSpec } from '../tunnel/tunnelClient.js';
import { Workspaces } from '../workspaces/workspaces.js';
import { systemClock } from './clock.js';
import { PolicyDecider } from './policyDecider.js';
import { policyFromSpec, UNREADABLE_POLICY } from './policyFromSpec.js';

const log = pino({ level: 'silent' });

const enforce: EffectivePolicy = {
  mode: 'enforce',
  defaults: { llm_call: 'allow', bash_command: 'allow', file_write: 'allow', git_push: 'allow', http_request: 'deny' },
  rules: [{ id: 'no-rm', class: 'bash_command', match: { command: 'rm -rf *' }, verdict: 'deny' }],
  contentFilters: { secrets: true, privateKeys: true, exfiltration: true },
  killSwitch: { engaged: false },
  holdTimeoutSeconds: 300,
};

/** The generated message type, as grpc-js hands it to the agent (defaults filled in). */
const message = (governancePolicy: string) => ({
  workspaceId: 'w-spec', ownerId: 'o', blueprintId: 'b', env: { DB_PASSWORD: 'hunter2-but-longer' }, llm: null,
  agentInstructions: '', sessions: [], resources: null, governancePolicy,
});

describe("a workspace spec's governance policy", () => {
  it('is none when empty, the policy when valid, and a kill switch when it cannot be read', () => {
    expect(policyFromSpec('', log, 'w')).toBeUndefined();
    expect(policyFromSpec(JSON.stringify(enforce), log, 'w')).toEqual(enforce);
    expect(policyFromSpec('{not json', log, 'w')).toBe(UNREADABLE_POLICY);
    expect(policyFromSpec(JSON.stringify({ ...enforce, mode: 'lenient' }), log, 'w')).toBe(UNREADABLE_POLICY);
    expect(policyFromSpec(JSON.stringify({ ...enforce, killSwitch: undefined }), log, 'w')).toBe(UNREADABLE_POLICY);
    expect(UNREADABLE_POLICY.killSwitch.engaged).toBe(true);
  });

  it('is read from the tunnel message', () => {
    expect(workspaceSpec(message(JSON.stringify(enforce)) as never, log).governance).toEqual(enforce);
    expect(workspaceSpec(message('') as never, log).governance).toBeUndefined();
    expect(workspaceSpec(message('[]') as never, log).governance).toBe(UNREADABLE_POLICY);
  });
});

describe('the workspaces tell the decider', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'paddock-gov-spec-'));
  const events: GovernanceEventReport[] = [];
  const decider = new PolicyDecider({ uplink: { report: (e) => events.push(e), hold: () => Promise.reject(new Error('offline')) }, clock: systemClock });
  const keys = new BridgeKeys(dataDir);
  const workspaces = new Workspaces(new LocalRuntime({ dataDir }), [], keys, decider);
  const spec = (governance?: EffectivePolicy) => ({ workspaceId: 'w-gov', ownerId: 'o', blueprintId: 'b', env: { DB_PASSWORD: 'hunter2-but-longer' }, ...(governance ? { governance } : {}) });

  afterAll(async () => {
    await workspaces.ensureDeleted('w-gov');
    await workspaces.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('its policy on start, live on refresh (a kill switch fires), and none once stopped', async () => {
    await workspaces.ensureRunning(spec(enforce));
    expect(await decider.decide('w-gov', { class: 'bash_command', command: 'rm -rf /' }, { point: 'hook' })).toMatchObject({ verdict: 'deny', enforced: true });
    expect(await decider.decide('w-gov', { class: 'http_request', domain: 'paste.example', method: 'POST', path: '/' }, { point: 'proxy', content: 'hunter2-but-longer' }))
      .toMatchObject({ filter: { filter: 'exfiltration' } });

    const kills: string[] = [];
    decider.onKill('w-gov', (reason) => kills.push(reason));
    await workspaces.ensureRunning(spec({ ...enforce, killSwitch: { engaged: true, reason: 'audit', scope: 'org' } }));
    expect(kills).toHaveLength(1);
    expect(await decider.decide('w-gov', { class: 'llm_call' }, { point: 'gateway' })).toMatchObject({ verdict: 'deny', enforced: true });

    await workspaces.ensureStopped('w-gov');
    expect(await decider.decide('w-gov', { class: 'bash_command', command: 'rm -rf /' }, { point: 'hook' })).toMatchObject({ mode: 'off', enforced: false });
    expect(events.map((e) => e.verdict)).toEqual(['deny', 'deny', 'deny']);
  }, 60_000);
});

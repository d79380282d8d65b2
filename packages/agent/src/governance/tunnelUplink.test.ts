import { EventEmitter } from 'node:events';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { EffectivePolicy, GovernanceEventReport, HoldDecision } from '@paddock/protocol';
import type { TunnelClientEvents } from '../tunnel/tunnelClient.js';
import { followPortal, TunnelGovernanceUplink } from './tunnelUplink.js';

/**
 * The uplink's batching and buffering, against the tunnel client's interface;
 * over the real tunnel and portal it is e2e/governanceTunnel.test.ts.
 */
class Line extends EventEmitter<TunnelClientEvents> {
  up = true;
  batches: string[][] = [];
  sendGovernanceEvents(events: string[]): boolean {
    if (!this.up) return false;
    this.batches.push(events);
    return true;
  }
  async requestHold(json: string): Promise<string> {
    const req = JSON.parse(json) as { workspaceId: string };
    return JSON.stringify({ id: `held-${req.workspaceId}`, expiresAt: '2026-01-01T00:05:00.000Z' });
  }
}

const log = pino({ level: 'silent' });
const event = (i: number): GovernanceEventReport => ({
  workspaceId: 'w1', at: '2026-01-01T00:00:00.000Z', point: 'hook', class: 'bash_command', summary: `cmd ${i}`, verdict: 'allow', enforced: false,
});
const summaries = (line: Line) => line.batches.map((b) => b.map((e) => (JSON.parse(e) as GovernanceEventReport).summary));

let uplink: TunnelGovernanceUplink | undefined;
afterEach(() => uplink?.close());

describe('TunnelGovernanceUplink', () => {
  it('sends events in batches: at once when a batch is full, otherwise after a short wait', async () => {
    const line = new Line();
    uplink = new TunnelGovernanceUplink(line, log, { flushMs: 20, maxBatch: 3 });
    for (let i = 0; i < 4; i++) uplink.report(event(i));
    expect(summaries(line)).toEqual([['cmd 0', 'cmd 1', 'cmd 2']]);
    await new Promise((r) => setTimeout(r, 50));
    expect(summaries(line)).toEqual([['cmd 0', 'cmd 1', 'cmd 2'], ['cmd 3']]);
  });

  it('keeps events while the portal is away, the newest when there are too many, and sends them on reconnect', () => {
    const line = new Line();
    line.up = false;
    uplink = new TunnelGovernanceUplink(line, log, { flushMs: 10_000, maxBatch: 2, maxBuffered: 3 });
    for (let i = 0; i < 5; i++) uplink.report(event(i));
    expect(line.batches).toEqual([]);
    line.up = true;
    line.emit('connected');
    expect(summaries(line)).toEqual([['cmd 2', 'cmd 3'], ['cmd 4']]);
  });

  it('holds through the tunnel and checks the answer', async () => {
    uplink = new TunnelGovernanceUplink(new Line(), log);
    const request = { workspaceId: 'w1', action: { class: 'file_write' as const, path: '/etc/x' }, summary: 'write /etc/x', timeoutSeconds: 60 };
    expect(await uplink.hold(request)).toEqual({ id: 'held-w1', expiresAt: '2026-01-01T00:05:00.000Z' });
  });
});

describe('followPortal', () => {
  it("gives the decider each workspace's policy and each decision; a policy that doesn't parse denies everything", () => {
    const line = new Line();
    const policies = new Map<string, EffectivePolicy | undefined>();
    const decisions: HoldDecision[] = [];
    followPortal(line, { setPolicy: (id, p) => policies.set(id, p), resolveHeld: (d) => decisions.push(d) }, log);
    const policy: EffectivePolicy = {
      mode: 'monitor', defaults: { llm_call: 'allow', bash_command: 'allow', file_write: 'allow', git_push: 'allow', http_request: 'deny' },
      rules: [], contentFilters: { secrets: true, privateKeys: true, exfiltration: true }, killSwitch: { engaged: false }, holdTimeoutSeconds: 300,
    };
    line.emit('governance-policy', 'w1', JSON.stringify(policy));
    line.emit('governance-policy', 'w2', '{"mode":');
    line.emit('governance-policy', 'w3', '');
    line.emit('hold-decision', { heldId: 'h1', decision: 'approve', reason: 'approved by ada@example.com' });
    expect(policies.get('w1')).toEqual(policy);
    expect(policies.get('w2')).toMatchObject({ mode: 'enforce', defaults: { bash_command: 'deny', http_request: 'deny' } });
    expect(policies.has('w3') && policies.get('w3')).toBe(undefined);
    expect(decisions).toEqual([{ heldId: 'h1', decision: 'approve', reason: 'approved by ada@example.com' }]);
  });
});

import { EventEmitter } from 'node:events';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { GovernanceEventReport, HoldDecision } from '@paddock/protocol';
import type { TunnelClientEvents } from '../tunnel/tunnelClient.js';
import { followHoldDecisions, TunnelGovernanceUplink } from './tunnelUplink.js';

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
    uplink = new TunnelGovernanceUplink(log, { flushMs: 20, maxBatch: 3 }).connect(line);
    for (let i = 0; i < 4; i++) uplink.report(event(i));
    expect(summaries(line)).toEqual([['cmd 0', 'cmd 1', 'cmd 2']]);
    await new Promise((r) => setTimeout(r, 50));
    expect(summaries(line)).toEqual([['cmd 0', 'cmd 1', 'cmd 2'], ['cmd 3']]);
  });

  it('keeps events while the portal is away, the newest when there are too many, and sends them on reconnect', () => {
    const line = new Line();
    line.up = false;
    uplink = new TunnelGovernanceUplink(log, { flushMs: 10_000, maxBatch: 2, maxBuffered: 3 }).connect(line);
    for (let i = 0; i < 5; i++) uplink.report(event(i));
    expect(line.batches).toEqual([]);
    line.up = true;
    line.emit('connected');
    expect(summaries(line)).toEqual([['cmd 2', 'cmd 3'], ['cmd 4']]);
  });

  it('holds through the tunnel and checks the answer; before it has a line, it refuses', async () => {
    uplink = new TunnelGovernanceUplink(log);
    const request = { workspaceId: 'w1', action: { class: 'file_write' as const, path: '/etc/x' }, summary: 'write /etc/x', timeoutSeconds: 60 };
    await expect(uplink.hold(request)).rejects.toThrow(/no line to the portal/);
    uplink.connect(new Line());
    expect(await uplink.hold(request)).toEqual({ id: 'held-w1', expiresAt: '2026-01-01T00:05:00.000Z' });
  });

  it('keeps events made before it has a line, and sends them once connected', () => {
    const line = new Line();
    uplink = new TunnelGovernanceUplink(log, { flushMs: 10_000 });
    uplink.report(event(0));
    uplink.flush();
    uplink.connect(line);
    expect(summaries(line)).toEqual([['cmd 0']]);
  });
});

describe('followHoldDecisions', () => {
  it("gives the decider each admin's decision", () => {
    const line = new Line();
    const decisions: HoldDecision[] = [];
    followHoldDecisions(line, { resolveHeld: (d) => decisions.push(d) });
    line.emit('hold-decision', { heldId: 'h1', decision: 'approve', reason: 'approved by ada@example.com' });
    expect(decisions).toEqual([{ heldId: 'h1', decision: 'approve', reason: 'approved by ada@example.com' }]);
  });
});

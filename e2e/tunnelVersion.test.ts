import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EgressCa, LocalRuntime, createAgent, type Agent } from '@paddock/agent';
import { TUNNEL_PROTOCOL, type ProtocolVersion } from '@paddock/protocol/tunnel';
import { launchChromium } from './harness/browser.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, LogCapture, TestStack } from './harness/testStack.js';

/** Another agent, speaking the given protocol over the real tunnel, enrolled with its own token. */
class OtherAgent {
  readonly logs = new LogCapture();
  private readonly dir = mkdtempSync(join(tmpdir(), 'paddock-version-agent-'));
  private readonly agent: Agent;

  constructor(stack: TestStack, readonly name: string, protocol: ProtocolVersion, token: string, egressCa: EgressCa) {
    chmodSync(this.dir, 0o711);
    this.agent = createAgent({
      runtime: new LocalRuntime({ dataDir: this.dir }),
      egressCa,
      portalAddress: `localhost:${stack.portal.tunnelPort}`, caCert: stack.portal.tls.cert, dataDir: this.dir,
      name, version: `test-${protocol.major}.${protocol.minor}`, enrollmentToken: () => token,
      log: pino({ level: 'info' }, this.logs), protocol,
    });
  }

  get client() { return this.agent.client; }

  refused(timeoutMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.name} was not refused`)), timeoutMs);
      this.client.once('refused', (message) => { clearTimeout(t); resolve(message); });
      this.client.start();
    });
  }

  async close() {
    await this.agent.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('tunnel protocol versions', () => {
  let stack: TestStack;
  const others: OtherAgent[] = [];
  const agent = async (name: string, protocol: ProtocolVersion) => {
    // The stack's agent's CA will do: these agents run no workspace.
    const ca = await EgressCa.open(join(stack.dataDir, 'agent', 'egress-ca'));
    const a = new OtherAgent(stack, name, protocol, await stack.portal.services.enrollment.createToken(), ca);
    others.push(a);
    return a;
  };
  const listed = async (name: string) => (await stack.api('GET', '/api/v1/agents')).body.agents.find((a: { name: string }) => a.name === name);

  beforeAll(async () => { stack = await TestStack.start(); });
  afterAll(async () => {
    for (const a of others) await a.close();
    await stack?.close();
  });

  it('keeps working with agents one minor version older or newer', async () => {
    const { major, minor } = TUNNEL_PROTOCOL;
    for (const [name, protocol] of [['newer-minor', { major, minor: minor + 1 }], ['older-minor', { major, minor: minor - 1 }]] as const) {
      const a = await agent(name, protocol);
      a.client.start();
      await a.client.waitConnected(30_000);
      await expect.poll(() => listed(name), { timeout: 10_000 }).toMatchObject({ connected: true, protocol: `${protocol.major}.${protocol.minor}`, refused: null });
    }
    // And the stack's own agent, on this version, is listed with it.
    expect((await stack.api('GET', '/api/v1/agents')).body.agents.find((a: { name: string }) => a.name === 'test-agent'))
      .toMatchObject({ connected: true, protocol: `${major}.${minor}` });
  });

  it('an agent upgraded by one minor over the same data dir re-adopts running workspaces: the shell lives on', async () => {
    const id = await stack.runningWorkspace('upgrade-me');
    const before = await stack.terminal(id);
    before.type('export PADDOCK_MARK=set-before-the-upgrade; echo ready-$((40+2))\n');
    await before.waitFor('ready-42');
    before.close();

    // The agent process is replaced by a newer one (as an upgrade would), its sandboxes left running.
    await stack.restartAgent({ agent: { version: 'test-upgraded', protocol: { major: TUNNEL_PROTOCOL.major, minor: TUNNEL_PROTOCOL.minor + 1 } } });

    // The version and the protocol are recorded apart as the agent connects: either may be listed a moment before the other.
    await expect.poll(() => listed('test-agent'), { timeout: 10_000 }).toMatchObject({ connected: true, version: 'test-upgraded', protocol: `${TUNNEL_PROTOCOL.major}.${TUNNEL_PROTOCOL.minor + 1}` });
    await stack.waitForState(id, 'running');
    const after = await stack.terminal(id);
    // The same shell, reattached: it still holds what was set in it before the upgrade.
    after.type('echo "value:[$PADDOCK_MARK]"\n');
    await after.waitFor('value:[set-before-the-upgrade]');
    after.close();
  }, 120_000);

  it('refuses an agent two minors newer: the agent logs to upgrade the portal, the Agents API shows why', async () => {
    const { major, minor } = TUNNEL_PROTOCOL;
    const a = await agent('too-new', { major, minor: minor + 2 });
    const message = await a.refused();
    expect(message).toBe(`tunnel protocol mismatch: the portal speaks ${major}.${minor} and accepts agents ${major}.${minor - 1}–${major}.${minor + 1}; `
      + `this agent speaks ${major}.${minor + 2}. Upgrade the portal first (or run an agent of the portal's Paddock version).`);
    expect(a.client.connected).toBe(false);
    expect(a.logs.text).toContain('"level":50');
    expect(a.logs.text).toContain('Upgrade the portal first');
    expect(stack.logs.text).toContain(`this agent speaks ${major}.${minor + 2}`);
    await expect.poll(async () => (await listed('too-new'))?.refused?.reason, { timeout: 10_000 }).toBe(message);
    await expect.poll(() => listed('too-new'), { timeout: 10_000 }).toMatchObject({ connected: false, protocol: `${major}.${minor + 2}` });
  });

  it('refuses an agent of another major version, and tells it to upgrade itself when it is the older one', async () => {
    const a = await agent('old-major', { major: TUNNEL_PROTOCOL.major - 1, minor: 9 });
    const message = await a.refused();
    expect(message).toMatch(/this agent speaks 0\.9\. Upgrade the agent to the portal's Paddock version\.$/);
    await expect.poll(async () => (await listed('old-major'))?.refused?.reason, { timeout: 10_000 }).toBe(message);
    // Refused before anything else: it was sent no commands and can dial nothing.
    expect(stack.portal.services.hub.connectedAgentIds()).not.toContain((await listed('old-major')).id);
  });

  it('shows a refused agent and what to upgrade on the Agents page', async () => {
    expect((await listed('too-new'))?.refused).not.toBeNull();
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${stack.url}/login`);
      await page.getByLabel('Email').fill(ADMIN_EMAIL);
      await page.getByLabel('Password').fill(ADMIN_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${stack.url}/`);
      await page.goto(`${stack.url}/admin/agents`);
      const row = page.getByTestId('agent-row').filter({ hasText: 'too-new' });
      await expect.poll(() => row.getByTestId('agent-refused').isVisible(), { timeout: 15_000 }).toBe(true);
      expect(await row.getByTestId('agent-refused').innerText()).toMatch(/Refused[\s\S]*Upgrade the portal first/);
      expect(await page.getByTestId('agent-row').filter({ hasText: 'newer-minor' }).innerText()).toMatch(/Connected/);
      if (process.env.PADDOCK_SCREENSHOTS) await page.screenshot({ path: join(process.env.PADDOCK_SCREENSHOTS, 'agents-refused.png'), fullPage: true });
    } finally {
      await chromium.close();
    }
  });

  it('an agent one minor older (1.4, from before budgets) re-adopts its workspaces, and their governance health is reported', async () => {
    // A 1.3 agent, from before governance health reports, is two minors behind since 1.5 and refused (the test above).
    const health = async () => (await stack.api('GET', '/api/v1/governance/health')).body;
    // The workspace goes to the stack's own agent: the other agents of the tests before leave.
    for (const a of others.splice(0)) await a.close();
    const id = await stack.runningWorkspace('health-of-an-old-agent');
    const item = async () => (await health()).items.find((i: { workspaceId: string }) => i.workspaceId === id);
    await expect.poll(async () => (await item())?.health, { timeout: 15_000 }).toBe('healthy');

    const older = { major: TUNNEL_PROTOCOL.major, minor: TUNNEL_PROTOCOL.minor - 1 };
    await stack.restartAgent({ agent: { version: 'test-older', protocol: older } });
    await stack.waitForState(id, 'running');
    await expect.poll(() => listed('test-agent'), { timeout: 10_000 }).toMatchObject({ connected: true, protocol: `${older.major}.${older.minor}` });
    await expect.poll(async () => (await item())?.health, { timeout: 15_000 }).toBe('healthy');

    await stack.restartAgent({ agent: { version: 'test-again', protocol: TUNNEL_PROTOCOL } });
    await expect.poll(async () => (await item())?.health, { timeout: 15_000 }).toBe('healthy');
  }, 120_000);
});

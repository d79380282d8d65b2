import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './harness/freePort.js';

const rejectOnSignal = fileURLToPath(new URL('./fixtures/rejectOnSignal.mjs', import.meta.url));
const portalMain = fileURLToPath(new URL('../packages/portal/dist/main.js', import.meta.url));
const agentMain = fileURLToPath(new URL('../packages/agent/dist/main.js', import.meta.url));
const cliMain = fileURLToPath(new URL('../packages/cli/dist/main.js', import.meta.url));
const TOKEN = 'pdk_rejection_test_admin_token';

/** A process started from its real entry point, with the fixture that rejects a promise on SIGUSR2. */
class Child {
  output = '';
  readonly process: ChildProcess;
  constructor(main: string, env: NodeJS.ProcessEnv, args: string[] = []) {
    // Its own process group, so that whatever it started can be ended with it (see stop).
    this.process = spawn(process.execPath, ['--import', rejectOnSignal, main, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.process.stdout!.on('data', (c: Buffer) => { this.output += c.toString(); });
    this.process.stderr!.on('data', (c: Buffer) => { this.output += c.toString(); });
  }
  get alive() { return this.process.exitCode === null && this.process.signalCode === null; }
  async until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 120_000) {
    for (const deadline = Date.now() + timeoutMs; !(await check());) {
      if (!this.alive) throw new Error(`the process exited (${this.process.exitCode ?? this.process.signalCode}) before ${what}:\n${this.output.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`not ${what} in time:\n${this.output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  /** Ends it with `signal`, then whatever of its process group is left (a portal orphaned by a crashed CLI). */
  async stop(signal: NodeJS.Signals = 'SIGKILL') {
    if (this.alive) {
      const exited = new Promise((resolve) => this.process.once('exit', resolve));
      this.process.kill(signal);
      await exited;
    }
    try { process.kill(-this.process.pid!, 'SIGKILL'); } catch { /* the group is gone */ }
  }
}

/** An unexpected rejection anywhere in the portal or the agent is logged, and the process keeps serving. */
describe('an unexpected promise rejection', () => {
  let dataDir: string;
  let port: number;
  let portal: Child;
  let agent: Child;
  const healthy = () => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
  const agentConnected = () => fetch(`http://127.0.0.1:${port}/api/v1/agents`, { headers: { authorization: `Bearer ${TOKEN}` } })
    .then(async (r) => r.ok && ((await r.json()) as { agents: Array<{ connected: boolean }> }).agents.some((a) => a.connected), () => false);
  const logged = (child: Child) => () => child.output.includes('paddock-test-unexpected-rejection');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'paddock-rejection-'));
    chmodSync(dataDir, 0o711);
    port = await freePort();
    const tunnelPort = await freePort();
    const tokenFile = join(dataDir, 'agent-enrollment.token');
    portal = new Child(portalMain, {
      PADDOCK_DATA_DIR: dataDir, PORT: String(port), PADDOCK_TUNNEL_PORT: String(tunnelPort), PADDOCK_ENROLLMENT_TOKEN_FILE: tokenFile,
      PADDOCK_ADMIN_TOKEN: TOKEN, PADDOCK_ADMIN_PASSWORD: 'rejection-test-password', LOG_LEVEL: 'info',
    });
    await portal.until('healthy', healthy);
    agent = new Child(agentMain, {
      PADDOCK_PORTAL_TUNNEL: `localhost:${tunnelPort}`, PADDOCK_TUNNEL_CA: join(dataDir, 'tls', 'tunnel-cert.pem'),
      PADDOCK_AGENT_DATA_DIR: join(dataDir, 'agent'), PADDOCK_ENROLLMENT_TOKEN_FILE: tokenFile, LOG_LEVEL: 'info',
    });
    await agent.until('connected', agentConnected);
  });
  afterAll(async () => {
    await agent?.stop();
    await portal?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is logged by the portal, which keeps serving', async () => {
    portal.process.kill('SIGUSR2');
    await portal.until('logged the rejection', logged(portal));
    expect(portal.alive).toBe(true);
    expect(await healthy()).toBe(true);
    expect(await agentConnected()).toBe(true);
  });

  it('is logged by the agent, which stays connected', async () => {
    agent.process.kill('SIGUSR2');
    await agent.until('logged the rejection', logged(agent));
    expect(agent.alive).toBe(true);
    expect(await agentConnected()).toBe(true);
  });
});

/** `paddock start` only watches its portal and agent: a rejection in it must not leave them orphaned. */
describe('an unexpected promise rejection in `paddock start`', () => {
  let dataDir: string;
  let port: number;
  let cli: Child;
  const healthy = () => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'paddock-rejection-cli-'));
    chmodSync(dataDir, 0o711);
    port = await freePort();
    cli = new Child(cliMain, {
      PADDOCK_DATA_DIR: dataDir, PORT: String(port), PADDOCK_TUNNEL_PORT: String(await freePort()),
      PADDOCK_ADMIN_PASSWORD: 'rejection-test-password', LOG_LEVEL: 'warn',
    }, ['start']);
    await cli.until('running', () => cli.output.includes('Paddock is running at'));
  });
  afterAll(async () => {
    // SIGTERM: the CLI stops its portal and agent before it exits.
    await cli?.stop('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is logged, and the portal it started keeps serving', async () => {
    cli.process.kill('SIGUSR2');
    await cli.until('logged the rejection', () => cli.output.includes('paddock-test-unexpected-rejection'));
    expect(cli.alive).toBe(true);
    expect(await healthy()).toBe(true);
  });
});

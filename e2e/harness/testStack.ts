import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import WebSocket from 'ws';
import pino from 'pino';
import { EgressCa, LocalRuntime, createAgent, runInWorkspace, type Agent, type AgentOptions, type LlmGateway, type LocalRuntimeOptions, type TunnelClient } from '@paddock/agent';
import { configFromEnv, createLogger, startPortal, type Clock, type Portal, type PortalConfig } from '@paddock/portal';
import { openTestDatabase, useDefaultResourcePolicy, type TestDatabase } from '@paddock/portal/testing';
import { freePort } from './freePort.js';
import { TcpProxy } from './tcpProxy.js';

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'correct-horse-battery-staple';
export const ADMIN_TOKEN = 'pdk_test_admin_token_for_automation';

/** What a restarted agent may be told differently from the first: it is another build (an upgrade). */
export type AgentOverrides = Partial<Pick<AgentOptions, 'version' | 'protocol' | 'metricsAddress' | 'egressDestinations' | 'egressUpstreamCa'>>;

/** Everything the portal and agent logged, for tests that prove what is never logged. */
export class LogCapture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) { this.text += chunk.toString(); cb(); }
}

export interface StackOptions {
  clock?: Clock;
  /** Put a cuttable TCP proxy between the agent and the portal's tunnel. */
  proxy?: boolean;
  /** Route workspaces' model calls through the agent's LLM gateway to this upstream (PADDOCK_LLM_*). */
  llm?: { baseUrl: string; apiKey: string; model: string };
  /** Portal settings to override (e.g. terminal limits). */
  portal?: Partial<PortalConfig>;
  /** How often the agent looks at workspaces' usage, and measures their disk use (defaults: 15 s and 60 s). */
  usageEveryMs?: number;
  diskUsageEveryMs?: number;
  /** PADDOCK_PUBLIC_URL; default: the stack's own url (127.0.0.1); null: unset, so the portal's default applies. */
  publicUrl?: string | null;
  /** Options for the first agent's local runtime (a broken bwrap, to make starts fail). */
  runtime?: Partial<LocalRuntimeOptions>;
  /** The first agent's own options (its metrics address). */
  agent?: AgentOverrides;
  /** The default resource policy (running limit 2, idle stop after 2 h…) rather than the test databases' HANDS_OFF_RESOURCE_POLICY. */
  resourcePolicyDefaults?: boolean;
}

/**
 * A whole Paddock in one test process: a portal on a random port (its database
 * per PADDOCK_TEST_DB), and a real agent with the bubblewrap runtime, connected
 * over the real TLS tunnel. Sandboxes are real.
 */
export class TestStack {
  portal!: Portal;
  /** The agent as its main builds it: tunnel client, runtime, bridges. */
  agentParts!: Agent;
  runtime!: LocalRuntime;
  proxy: TcpProxy | undefined;
  readonly logs = new LogCapture();
  private database!: TestDatabase;
  private config!: PortalConfig;
  readonly dataDir: string;

  private constructor(private readonly options: StackOptions) {
    // Sandboxes run as uid 100000, which must be able to traverse to their folders.
    this.dataDir = mkdtempSync(join(tmpdir(), 'paddock-stack-'));
    chmodSync(this.dataDir, 0o711);
  }

  static async start(options: StackOptions = {}): Promise<TestStack> {
    const stack = new TestStack(options);
    await stack.boot();
    return stack;
  }

  get agent(): TunnelClient { return this.agentParts.client; }
  /** The agent as a whole (its metrics). */
  get agentProcess(): Agent { return this.agentParts; }
  get llmGateway(): LlmGateway { return this.agentParts.llmGateway; }
  get url(): string { return `http://127.0.0.1:${this.portal.port}`; }
  get wsUrl(): string { return `ws://127.0.0.1:${this.portal.port}`; }
  get db() { return this.database.db; }

  private async boot() {
    this.database = await openTestDatabase();
    if (this.options.resourcePolicyDefaults) await useDefaultResourcePolicy(this.database.db);
    // The port is chosen before the start: the public URL, which every link is built on, names it. Free a
    // moment ago is not free now (another test process may take it in between): then another one.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const publicUrl = this.options.publicUrl === null ? {} : { PADDOCK_PUBLIC_URL: this.options.publicUrl ?? `http://127.0.0.1:${port}` };
      this.config = {
        ...configFromEnv({ PORT: String(port), ...publicUrl }),
        host: '127.0.0.1', tunnelPort: 0, dataDir: join(this.dataDir, 'portal'),
        adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD, adminToken: ADMIN_TOKEN, logLevel: 'info',
        // On PostgreSQL the portal's events go over LISTEN/NOTIFY, as a replica's do.
        databaseUrl: this.database.url,
        llm: this.options.llm,
        ...this.options.portal,
      };
      try {
        await this.startPortal();
        break;
      } catch (err) {
        if (attempt >= 3 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      }
    }
    // Later starts reuse the same ports, as a restarted portal would.
    this.config = { ...this.config, port: this.portal.port, tunnelPort: this.portal.tunnelPort };
    if (this.options.proxy) {
      this.proxy = new TcpProxy(this.portal.tunnelPort);
      await this.proxy.start();
    }
    const token = await this.portal.services.enrollment.createToken();
    await this.startAgent(token, this.options.runtime, this.options.agent);
    await this.agent.waitConnected();
  }

  /** A new agent (tunnel client, runtime, gateway) over the agent's data dir, as a new agent process would be. */
  private async startAgent(enrollmentToken?: string, runtime: Partial<LocalRuntimeOptions> = {}, agent: AgentOverrides = {}) {
    const egressCa = await EgressCa.open(join(this.dataDir, 'agent', 'egress-ca'));
    this.runtime = new LocalRuntime({ dataDir: join(this.dataDir, 'agent'), egressCaCertificate: egressCa.certificatePem, ...(this.options.diskUsageEveryMs ? { diskUsageEveryMs: this.options.diskUsageEveryMs } : {}), ...runtime });
    this.agentParts = createAgent({
      runtime: this.runtime,
      egressCa,
      portalAddress: `localhost:${this.proxy?.port ?? this.portal.tunnelPort}`,
      caCert: this.portal.tls.cert,
      dataDir: join(this.dataDir, 'agent'),
      name: 'test-agent',
      version: 'test',
      enrollmentToken: () => enrollmentToken,
      log: pino({ level: 'info' }, this.logs),
      ...(this.options.usageEveryMs ? { usageEveryMs: this.options.usageEveryMs } : {}),
      ...agent,
    });
    await this.agentParts.start();
  }

  /**
   * Ends the agent as its process ending would (the tunnel closes, its gateway
   * listeners go; sandboxes keep running) and starts a new one over the same
   * data dir. With `portalDown`, the portal is stopped first and started again
   * once the new agent is trying to reach it (`npm start` restarted as a whole).
   * The new agent's runtime takes `runtime` (default: none of the first one's), and
   * the agent itself `agent` (another version or protocol: an upgrade).
   */
  async restartAgent(options: { portalDown?: boolean; runtime?: Partial<LocalRuntimeOptions>; agent?: AgentOverrides } = {}): Promise<void> {
    if (options.portalDown) await this.portal.close();
    await this.agentParts.stop();
    await this.startAgent(undefined, options.runtime, options.agent);
    if (options.portalDown) await this.startPortal();
    await this.agent.waitConnected(30_000);
  }

  private async startPortal() {
    this.portal = await startPortal({
      config: this.config,
      db: this.database.db,
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      log: createLogger('info', this.logs),
    });
  }

  /** Stops the portal and starts a new one over the same database and ports, with `config` changed (a new setting). */
  async restartPortal(config: Partial<PortalConfig> = {}): Promise<void> {
    await this.portal.close();
    this.config = { ...this.config, ...config };
    await this.startPortal();
  }

  /** Calls the API; `auth` is a bearer token (default: the admin's) or a cookie session. */
  async api(method: string, path: string, body?: unknown, auth: string | { cookie: string; csrf: string } = ADMIN_TOKEN) {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (typeof auth === 'string') { if (auth) headers.authorization = `Bearer ${auth}`; }
    else { headers.cookie = auth.cookie; headers['x-csrf-token'] = auth.csrf; }
    const res = await fetch(`${this.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
      await res.body?.cancel(); // a stream never ends; its status is the answer
      return { status: res.status, body: undefined, headers: res.headers };
    }
    const text = await res.text();
    // A file (an export, an image) is not JSON: its text is the answer.
    return { status: res.status, body: text ? parseJson(text) : undefined, headers: res.headers, text };
  }

  /** Creates a user and returns an API token for them. */
  async userToken(email: string, role: 'admin' | 'builder' | 'auditor' = 'builder'): Promise<{ id: string; token: string }> {
    const created = await this.api('POST', '/api/v1/users', { email, name: email.split('@')[0], role, password: ADMIN_PASSWORD });
    if (created.status !== 201) throw new Error(`creating ${email}: ${JSON.stringify(created.body)}`);
    const token = await this.portal.services.identity.createToken(created.body.id, 'test');
    return { id: created.body.id, token: token.token };
  }

  async starterId(): Promise<string> {
    const res = await this.api('GET', '/api/v1/blueprints');
    return res.body.blueprints.find((b: { name: string }) => b.name === 'Starter').id;
  }

  /** Creates a workspace and waits until it runs. */
  async runningWorkspace(name: string, token = ADMIN_TOKEN): Promise<string> {
    const res = await this.api('POST', '/api/v1/workspaces', { blueprintId: await this.starterId(), name }, token);
    if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
    await this.waitForState(res.body.id, 'running', token);
    return res.body.id;
  }

  /**
   * Waits until the workspace's AI (OpenCode's server) answers through the portal. Its first
   * start also creates OpenCode's database: another `opencode` started meanwhile can fail on it.
   */
  async waitForAi(id: string, token = ADMIN_TOKEN, timeoutMs = 60_000): Promise<void> {
    let last: { status: number; body?: unknown } = { status: 0 };
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      last = await this.api('GET', `/api/v1/workspaces/${id}/ai/sessions`, undefined, token);
      if (last.status === 200) return;
    }
    const inside = await runInWorkspace(this.runtime, id, 'cat /tmp/opencode-server.log; ps ax', 10_000);
    throw new Error(`the AI did not come up: ${JSON.stringify(last.body)}\n${inside.output}`);
  }

  async waitForState(id: string, state: string, token = ADMIN_TOKEN, timeoutMs = 20_000): Promise<void> {
    await this.waitForWorkspace(id, { state }, token, timeoutMs);
  }

  /**
   * Waits until the workspace's fields equal `want`. Ask for the desired state too when the
   * observed one can already match before the change (a stopped workspace waiting to start).
   */
  async waitForWorkspace(id: string, want: { state?: string; desiredState?: string }, token = ADMIN_TOKEN, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const res = await this.api('GET', `/api/v1/workspaces/${id}`, undefined, token);
      last = res.status === 200 ? JSON.stringify({ state: res.body.state, desiredState: res.body.desiredState }) : `HTTP ${res.status}`;
      if (res.status === 200 && Object.entries(want).every(([k, v]) => res.body[k] === v)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`workspace ${id} did not become ${JSON.stringify(want)} (last: ${last})`);
  }

  /** Opens a terminal with a fresh ticket. */
  async terminal(workspaceId: string, token = ADMIN_TOKEN, session = 'main'): Promise<TerminalConnection> {
    const t = await this.api('POST', `/api/v1/workspaces/${workspaceId}/terminal-tickets`, undefined, token);
    if (t.status !== 201) throw new Error(`ticket: ${t.status} ${JSON.stringify(t.body)}`);
    return TerminalConnection.open(`${this.wsUrl}/api/v1/workspaces/${workspaceId}/terminal?ticket=${t.body.ticket}&session=${session}`);
  }

  /** The workspace daemon's PTY sessions, asked directly through the agent's runtime (not the portal). */
  async daemonSessions(workspaceId: string): Promise<Array<{ name: string; attached: number; exited: boolean }>> {
    const stream = await this.runtime.connect(workspaceId, { kind: 'daemon' });
    const text = await new Promise<string>((resolve, reject) => {
      const req = request({ path: '/v1/sessions', createConnection: () => stream as never }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
    stream.destroy();
    return (JSON.parse(text) as { sessions: Array<{ name: string; attached: number; exited: boolean }> }).sessions;
  }

  async close(): Promise<void> {
    await this.agentParts?.client.stop();
    for (const w of (await this.runtime?.list()) ?? []) await this.agentParts.workspaces.ensureDeleted(w.workspaceId);
    await this.agentParts?.workspaces.close();
    await this.proxy?.close();
    await this.portal?.close();
    await this.database?.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A terminal WebSocket with helpers to type and wait for output. */
export class TerminalConnection {
  output = '';
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => { if (isBinary) this.output += data.toString('utf8'); });
    ws.on('close', (code, reason) => { this.closed = { code, reason: reason.toString() }; });
  }

  /** Resolves when open; rejects with the close code when the server refuses. */
  static open(url: string, headers: Record<string, string> = {}): Promise<TerminalConnection> {
    const ws = new WebSocket(url, { headers });
    const conn = new TerminalConnection(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        // The server may still close right after accepting (a bad ticket): give it a moment to say so.
        const t = setTimeout(() => resolve(conn), 300);
        ws.once('close', (code, reason) => { clearTimeout(t); reject(new TerminalRefused(code, reason.toString())); });
      });
      ws.once('error', reject);
    });
  }

  type(text: string) { this.ws.send(Buffer.from(text)); }

  async waitFor(pattern: string | RegExp, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const found = () => (typeof pattern === 'string' ? this.output.includes(pattern) : pattern.test(this.output));
    while (!found()) {
      if (Date.now() > deadline) throw new Error(`terminal output never matched ${pattern}; got: ${JSON.stringify(this.output.slice(-500))}`);
      if (this.closed) throw new Error(`terminal closed (${this.closed.code}) before matching ${pattern}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async waitClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('terminal did not close');
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.closed;
  }

  close() { this.ws.close(); }
}

export class TerminalRefused extends Error {
  constructor(readonly code: number, readonly reason: string) { super(`terminal refused: ${code} ${reason}`); }
}

/** JSON (typed as loosely as JSON.parse: each test reads the shape it expects), or undefined for an answer that is not JSON (a file, an HTML page). */
function parseJson(text: string): any {
  try { return JSON.parse(text); } catch { return undefined; }
}

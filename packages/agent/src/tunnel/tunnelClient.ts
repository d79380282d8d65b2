import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type pino from 'pino';
import {
  FrameDuplex,
  TUNNEL_PROTOCOL,
  TunnelMetadata,
  loadTunnelProto,
  tunnelCompatibility,
  type ProtocolVersion,
  type AgentMessage,
  type Command__Output,
  type DialRequest__Output,
  type PortalMessage__Output,
  type TunnelClient as GrpcTunnelClient,
  type WorkspaceResources,
  type WorkspaceResources__Output,
  type WorkspaceStatus,
  type WorkspaceUsage as WorkspaceUsageMessage,
} from '@paddock/protocol/tunnel';
import { holdDecisionSchema, type HoldDecision, type WorkspaceLimits } from '@paddock/protocol';
import type { UsageRecord } from '../gateway/llm/llmGateway.js';
import { isDialableService } from '@paddock/protocol';
import type { WorkspaceGovernanceHealth } from '../governance/governanceHealth.js';
import { policyFromSpec } from '../governance/policyFromSpec.js';
import { KeyedQueue } from '../keyedQueue.js';
import type { DialTarget, WorkspaceUsage } from '../runtime/driver.js';
import { SpecNotAppliedError } from '../workspaces/specNotApplied.js';
import type { Workspaces } from '../workspaces/workspaces.js';
import type { VersionsServer } from '../publish/versionsServer.js';
import type { WorkspaceSpec } from '../workspaces/workspaceSpec.js';
import { Backoff } from './backoff.js';
import { loadCredentials, saveCredentials, type AgentCredentials } from './credentials.js';
import { systemClock, type Clock } from '../clock.js';

export interface TunnelClientOptions {
  /** host:port of the portal's tunnel server. */
  portalAddress: string;
  /** PEM of the certificate (or CA) the portal's tunnel presents. */
  caCert: string;
  /** The name the certificate must be valid for; defaults to the address's host. */
  serverName?: string;
  dataDir: string;
  name: string;
  version: string;
  /** Used once, when the agent has no credential yet. */
  enrollmentToken?: () => string | undefined;
  /** Commands go to the workspaces (runtime and bridges); reads and dials to its runtime. */
  workspaces: Workspaces;
  log: pino.Logger;
  /** The agent's clock (the gateway's usage records, the heartbeats' timestamps); default the system's. */
  clock?: Clock;
  /** How often running workspaces' usage (limits, disk, OOM kills) is looked at; sent only when it changed. Default 15 s. */
  usageEveryMs?: number;
  /** The tunnel protocol this agent speaks (TUNNEL_PROTOCOL; tests play older and newer agents). */
  protocol?: ProtocolVersion;
  /** Answers `versions` dials (publishing); without it they are refused. */
  versions?: Pick<VersionsServer, 'accept'>;
}

/** While the portal refuses this agent's protocol, ask again this often: it may be upgraded meanwhile. */
const REFUSED_RETRY_MS = 60_000;

/** How long a hold request waits for the portal's answer (it answers at once: a pending row, no person). */
const HOLD_REPLY_TIMEOUT_MS = 5_000;

/** A portal's answer to a hold (PortalMessage.hold_reply), or why there is none. */
export class HoldRefusedError extends Error {}

/** Usage records kept while the portal is unreachable; the oldest go first. */
const MAX_UNSENT_USAGE = 10_000;

type ControlCall = grpc.ClientDuplexStream<AgentMessage, PortalMessage__Output>;

/**
 * The agent's side of the tunnel. It dials the portal (never the reverse), keeps
 * one control stream open, reconnects with backoff, runs commands on the runtime
 * and answers dial requests by opening a Dial call piped to the local target.
 */
export interface TunnelClientEvents {
  enrolled: [];
  connected: [];
  disconnected: [];
  refused: [message: string];
  /** An admin decided a held action, or it expired (PortalMessage.hold_decision, validated). */
  'hold-decision': [decision: HoldDecision];
  /** A spec came for a workspace: its governance policy as the portal sent it (EffectivePolicy JSON; '' : none). */
  'governance-policy': [workspaceId: string, policyJson: string];
}

export class TunnelClient extends EventEmitter<TunnelClientEvents> {
  private readonly client: GrpcTunnelClient;
  private readonly backoff = new Backoff();
  /** Commands for one workspace run, and are answered, in order. */
  private readonly queue = new KeyedQueue();
  private credentials: AgentCredentials | null = null;
  private call: ControlCall | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly unsentUsage: NonNullable<AgentMessage['usage']>[] = [];
  /** What this connection last sent per workspace, so an unchanged report isn't sent again. */
  private readonly sentWorkspaceUsage = new Map<string, string>();
  private usageTimer: NodeJS.Timeout | undefined;
  private reportingWorkspaceUsage = false;
  private readonly protocol: ProtocolVersion;
  /** Hold requests waiting for the portal's answer, by correlation id. */
  private readonly holds = new Map<string, { resolve(heldJson: string): void; reject(err: Error): void; timer: NodeJS.Timeout }>();
  private holdSeq = 0;
  /** Why the portal last refused this agent's protocol; logged once per reason. */
  refusal: string | undefined;
  connected = false;

  constructor(private readonly opts: TunnelClientOptions) {
    super();
    this.protocol = opts.protocol ?? TUNNEL_PROTOCOL;
    const Tunnel = loadTunnelProto().paddock.tunnel.v1.Tunnel;
    const host = opts.portalAddress.replace(/:\d+$/, '');
    this.client = new Tunnel(opts.portalAddress, grpc.credentials.createSsl(Buffer.from(opts.caCert)), {
      'grpc.ssl_target_name_override': opts.serverName ?? host,
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 5_000,
    }) as unknown as GrpcTunnelClient;
    opts.workspaces.on('governance-health', (health) => this.reportGovernanceHealth(health));
  }

  start(): void {
    this.stopped = false;
    this.connectNow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    this.closeCall();
    this.client.close();
  }

  /** Resolves once the control stream is up (tests and start-up). */
  waitConnected(timeoutMs = 15_000): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the agent did not connect in time')), timeoutMs);
      this.once('connected', () => { clearTimeout(t); resolve(); });
    });
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    try {
      this.credentials ??= loadCredentials(this.opts.dataDir) ?? (await this.enroll());
      const workspaces = await this.runtime.list();
      const call = this.client.Control(this.metadata());
      this.call = call;
      call.on('data', (msg: PortalMessage__Output) => this.onMessage(msg));
      call.on('error', (err: grpc.ServiceError) => this.onClosed(err));
      call.on('end', () => this.onClosed());
      call.write({
        hello: {
          protocolVersion: this.protocol.major,
          protocolMinor: this.protocol.minor,
          agentVersion: this.opts.version,
          runtime: this.runtime.kind,
          // A failed workspace says why, so the portal keeps it failed (it waits for its owner) across reconnects.
          workspaces: workspaces.map((w) => ({ workspaceId: w.workspaceId, state: w.state, message: w.message ?? '' })),
          resourceControl: this.runtime.resourceControl(),
        },
      });
    } catch (err) {
      this.opts.log.warn({ err: errMessage(err) }, 'could not reach the portal');
      this.scheduleReconnect();
    }
  }

  private async enroll(): Promise<AgentCredentials> {
    const token = this.opts.enrollmentToken?.();
    if (!token) throw new Error('this agent has no credential and no enrollment token (set PADDOCK_ENROLLMENT_TOKEN)');
    const result = await new Promise<AgentCredentials>((resolve, reject) => {
      this.client.Enroll({ token, name: this.opts.name, version: this.opts.version }, (err, res) => {
        if (err || !res) reject(err ?? new Error('empty enrollment answer'));
        else resolve({ agentId: res.agentId, secret: res.secret });
      });
    });
    saveCredentials(this.opts.dataDir, result);
    this.opts.log.info({ agentId: result.agentId }, 'enrolled with the portal');
    // Synchronous, before the control stream opens: the portal can't see this agent before 'enrolled' is handled.
    this.emit('enrolled');
    return result;
  }

  private metadata(extra: Record<string, string> = {}): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set(TunnelMetadata.agentId, this.credentials!.agentId);
    md.set(TunnelMetadata.agentSecret, this.credentials!.secret);
    for (const [k, v] of Object.entries(extra)) md.set(k, v);
    return md;
  }

  private onMessage(msg: PortalMessage__Output): void {
    if (msg.welcome) {
      // A portal too old to check the agent's protocol still says its own: check it here.
      const compat = tunnelCompatibility({ major: msg.welcome.protocolVersion, minor: msg.welcome.protocolMinor }, this.protocol);
      if (!compat.ok) {
        this.onRefused(compat.message);
        this.closeCall();
        this.scheduleReconnect(REFUSED_RETRY_MS);
        return;
      }
      this.refusal = undefined;
      this.connected = true;
      this.backoff.reset();
      clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => this.send({ heartbeat: { unixMs: String((this.opts.clock ?? systemClock).now().getTime()) } }), msg.welcome.heartbeatIntervalMs || 5_000);
      this.opts.log.info({ agentId: msg.welcome.agentId }, 'connected to the portal');
      for (const usage of this.unsentUsage.splice(0)) this.send({ usage });
      this.sentWorkspaceUsage.clear();
      clearInterval(this.usageTimer);
      this.usageTimer = setInterval(() => this.reportWorkspaceUsage(), this.opts.usageEveryMs ?? 15_000);
      this.reportWorkspaceUsage();
      // What the portal knew of them went with the last connection (or it is another portal).
      for (const health of this.opts.workspaces.governanceHealth()) this.reportGovernanceHealth(health);
      this.emit('connected');
    } else if (msg.command) {
      this.onCommand(msg.command);
    } else if (msg.holdReply) {
      const reply = msg.holdReply;
      const waiting = this.holds.get(reply.requestId);
      if (!waiting) return;
      this.holds.delete(reply.requestId);
      clearTimeout(waiting.timer);
      if (reply.error || !reply.heldJson) waiting.reject(new HoldRefusedError(reply.error || 'the portal did not hold the action'));
      else waiting.resolve(reply.heldJson);
    } else if (msg.holdDecision) {
      let parsed;
      try { parsed = holdDecisionSchema.safeParse(JSON.parse(msg.holdDecision.decisionJson)); } catch { parsed = undefined; }
      if (parsed?.success) this.emit('hold-decision', parsed.data);
      else this.opts.log.warn('a hold decision from the portal was malformed; ignored (the hold times out and is denied)');
    } else if (msg.dial) {
      const dial = msg.dial;
      this.onDial(dial).catch((err: unknown) => {
        this.opts.log.warn({ workspaceId: dial.workspaceId, err: errMessage(err) }, 'a dial failed');
        this.send({ dialResult: { dialId: dial.dialId, ok: false, error: errMessage(err) } });
      });
    }
  }

  private send(msg: AgentMessage): void {
    this.call?.write(msg);
  }

  /** Sends a usage record from the LLM gateway; records made while disconnected wait (up to a cap). */
  reportUsage(record: UsageRecord): void {
    const usage = {
      workspaceId: record.workspaceId, model: record.model,
      inputTokens: record.inputTokens, outputTokens: record.outputTokens,
      cacheReadTokens: record.cacheReadTokens, cacheWriteTokens: record.cacheWriteTokens,
      unixMs: String(record.at.getTime()),
      ...(record.refused ? { refused: true } : {}),
    };
    if (this.connected && this.call) return this.send({ usage });
    if (this.unsentUsage.length >= MAX_UNSENT_USAGE) this.unsentUsage.shift();
    this.unsentUsage.push(usage);
  }

  /**
   * Says whether a workspace's enforcement points serve it; the next connection sends them all again anyway.
   * Since protocol 1.4: an agent playing an older one (tests) says nothing, as that agent would.
   */
  private reportGovernanceHealth(h: WorkspaceGovernanceHealth): void {
    if (!this.connected || (this.protocol.major === 1 && this.protocol.minor < 4)) return;
    this.send({
      governanceHealth: {
        workspaceId: h.workspaceId, hooks: h.hooks, gateway: h.gateway, proxy: h.proxy, mode: h.mode, killSwitch: h.killSwitch, stopped: h.stopped,
      },
    });
  }

  /** Sends a batch of governance events (GovernanceEventReport JSON each); false when not connected (the caller keeps them). */
  sendGovernanceEvents(eventsJson: string[]): boolean {
    if (!this.connected || !this.call) return false;
    this.send({ governanceEvents: { eventsJson } });
    return true;
  }

  /**
   * Asks the portal to hold an action (a HoldRequest as JSON); resolves with the
   * HeldAction JSON it answers at once. Rejects when not connected, when the
   * connection drops first, when the portal refuses, or after a few seconds
   * without an answer (a portal older than 1.2 never answers): the caller denies.
   */
  requestHold(requestJson: string): Promise<string> {
    if (!this.connected || !this.call) return Promise.reject(new HoldRefusedError('the portal is not connected'));
    const requestId = `h${++this.holdSeq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.holds.delete(requestId);
        reject(new HoldRefusedError('the portal did not answer the hold in time'));
      }, HOLD_REPLY_TIMEOUT_MS);
      this.holds.set(requestId, { resolve, reject, timer });
      this.send({ holdRequest: { requestId, requestJson } });
    });
  }

  private rejectHolds(why: string): void {
    for (const [id, h] of this.holds) { clearTimeout(h.timer); h.reject(new HoldRefusedError(why)); this.holds.delete(id); }
  }

  /** Sends each running workspace's usage that changed since this connection last sent it. */
  /** One report pass at a time; a pass that fails is logged and the next interval tries again. */
  private reportWorkspaceUsage(): void {
    if (this.reportingWorkspaceUsage) return;
    this.reportingWorkspaceUsage = true;
    const done = () => { this.reportingWorkspaceUsage = false; };
    this.sendWorkspaceUsage().then(done, (err: unknown) => {
      this.opts.log.warn({ err: errMessage(err) }, 'reading workspace usage failed');
      done();
    });
  }

  private async sendWorkspaceUsage(): Promise<void> {
    for (const w of await this.runtime.list()) {
      if (w.state !== 'running' || !this.connected) continue;
      const usage = await this.runtime.usage(w.workspaceId);
      if (!usage) continue;
      const message = workspaceUsageMessage(w.workspaceId, usage);
      const key = JSON.stringify(message);
      if (this.sentWorkspaceUsage.get(w.workspaceId) === key) continue;
      this.sentWorkspaceUsage.set(w.workspaceId, key);
      this.send({ workspaceUsage: message });
    }
  }

  private reportStatus(status: WorkspaceStatus): void {
    this.send({ workspaceStatus: status });
  }

  /** Commands for one workspace run in order; different workspaces run in parallel. */
  private onCommand(cmd: Command__Output): void {
    const { workspaces } = this.opts;
    const [workspaceId, run] =
      cmd.ensureRunning ? [cmd.ensureRunning.workspaceId, async () => { await workspaces.ensureRunning(workspaceSpec(cmd.ensureRunning!, this.opts.log)); return 'running'; }] as const
      : cmd.ensureStopped ? [cmd.ensureStopped, async () => { await workspaces.ensureStopped(cmd.ensureStopped!); return 'stopped'; }] as const
      : cmd.ensureDeleted ? [cmd.ensureDeleted, async () => { await workspaces.ensureDeleted(cmd.ensureDeleted!); return 'deleted'; }] as const
      : [undefined, undefined];
    if (!workspaceId || !run) return;
    // A stopped or deleted workspace's agent asks nothing more: its policy goes ('').
    this.emit('governance-policy', workspaceId, cmd.ensureRunning?.governancePolicy ?? '');
    this.queue.run(workspaceId, async () => {
      try {
        const state = await run();
        this.reportStatus({ workspaceId, state, message: '' });
      } catch (err) {
        if (err instanceof SpecNotAppliedError) {
          // It runs as it did, so its state stays; the portal, without an answer, sends the spec again.
          this.opts.log.warn({ workspaceId, err: err.message }, "the running workspace's spec could not be applied");
          return;
        }
        this.opts.log.error({ workspaceId, err: errMessage(err) }, 'workspace command failed');
        this.reportStatus({ workspaceId, state: 'failed', message: errMessage(err) });
      }
    }).catch((err: unknown) => {
      this.opts.log.error({ workspaceId, err: errMessage(err) }, 'reporting a workspace command failed');
    });
  }

  /** Where workspaces run: read and dialed directly, commanded through the workspaces. */
  private get runtime() {
    return this.opts.workspaces.runtime;
  }

  private async onDial(req: DialRequest__Output): Promise<void> {
    if (req.target === 'versions') return this.onVersionsDial(req);
    let local;
    try {
      const target = dialTarget(req);
      local = await this.runtime.connect(req.workspaceId, target);
    } catch (err) {
      this.send({ dialResult: { dialId: req.dialId, ok: false, error: errMessage(err) } });
      return;
    }
    let remote: FrameDuplex;
    try {
      remote = new FrameDuplex(this.client.Dial(this.metadata({ [TunnelMetadata.dialId]: req.dialId })));
    } catch (err) {
      local.destroy();
      throw err;
    }
    const teardown = () => { local.destroy(); remote.destroy(); };
    local.on('error', teardown);
    remote.on('error', teardown);
    local.on('close', () => remote.end());
    remote.on('close', () => local.destroy());
    local.pipe(remote);
    remote.pipe(local);
  }

  /** The version store, for a workspace this agent holds (its runtime knows it): served here, never in the sandbox. */
  private async onVersionsDial(req: DialRequest__Output): Promise<void> {
    const versions = this.opts.versions;
    let held = false;
    try {
      held = (await this.runtime.status(req.workspaceId)) !== 'missing';
    } catch { /* an id the runtime refuses is not one it holds */ }
    if (!versions || !held) {
      const error = versions ? `workspace ${req.workspaceId} is not on this agent` : 'this agent keeps no versions';
      this.send({ dialResult: { dialId: req.dialId, ok: false, error } });
      return;
    }
    const remote = new FrameDuplex(this.client.Dial(this.metadata({ [TunnelMetadata.dialId]: req.dialId })));
    remote.on('error', () => remote.destroy());
    versions.accept(req.workspaceId, remote);
  }

  private onClosed(err?: grpc.ServiceError): void {
    if (!this.call) return;
    this.closeCall();
    if (this.connected) {
      this.connected = false;
      this.opts.log.warn({ err: err?.details ?? 'stream ended' }, 'lost the portal; reconnecting');
      this.emit('disconnected');
    } else if (err?.code === grpc.status.FAILED_PRECONDITION && err.details.startsWith('tunnel protocol mismatch')) {
      this.onRefused(err.details);
      return this.scheduleReconnect(REFUSED_RETRY_MS);
    } else if (err) {
      this.opts.log.warn({ err: err.details }, 'the portal refused or could not be reached');
    }
    this.scheduleReconnect();
  }

  /** The portal and this agent can't talk: say what to upgrade, once per reason, and keep asking (slowly). */
  private onRefused(message: string): void {
    if (message !== this.refusal) this.opts.log.error({ portal: this.opts.portalAddress, protocol: `${this.protocol.major}.${this.protocol.minor}` }, message);
    this.refusal = message;
    this.emit('refused', message);
  }

  private closeCall(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.usageTimer);
    const call = this.call;
    this.call = undefined;
    call?.cancel();
    this.rejectHolds('the connection to the portal was lost');
  }

  private scheduleReconnect(delayMs = this.backoff.next()): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.connectNow(), delayMs);
  }

  /** connect() handles its own failures; one it didn't foresee still must not end the agent, nor its retries. */
  private connectNow(): void {
    this.connect().catch((err: unknown) => {
      this.opts.log.error({ err: errMessage(err) }, 'connecting to the portal failed unexpectedly');
      this.scheduleReconnect();
    });
  }
}

const errMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A WorkspaceSpec message as the agent applies it; its governance policy parsed (one that does not parse fails closed). */
export function workspaceSpec(spec: NonNullable<Command__Output['ensureRunning']>, log: pino.Logger): WorkspaceSpec {
  const governance = policyFromSpec(spec.governancePolicy, log, spec.workspaceId);
  return {
    workspaceId: spec.workspaceId, ownerId: spec.ownerId, blueprintId: spec.blueprintId, env: spec.env,
    ...(spec.llm?.upstreamBaseUrl ? {
      llm: {
        upstreamBaseUrl: spec.llm.upstreamBaseUrl, upstreamApiKey: spec.llm.upstreamApiKey, model: spec.llm.model,
        upstreamFormat: spec.llm.upstreamFormat === 'openai' ? 'openai' as const : 'anthropic' as const,
        ...(spec.llm.refusal ? { refusal: spec.llm.refusal } : {}),
      },
    } : {}),
    agentInstructions: spec.agentInstructions,
    sessions: spec.sessions.map((s) => ({ name: s.name, command: s.command, start: s.start })),
    ...(spec.resources ? { resources: limitsFromMessage(spec.resources) } : {}),
    ...(governance ? { governance } : {}),
    ...(spec.app?.sourceWorkspaceId ? { app: { sourceWorkspaceId: spec.app.sourceWorkspaceId, version: spec.app.version } } : {}),
  };
}

function limitsFromMessage(r: WorkspaceResources__Output): WorkspaceLimits {
  return { cpus: r.cpus, memoryMiB: r.memoryMib, processes: r.processes, tmpMiB: r.tmpMib, diskMiB: r.diskMib };
}

function limitsMessage(l: WorkspaceLimits): WorkspaceResources {
  return { cpus: l.cpus, memoryMib: l.memoryMiB, processes: l.processes, tmpMib: l.tmpMiB, diskMib: l.diskMiB };
}

/** Counters and sizes only: a report that changes every time (memory in use, CPU time) would be sent every time. */
function workspaceUsageMessage(workspaceId: string, u: WorkspaceUsage): WorkspaceUsageMessage {
  return {
    workspaceId,
    ...(u.limits ? { limits: limitsMessage(u.limits) } : {}),
    mechanism: u.mechanism,
    diskBytes: String(u.diskBytes ?? -1),
    diskMeasuredUnixMs: String(u.diskMeasuredAt?.getTime() ?? 0),
    diskEnforced: u.diskEnforced,
    oomKills: String(u.oomKills),
    processLimitHits: String(u.processLimitHits),
  };
}

/** What a DialRequest asks for; a target this agent doesn't know is refused, never read as the daemon. */
function dialTarget(req: DialRequest__Output): DialTarget {
  switch (req.target) {
    case 'daemon': return { kind: 'daemon' };
    case 'port': return { kind: 'port', port: req.port ?? 0 };
    case 'service': {
      const service = req.service ?? '';
      if (!isDialableService(service)) throw new Error(`no workspace service ${JSON.stringify(service)}`);
      return { kind: 'service', service };
    }
    default: throw new Error('the dial names no target');
  }
}

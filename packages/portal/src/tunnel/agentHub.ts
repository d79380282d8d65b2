import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import {
  FrameDuplex,
  type AgentMessage__Output,
  type Frame,
  type Frame__Output,
  type GovernanceEvents__Output,
  type GovernanceHealth__Output,
  type GovernanceHold__Output,
  type Hello__Output,
  type PortalMessage,
  type ResourceControl__Output,
  type StreamObserver,
  type UsageRecord__Output,
  type WorkspaceStatus__Output,
  type WorkspaceUsage__Output,
} from '@paddock/protocol/tunnel';
import type { DialableService } from '@paddock/protocol';
import { systemClock, type Clock } from '../clock.js';
import { DialError } from './dialError.js';

/**
 * The daemon's API, a workspace port (never one of its services'), one of its services by name,
 * or the agent's own version store for the workspace (publishing; outside the sandbox).
 */
export type DialTarget = { daemon: true } | { port: number } | { service: DialableService } | { versions: true };

type ControlCall = ServerDuplexStream<AgentMessage__Output, PortalMessage>;
type DialCall = ServerDuplexStream<Frame__Output, Frame>;

/** What a stream carries, by its target: the daemon (terminals, files), a preview port, the chat service. */
export type StreamKind = 'terminal' | 'preview' | 'chat' | 'versions';

function streamKind(target: DialTarget): StreamKind {
  if ('daemon' in target) return 'terminal';
  if ('port' in target) return 'preview';
  if ('versions' in target) return 'versions';
  return 'chat';
}

/** Told of every stream the hub opens (metrics.ts). */
export interface StreamWatcher {
  opened(kind: StreamKind): StreamObserver;
}

interface PendingDial {
  agentId: string;
  kind: StreamKind;
  resolve(stream: FrameDuplex): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export interface AgentHubEvents {
  'agent-connected': [agentId: string, hello: Hello__Output];
  'agent-disconnected': [agentId: string];
  'workspace-status': [agentId: string, status: WorkspaceStatus__Output];
  usage: [agentId: string, record: UsageRecord__Output];
  'workspace-usage': [agentId: string, usage: WorkspaceUsage__Output];
  'governance-events': [agentId: string, events: GovernanceEvents__Output];
  'hold-request': [agentId: string, hold: GovernanceHold__Output];
  'governance-health': [agentId: string, health: GovernanceHealth__Output];
}

export interface AgentHubOptions {
  /** How long a dial waits for the agent to open its stream (default 10 s). */
  dialTimeoutMs?: number;
  /** When an agent was last heard from (metrics). */
  clock?: Clock;
}

/**
 * The agents connected to this portal replica and the one thing the portal can
 * ask of them: dial(target) → duplex byte stream. Commands go down the control stream.
 */
export class AgentHub extends EventEmitter<AgentHubEvents> {
  private readonly controls = new Map<string, ControlCall>();
  private readonly pending = new Map<string, PendingDial>();
  /** What each connected agent said of its resource limits in its Hello. */
  private readonly resourceControls = new Map<string, ResourceControl__Output | null>();
  private readonly dialTimeoutMs: number;
  private readonly clock: Clock;
  /** When each connected agent last sent anything (a message or a keepalive). */
  private readonly heard = new Map<string, Date>();
  private streamWatcher: StreamWatcher | undefined;

  constructor(options: AgentHubOptions = {}) {
    super();
    this.dialTimeoutMs = options.dialTimeoutMs ?? 10_000;
    this.clock = options.clock ?? systemClock;
  }

  /** Has every stream opened from now on told to `watcher` (its bytes and its end). */
  observeStreams(watcher: StreamWatcher): void { this.streamWatcher = watcher; }
  /** When each connected agent was last heard from. */
  lastHeard(): ReadonlyMap<string, Date> { return this.heard; }
  /** The tunnel server heard from the agent (a message, a keepalive answered). */
  heardFrom(agentId: string): void { if (this.controls.has(agentId)) this.heard.set(agentId, this.clock.now()); }

  isConnected(agentId: string): boolean { return this.controls.has(agentId); }
  connectedAgentIds(): string[] { return [...this.controls.keys()]; }
  /** How a connected agent holds its workspaces to their limits; null for an agent from before limits, undefined when not connected. */
  resourceControlOf(agentId: string): ResourceControl__Output | null | undefined { return this.resourceControls.get(agentId); }

  /** Registers an authenticated control stream. A newer stream replaces an older one. */
  attach(agentId: string, call: ControlCall, hello: Hello__Output): void {
    const previous = this.controls.get(agentId);
    if (previous && previous !== call) previous.end();
    this.controls.set(agentId, call);
    this.heard.set(agentId, this.clock.now());
    this.resourceControls.set(agentId, hello.resourceControl ?? null);
    const onClose = () => {
      if (this.controls.get(agentId) !== call) return;
      this.controls.delete(agentId);
      this.heard.delete(agentId);
      this.resourceControls.delete(agentId);
      for (const [id, p] of this.pending) {
        if (p.agentId === agentId) this.settle(id)?.reject(new DialError('lost', 'the workspace\'s agent disconnected'));
      }
      this.emit('agent-disconnected', agentId);
    };
    call.on('end', onClose);
    call.on('error', onClose);
    call.on('close', onClose);
    call.on('cancelled', onClose);
    this.emit('agent-connected', agentId, hello);
  }

  /** Called by the tunnel server for every message after Hello. */
  handleMessage(agentId: string, msg: AgentMessage__Output): void {
    this.heardFrom(agentId);
    if (msg.workspaceStatus) this.emit('workspace-status', agentId, msg.workspaceStatus);
    else if (msg.usage) this.emit('usage', agentId, msg.usage);
    else if (msg.workspaceUsage) this.emit('workspace-usage', agentId, msg.workspaceUsage);
    else if (msg.governanceEvents) this.emit('governance-events', agentId, msg.governanceEvents);
    else if (msg.holdRequest) this.emit('hold-request', agentId, msg.holdRequest);
    else if (msg.governanceHealth) this.emit('governance-health', agentId, msg.governanceHealth);
    else if (msg.dialResult && !msg.dialResult.ok) {
      const p = this.pending.get(msg.dialResult.dialId);
      if (p?.agentId === agentId) this.settle(msg.dialResult.dialId)?.reject(new DialError('refused', msg.dialResult.error || 'the agent could not connect'));
    }
  }

  send(agentId: string, msg: PortalMessage): boolean {
    const call = this.controls.get(agentId);
    if (!call) return false;
    call.write(msg);
    return true;
  }

  /**
   * Opens a byte stream to a workspace's daemon, port or service, through its agent; rejects
   * with a DialError. HTTP over it goes through WorkspaceHttp (workspaceHttp.ts).
   */
  dial(agentId: string, workspaceId: string, target: DialTarget): Promise<FrameDuplex> {
    const dialId = randomBytes(16).toString('hex');
    return new Promise<FrameDuplex>((resolve, reject) => {
      const seconds = this.dialTimeoutMs / 1000;
      const timer = setTimeout(() => this.settle(dialId)?.reject(new DialError('timeout', `the workspace's agent did not connect within ${seconds} s`)), this.dialTimeoutMs);
      this.pending.set(dialId, { agentId, kind: streamKind(target), resolve, reject, timer });
      const sent = this.send(agentId, { dial: { dialId, workspaceId, ...target } });
      if (!sent) this.settle(dialId)?.reject(new DialError('offline', 'the workspace\'s agent is not connected'));
    });
  }

  /** Matches the agent's Dial call to a pending dial; refuses calls nobody asked for. */
  acceptDial(agentId: string, dialId: string, call: DialCall): boolean {
    const p = this.pending.get(dialId);
    if (!p || p.agentId !== agentId) return false;
    this.settle(dialId);
    p.resolve(new FrameDuplex(call, this.streamWatcher?.opened(p.kind)));
    return true;
  }

  /** Ends every control stream (portal shutdown); agents will reconnect elsewhere or later. */
  closeAll(): void {
    for (const call of this.controls.values()) call.end();
    this.controls.clear();
    this.heard.clear();
  }

  private settle(dialId: string): PendingDial | undefined {
    const p = this.pending.get(dialId);
    if (!p) return undefined;
    clearTimeout(p.timer);
    this.pending.delete(dialId);
    return p;
  }
}

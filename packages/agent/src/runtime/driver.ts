import type { Duplex } from 'node:stream';
import type { DialableService, ResourceMechanism, WorkspaceLimits } from '@paddock/protocol';
import type { LlmRoute } from '../gateway/llm/llmGateway.js';

/** What the agent needs to run one workspace (from the portal's WorkspaceSpec). */
export interface WorkspaceRunSpec {
  workspaceId: string;
  ownerId: string;
  blueprintId: string;
  /** Environment for processes in the workspace (blueprint credentials, later). */
  env: Record<string, string>;
  /** Where the workspace's model calls go, through the agent's LLM gateway; none when unset. */
  llm?: LlmRoute;
  /** The blueprint's system prompt and data-source notes, for AGENTS.md and CLAUDE.md ('' or unset: none). */
  agentInstructions?: string;
  /** PTY sessions the daemon defines at start: the blueprint's command tabs and `claude`. */
  sessions?: Array<{ name: string; command: string; start: boolean }>;
  /** CPU, memory, processes, /tmp and disk, applied at start; unset: the defaults (DEFAULT_WORKSPACE_LIMITS). */
  resources?: WorkspaceLimits;
}

/** How a runtime holds workspaces to their limits, for the admins (sent in Hello). */
export interface ResourceControl {
  /** 'none': CPU, memory and process limits are not enforced; `note` says why. */
  mechanism: ResourceMechanism;
  note: string;
  /** Whether disk use is a hard limit here, or only measured. */
  diskEnforced: boolean;
}

/** What a running workspace takes against the limits it started with. */
export interface WorkspaceUsage {
  /** Undefined for a sandbox started without limits (by an agent from before them). */
  limits: WorkspaceLimits | undefined;
  mechanism: ResourceMechanism;
  diskBytes: number | undefined;
  diskMeasuredAt: Date | undefined;
  diskEnforced: boolean;
  /** Processes the kernel ended at the memory limit, since the workspace started. */
  oomKills: number;
  /** Forks and thread creations refused at the process limit, since it started. */
  processLimitHits: number;
  memoryBytes: number | undefined;
  cpuUsageUsec: number | undefined;
}

/** How a runtime sees a workspace; the agent maps it onto the API's states. */
export type RuntimeState = 'running' | 'stopped' | 'missing';

/** The daemon's own API, a port of the workspace (never a service's), or one of its services by name. */
export type DialTarget = { kind: 'daemon' } | { kind: 'port'; port: number } | { kind: 'service'; service: DialableService };

/**
 * A place where workspaces run (bubblewrap on this machine; pods in Kubernetes).
 * Every method is idempotent, and a driver must survive the agent restarting:
 * list() finds workspaces started by an earlier agent process.
 * One contract test suite runs against every driver.
 */
export interface RuntimeDriver {
  readonly kind: string;
  /**
   * Starts the workspace if it isn't running; resolves once its daemon answers.
   * On one that runs, it takes the spec again; what it couldn't apply rejects with
   * SpecNotAppliedError (the workspace runs on), a daemon that doesn't answer with any other error.
   */
  ensureRunning(spec: WorkspaceRunSpec): Promise<void>;
  /** Ends every process of the workspace; its files stay. */
  ensureStopped(workspaceId: string): Promise<void>;
  /** Stops the workspace and removes its files. */
  ensureDeleted(workspaceId: string): Promise<void>;
  status(workspaceId: string): Promise<RuntimeState>;
  /** Every workspace this runtime holds (running or stopped). */
  list(): Promise<Array<{ workspaceId: string; state: RuntimeState }>>;
  /** Opens a byte stream to the workspace's daemon, one of its ports or one of its services. */
  connect(workspaceId: string, target: DialTarget): Promise<Duplex>;
  resourceControl(): ResourceControl;
  /** What the workspace takes against its limits; undefined when it isn't running. Cheap: polled by the agent. */
  usage(workspaceId: string): Promise<WorkspaceUsage | undefined>;
  /** Releases resources held by the driver; workspaces keep running. */
  close(): Promise<void>;
}

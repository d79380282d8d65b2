import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { DialableService, ResourceMechanism, WorkspaceLimits } from '@paddock/protocol';

/** What a runtime needs to run one workspace (the portal's WorkspaceSpec, less what the agent's bridges serve). */
export interface WorkspaceRunSpec {
  workspaceId: string;
  ownerId: string;
  blueprintId: string;
  /** Environment for processes in the workspace (the blueprint's secrets). */
  env: Record<string, string>;
  /** The blueprint's system prompt and data-source notes, for AGENTS.md and CLAUDE.md ('' or unset: none). */
  agentInstructions?: string;
  /** PTY sessions the daemon defines at start: the blueprint's command tabs and `claude`. */
  sessions?: Array<{ name: string; command: string; start: boolean }>;
  /** CPU, memory, processes, /tmp and disk, applied at start; unset: the defaults (DEFAULT_WORKSPACE_LIMITS). */
  resources?: WorkspaceLimits;
}

/** What the agent does at the moment a runtime creates a workspace (see ensureRunning). */
export interface StartHooks {
  /**
   * Called once nothing of the workspace runs and it is about to be created:
   * its environment is `spec.env` plus what this returns. A rejection fails the start.
   */
  beforeStart?(): Promise<Record<string, string>>;
  /**
   * Writes the workspace's first files into `dir` (what the sandbox will see as /workspace) while
   * nothing of it runs, when the runtime creates its files: a published app's version. Called only
   * while that directory is empty (a stopped one that kept its files is not seeded again); the
   * runtime then gives what was written to the sandbox's user. A rejection fails the start.
   */
  seedFiles?(dir: string): Promise<void>;
}

/** Where a process inside a workspace connects to reach an exposed socket. A pod network adds `tcp` (issue 15). */
export type WorkspaceAddress = { kind: 'unix'; path: string };

/** Takes each connection a process inside the workspace opens to an exposed socket, on the agent. */
export type AcceptConnection = (socket: Socket) => void;

/** A socket name: the bridges' own (`llm`, later `egress`, `policy`). */
export const exposedSocketNamePattern = /^[a-z][a-z0-9-]{0,31}$/;

/** Workspace ids a driver takes: the portal's UUIDs, and tests' names. Nothing that could name a path elsewhere. */
export const workspaceIdPattern = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/;

export function assertWorkspaceId(workspaceId: string): void {
  if (!workspaceIdPattern.test(workspaceId)) throw new Error(`invalid workspace id ${JSON.stringify(workspaceId)}`);
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

/**
 * How a runtime sees a workspace; the agent sends it to the portal as is.
 * - starting: this driver is creating it (ensureRunning has not resolved yet);
 * - running: it runs (its daemon may be busy; ensureRunning says whether it answers);
 * - stopped: its files are kept, nothing of it runs;
 * - failed: its last start failed and nothing of it runs; `message` in list() says why.
 *   It stays failed, also to a new driver instance, until the next ensureRunning, ensureStopped or ensureDeleted;
 * - missing: the runtime holds nothing of it.
 */
export type RuntimeState = 'starting' | 'running' | 'stopped' | 'failed' | 'missing';

export interface WorkspaceListing {
  workspaceId: string;
  state: RuntimeState;
  /** Why it failed; only for `failed`. */
  message?: string;
}

/** The daemon's own API, a port of the workspace (never a service's), or one of its services by name. */
export type DialTarget = { kind: 'daemon' } | { kind: 'port'; port: number } | { kind: 'service'; service: DialableService };

/**
 * A place where workspaces run (bubblewrap on this machine; pods in Kubernetes).
 * A driver runs workspaces and nothing else: what the agent serves them (the
 * model gateway, later the egress proxy and the policy hook) are the agent's
 * bridges, which reach a workspace through exposeSocket.
 *
 * Every method is idempotent, and a driver must survive the agent restarting:
 * list() finds workspaces started by an earlier agent process. The shared
 * contract suite (runtimeContract.ts) runs against every driver.
 */
export interface RuntimeDriver {
  readonly kind: string;
  /**
   * Starts the workspace if it isn't running; resolves once its daemon answers:
   * 'started' when this call created it (after hooks.beforeStart), 'running'
   * when it already ran (it is left as it runs: the spec's env, instructions,
   * sessions and limits apply at its next start). A daemon that doesn't answer
   * rejects; a start that failed leaves nothing running and the workspace `failed`.
   */
  ensureRunning(spec: WorkspaceRunSpec, hooks?: StartHooks): Promise<'started' | 'running'>;
  /** Ends every process of the workspace and closes its exposed sockets; its files stay. */
  ensureStopped(workspaceId: string): Promise<void>;
  /** Stops the workspace and removes its files. */
  ensureDeleted(workspaceId: string): Promise<void>;
  status(workspaceId: string): Promise<RuntimeState>;
  /** Every workspace this runtime holds (anything but missing). */
  list(): Promise<WorkspaceListing[]>;
  /**
   * The directory on this host that holds the workspace's files (what the sandbox sees as
   * /workspace), for the agent's own readers (a publish snapshot); rejects for a workspace
   * this runtime doesn't hold. Never handed to the workspace.
   */
  filesDir(workspaceId: string): Promise<string>;
  /** Opens a byte stream to the workspace's daemon, one of its ports or one of its services. */
  connect(workspaceId: string, target: DialTarget): Promise<Duplex>;
  /**
   * Makes an agent-side listener reachable inside the workspace as `name`: each
   * connection a process in that workspace (and no other) opens to the address
   * returned arrives at `accept`. The workspace can't replace or remove it.
   * Works before the workspace starts, so a bridge is there from its first
   * moment; stays until closeSocket, ensureStopped or close. Exposing a name
   * again keeps the listener and its connections, and takes the new `accept`
   * for the next ones; one that was lost is made again.
   */
  exposeSocket(workspaceId: string, name: string, accept: AcceptConnection): Promise<WorkspaceAddress>;
  /** Stops taking connections on the exposed socket and ends the ones it took. */
  closeSocket(workspaceId: string, name: string): Promise<void>;
  resourceControl(): ResourceControl;
  /** What the workspace takes against its limits; undefined when it isn't running. Cheap: polled by the agent. */
  usage(workspaceId: string): Promise<WorkspaceUsage | undefined>;
  /** Releases what the driver holds (exposed sockets among it); workspaces keep running. */
  close(): Promise<void>;
}

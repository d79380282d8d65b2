import type { Duplex } from 'node:stream';
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
}

/** How a runtime sees a workspace; the agent maps it onto the API's states. */
export type RuntimeState = 'running' | 'stopped' | 'missing';

export type DialTarget = { kind: 'daemon' } | { kind: 'port'; port: number };

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
  /** Opens a byte stream to the workspace's daemon or one of its ports. */
  connect(workspaceId: string, target: DialTarget): Promise<Duplex>;
  /** Releases resources held by the driver; workspaces keep running. */
  close(): Promise<void>;
}

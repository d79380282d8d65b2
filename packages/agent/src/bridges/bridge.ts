import type { EnforcementPoint } from '../governance/governanceHealth.js';
import type { AcceptConnection, WorkspaceAddress } from '../runtime/driver.js';
import type { WorkspaceSpec } from '../workspaces/workspaceSpec.js';

/**
 * One of a workspace's ways out, served by the agent beside any runtime: the
 * model gateway (llmBridge.ts); next the egress proxy and the policy hook
 * (issue 9), each a module of its own beside this one. A bridge never knows
 * where workspaces run: the runtime driver makes its socket reachable inside
 * the workspace (exposeSocket) and says at which address, and the bridge says
 * which environment points the workspace's processes there.
 */
export interface Bridge {
  /** Its socket's name in every workspace (`llm`). */
  readonly name: string;
  /** What it carries, in words, for errors and logs ("model route"). */
  readonly what: string;
  /** The enforcement point it is, for the workspace's governance health; none for a bridge that governs nothing. */
  readonly point?: EnforcementPoint;
  /**
   * The workspace is being created: serve it from now on. Undefined when its
   * spec asks for none of this bridge; a rejection fails the start.
   */
  start(spec: WorkspaceSpec): Promise<BridgeService | undefined>;
  /**
   * The spec sent again to a workspace that runs (an agent that restarted, a
   * changed route): serve it by what the spec says now, with what the workspace
   * was started with (its key). Undefined: no longer. A rejection leaves the
   * workspace running as it was.
   */
  refresh(spec: WorkspaceSpec): Promise<BridgeService | undefined>;
  /** The workspace stopped, or its start failed: stop serving it. (What it keeps in BridgeKeys goes with the workspace.) */
  stop(workspaceId: string): Promise<void>;
  /** The agent is ending: stop serving every workspace (they run on). */
  close(): Promise<void>;
}

/** How a bridge serves one workspace. */
export interface BridgeService {
  /** Takes each connection the workspace opens to the bridge's socket. */
  accept: AcceptConnection;
  /** The environment that points the workspace's processes at the socket, which they reach at `inside`. */
  env(inside: WorkspaceAddress): Record<string, string>;
}

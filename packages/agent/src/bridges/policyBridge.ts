import type { Decider } from '../governance/decider.js';
import { PolicyServer, type PolicyServerOptions } from '../gateway/hooks/policyServer.js';
import { GUARD_SOCKET_PATH } from '../guard/guardPaths.js';
import type { WorkspaceAddress } from '../runtime/driver.js';
import type { WorkspaceSpec } from '../workspaces/workspaceSpec.js';
import type { Bridge, BridgeService } from './bridge.js';

/**
 * The workspace's line to the policy: `paddock-guard` (the agent hooks of
 * Claude Code and OpenCode, and anyone who runs it) asks for a verdict over
 * the `policy` socket. Every workspace has one, whatever its spec: what the
 * policy says of a workspace without one is the decider's to say. It holds no
 * key: the socket itself, reachable from that workspace only, says who asks.
 */
export class PolicyBridge implements Bridge {
  readonly name = 'policy';
  readonly what = 'policy decisions';
  readonly point = 'hooks' as const;
  private readonly server: PolicyServer;

  constructor(decider: Decider, options: PolicyServerOptions = {}) {
    this.server = new PolicyServer(decider, options);
  }

  async start(spec: WorkspaceSpec): Promise<BridgeService> {
    return this.service(spec.workspaceId);
  }

  async refresh(spec: WorkspaceSpec): Promise<BridgeService> {
    return this.service(spec.workspaceId);
  }

  async stop(workspaceId: string): Promise<void> {
    this.server.close(workspaceId);
  }

  async close(): Promise<void> {
    this.server.closeAll();
  }

  private service(workspaceId: string): BridgeService {
    return {
      accept: (socket) => this.server.accept(workspaceId, socket),
      env: (inside: WorkspaceAddress) => {
        // The guard trusts no variable for where to ask (a process could point it at a socket of its
        // own that allows everything): it asks at one fixed path, which must be where the runtime put it.
        if (inside.path !== GUARD_SOCKET_PATH) throw new Error(`the policy socket is at ${inside.path}, not where paddock-guard asks (${GUARD_SOCKET_PATH})`);
        return {};
      },
    };
  }
}

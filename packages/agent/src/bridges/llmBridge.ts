import { WORKSPACE_SERVICES } from '@paddock/protocol';
import { LlmGateway } from '../gateway/llm/llmGateway.js';
import { llmWorkspaceEnv } from '../gateway/llm/workspaceEnv.js';
import type { WorkspaceAddress } from '../runtime/driver.js';
import type { WorkspaceSpec } from '../workspaces/workspaceSpec.js';
import type { Bridge, BridgeService } from './bridge.js';
import type { BridgeKeys } from './bridgeKeys.js';

/** The loopback port in the workspace where its daemon forwards to the bridge, and its tools call. */
const workspacePort = WORKSPACE_SERVICES.llmGateway.port;

/**
 * The workspace's model route: the LLM gateway behind the `llm` socket, with
 * a virtual key made at each start. The key is kept (BridgeKeys) for as long
 * as the sandbox that holds it may run, so a restarted agent serves it again
 * with the key its shells and tools already have. A workspace started without
 * a route holds no key and runs no forwarder: it gets a route at its next start.
 */
export class LlmBridge implements Bridge {
  readonly name = 'llm';
  readonly what = 'model route';
  readonly point = 'gateway' as const;

  constructor(private readonly gateway: LlmGateway, private readonly keys: BridgeKeys) {}

  async start(spec: WorkspaceSpec): Promise<BridgeService | undefined> {
    const { workspaceId, llm } = spec;
    // A new sandbox: a key an earlier one held is nobody's now.
    this.keys.remove(workspaceId, this.name);
    if (!llm) {
      await this.stop(workspaceId);
      return undefined;
    }
    const virtualKey = LlmGateway.newVirtualKey();
    this.gateway.serve(workspaceId, llm, virtualKey);
    this.keys.write(workspaceId, this.name, virtualKey);
    return this.service(workspaceId, virtualKey, llm.model);
  }

  /**
   * A changed route (provider key, endpoint) takes over from the next call,
   * always with the key the sandbox was started with. Without a route now no
   * call leaves, and the key stays for when one comes back.
   */
  async refresh(spec: WorkspaceSpec): Promise<BridgeService | undefined> {
    const { workspaceId, llm } = spec;
    const virtualKey = this.keys.read(workspaceId, this.name);
    if (!llm || !virtualKey) {
      await this.stop(workspaceId);
      return undefined;
    }
    this.gateway.serve(workspaceId, llm, virtualKey);
    return this.service(workspaceId, virtualKey, llm.model);
  }

  async stop(workspaceId: string): Promise<void> {
    await this.gateway.close(workspaceId);
  }

  async close(): Promise<void> {
    await this.gateway.closeAll();
  }

  private service(workspaceId: string, virtualKey: string, model: string): BridgeService {
    return {
      accept: (socket) => this.gateway.accept(workspaceId, socket),
      // Tools call the daemon's forwarder on loopback; the daemon reaches the bridge's socket.
      env: (inside: WorkspaceAddress) => ({
        ...llmWorkspaceEnv({ baseUrl: `http://127.0.0.1:${workspacePort}`, virtualKey, model }),
        PADDOCK_LLM_SOCKET: inside.path,
        PADDOCK_LLM_PORT: String(workspacePort),
      }),
    };
  }
}

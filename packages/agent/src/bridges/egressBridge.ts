import { WORKSPACE_SERVICES } from '@paddock/protocol';
import { egressCaEnv } from '../gateway/egress/egressCa.js';
import type { EgressProxy } from '../gateway/egress/egressProxy.js';
import type { WorkspaceAddress } from '../runtime/driver.js';
import type { WorkspaceSpec } from '../workspaces/workspaceSpec.js';
import type { Bridge, BridgeService } from './bridge.js';

/** The loopback port in the workspace where its daemon forwards to the proxy. */
const workspacePort = WORKSPACE_SERVICES.egressProxy.port;

/** Loopback stays direct: the workspace's own dev servers, and the model gateway's forwarder. */
const NO_PROXY = 'localhost,127.0.0.1,::1';

/**
 * The workspace's way out to the network: the egress proxy behind the `egress`
 * socket, for every workspace, with or without a policy (governance off still
 * goes through it, as the issue asks). Every process is pointed at it, in the
 * spellings tools read (curl and Python read the lower case, Node tools and npm
 * the upper); one that ignores them reaches nothing, the sandbox having no network.
 * The same environment has them trust the proxy's CA (the runtime binds its
 * certificate read-only at the paths named), so the HTTPS it inspects verifies.
 */
export class EgressBridge implements Bridge {
  readonly name = 'egress';
  readonly what = 'egress proxy';
  readonly point = 'proxy' as const;

  constructor(private readonly proxy: EgressProxy) {}

  async start(spec: WorkspaceSpec): Promise<BridgeService> {
    return this.service(spec.workspaceId);
  }

  async refresh(spec: WorkspaceSpec): Promise<BridgeService> {
    return this.service(spec.workspaceId);
  }

  async stop(workspaceId: string): Promise<void> {
    await this.proxy.close(workspaceId);
  }

  async close(): Promise<void> {
    await this.proxy.closeAll();
  }

  private service(workspaceId: string): BridgeService {
    const url = `http://127.0.0.1:${workspacePort}`;
    return {
      accept: (socket) => this.proxy.accept(workspaceId, socket),
      env: (inside: WorkspaceAddress) => ({
        HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url,
        NO_PROXY, no_proxy: NO_PROXY,
        npm_config_proxy: url, npm_config_https_proxy: url,
        ...egressCaEnv,
        PADDOCK_EGRESS_SOCKET: inside.path,
        PADDOCK_EGRESS_PORT: String(workspacePort),
      }),
    };
  }
}

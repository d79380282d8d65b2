import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/tunnel.js';

export type * from './generated/paddock/tunnel/v1/AgentMessage.js';
export type * from './generated/paddock/tunnel/v1/PortalMessage.js';
export type * from './generated/paddock/tunnel/v1/Command.js';
export type * from './generated/paddock/tunnel/v1/WorkspaceSpec.js';
export type * from './generated/paddock/tunnel/v1/LlmRoute.js';
export type * from './generated/paddock/tunnel/v1/WorkspaceSession.js';
export type * from './generated/paddock/tunnel/v1/UsageRecord.js';
export type * from './generated/paddock/tunnel/v1/WorkspaceResources.js';
export type * from './generated/paddock/tunnel/v1/WorkspaceUsage.js';
export type * from './generated/paddock/tunnel/v1/ResourceControl.js';
export type * from './generated/paddock/tunnel/v1/WorkspaceStatus.js';
export type * from './generated/paddock/tunnel/v1/DialRequest.js';
export type * from './generated/paddock/tunnel/v1/Frame.js';
export type * from './generated/paddock/tunnel/v1/Hello.js';
export type * from './generated/paddock/tunnel/v1/EnrollRequest.js';
export type * from './generated/paddock/tunnel/v1/EnrollResponse.js';
export type { TunnelClient, TunnelHandlers } from './generated/paddock/tunnel/v1/Tunnel.js';

/**
 * The tunnel protocol version, sent in Hello and Welcome.
 * 1: initial version (enroll, control, dial to daemon or port).
 *    Added since (fields only, same version): WorkspaceSpec.llm (the model route),
 *    AgentMessage.usage (token usage from the agent's LLM gateway),
 *    WorkspaceSpec.agent_instructions and .sessions (AGENTS.md, command and claude tabs),
 *    WorkspaceSpec.resources, Hello.resource_control and AgentMessage.workspace_usage (resource limits).
 *    DialRequest.service (OpenCode by name: its port is refused as a port dial).
 */
export const TUNNEL_PROTOCOL_VERSION = 1;

/** Metadata keys on tunnel calls. */
export const TunnelMetadata = {
  agentId: 'agent-id',
  agentSecret: 'agent-secret',
  dialId: 'dial-id',
} as const;

const protoPath = fileURLToPath(new URL('../proto/tunnel.proto', import.meta.url));

let cached: ProtoGrpcType | undefined;

/** Loads the tunnel service definition (once per process). */
export function loadTunnelProto(): ProtoGrpcType {
  if (!cached) {
    const definition = protoLoader.loadSync(protoPath, {
      keepCase: false,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    cached = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  }
  return cached;
}
export { FrameDuplex, type FrameCall } from './frameDuplex.js';

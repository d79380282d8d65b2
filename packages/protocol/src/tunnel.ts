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
export type * from './generated/paddock/tunnel/v1/GovernanceEvents.js';
export type * from './generated/paddock/tunnel/v1/GovernanceHold.js';
export type * from './generated/paddock/tunnel/v1/GovernanceHoldReply.js';
export type * from './generated/paddock/tunnel/v1/GovernanceHoldDecision.js';
export type * from './generated/paddock/tunnel/v1/GovernanceHealth.js';
export type { TunnelClient, TunnelHandlers } from './generated/paddock/tunnel/v1/Tunnel.js';

/**
 * The tunnel protocol version, major.minor, sent in Hello and Welcome
 * (`protocol_version` is the major, `protocol_minor` the minor).
 *
 * A portal and an agent work together when their majors are equal and their
 * minors at most one apart, so either side can be upgraded first, one minor at a
 * time. A minor adds fields or messages the other side may ignore; a major
 * changes a meaning. Bump the minor for every addition below, and say what it is.
 *
 * 1.0: enroll, control, dial to daemon or port; since added as fields: WorkspaceSpec.llm
 *      (the model route), AgentMessage.usage, WorkspaceSpec.agent_instructions and .sessions.
 * 1.1: Hello.protocol_minor and Welcome.protocol_minor; the portal refuses an incompatible agent.
 *      WorkspaceSpec.resources, Hello.resource_control and AgentMessage.workspace_usage (resource limits).
 *      DialRequest.service (OpenCode by name: its port is refused as a port dial; a 1.0 agent reads it
 *      as a daemon dial, so the AI chat fails there with 404s and nothing opens up).
 * 1.2: governance (issue 9). WorkspaceSpec.governance_policy (the workspace's EffectivePolicy as JSON;
 *      a 1.1 agent ignores it and enforces nothing, as before); AgentMessage.governance_events (batched
 *      GovernanceEventReports) and .hold_request (a GovernanceHold, answered at once by
 *      PortalMessage.hold_reply); PortalMessage.hold_decision (an admin decided, or the hold expired).
 *      A 1.1 portal ignores a 1.2 agent's events and holds: its agent's holds time out and are denied.
 * 1.3: GovernanceEventReport.action (the structured action the verdict was about: a command line, a path,
 *      a domain and path, a remote and ref; never content), so the portal can replay events against a draft
 *      policy (the simulator). A 1.2 portal drops the field; a 1.2 agent's events are "not replayable".
 * 1.4: AgentMessage.governance_health (whether each running workspace's hooks, gateway and proxy serve it,
 *      and the mode in force). A 1.3 portal ignores it; an older agent never sends it, so its workspaces are
 *      "unknown" on the portal's governance health, never "healthy".
 *      Also (issue 10, added before 1.4 was released) DialRequest.versions: a stream to the agent's own
 *      version store for a workspace it runs, spoken as HTTP (packages/protocol/src/publishApi.ts). An agent
 *      without it sees a dial naming no target and refuses it: publishing fails there with a clear error,
 *      and nothing else changes. (A minor of its own would put 1.3 agents two minors away, out of reach.)
 * 1.5: budgets (issue 11). LlmRoute.refusal (a used-up "block" budget: the gateway answers model calls with
 *      that message and reaches no model) and UsageRecord.refused (such a refusal, counted by the portal).
 *      A 1.4 agent ignores the refusal and lets calls through; the portal still raises the budget's alerts.
 *      A 1.4 portal never sends one, so a 1.5 agent never refuses.
 * 1.6: published apps (issue 10). WorkspaceSpec.app: the sandbox is an app, created with a version of a
 *      workspace's store as its files. A 1.5 agent ignores the field and would start an empty sandbox that
 *      never answers on the app's port, so the portal places apps only on agents of 1.6 or later.
 */
export const TUNNEL_PROTOCOL = { major: 1, minor: 6 } as const;
/** The major version, as Hello.protocol_version and Welcome.protocol_version carry it. */
export const TUNNEL_PROTOCOL_VERSION = TUNNEL_PROTOCOL.major;

export interface ProtocolVersion { major: number; minor: number }
export const formatProtocol = (v: ProtocolVersion) => `${v.major}.${v.minor}`;

/**
 * Whether a portal and an agent speaking these versions work together, and if
 * not, which one to upgrade: the same words on both sides of the refusal.
 */
export function tunnelCompatibility(portal: ProtocolVersion, agent: ProtocolVersion):
  { ok: true } | { ok: false; upgrade: 'agent' | 'portal'; message: string } {
  if (portal.major === agent.major && Math.abs(portal.minor - agent.minor) <= 1) return { ok: true };
  const older = portal.major !== agent.major ? (agent.major < portal.major ? 'agent' : 'portal') : (agent.minor < portal.minor ? 'agent' : 'portal');
  const accepts = `${portal.major}.${Math.max(0, portal.minor - 1)}–${portal.major}.${portal.minor + 1}`;
  return {
    ok: false,
    upgrade: older,
    message: `tunnel protocol mismatch: the portal speaks ${formatProtocol(portal)} and accepts agents ${accepts}; this agent speaks ${formatProtocol(agent)}. `
      + (older === 'agent' ? 'Upgrade the agent to the portal\'s Paddock version.' : 'Upgrade the portal first (or run an agent of the portal\'s Paddock version).'),
  };
}

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
export { FrameDuplex, type FrameCall, type StreamObserver } from './frameDuplex.js';

import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AgentMessage as _paddock_tunnel_v1_AgentMessage, AgentMessage__Output as _paddock_tunnel_v1_AgentMessage__Output } from './paddock/tunnel/v1/AgentMessage.js';
import type { AppSource as _paddock_tunnel_v1_AppSource, AppSource__Output as _paddock_tunnel_v1_AppSource__Output } from './paddock/tunnel/v1/AppSource.js';
import type { Command as _paddock_tunnel_v1_Command, Command__Output as _paddock_tunnel_v1_Command__Output } from './paddock/tunnel/v1/Command.js';
import type { DialRequest as _paddock_tunnel_v1_DialRequest, DialRequest__Output as _paddock_tunnel_v1_DialRequest__Output } from './paddock/tunnel/v1/DialRequest.js';
import type { DialResult as _paddock_tunnel_v1_DialResult, DialResult__Output as _paddock_tunnel_v1_DialResult__Output } from './paddock/tunnel/v1/DialResult.js';
import type { EnrollRequest as _paddock_tunnel_v1_EnrollRequest, EnrollRequest__Output as _paddock_tunnel_v1_EnrollRequest__Output } from './paddock/tunnel/v1/EnrollRequest.js';
import type { EnrollResponse as _paddock_tunnel_v1_EnrollResponse, EnrollResponse__Output as _paddock_tunnel_v1_EnrollResponse__Output } from './paddock/tunnel/v1/EnrollResponse.js';
import type { Frame as _paddock_tunnel_v1_Frame, Frame__Output as _paddock_tunnel_v1_Frame__Output } from './paddock/tunnel/v1/Frame.js';
import type { GovernanceEvents as _paddock_tunnel_v1_GovernanceEvents, GovernanceEvents__Output as _paddock_tunnel_v1_GovernanceEvents__Output } from './paddock/tunnel/v1/GovernanceEvents.js';
import type { GovernanceHealth as _paddock_tunnel_v1_GovernanceHealth, GovernanceHealth__Output as _paddock_tunnel_v1_GovernanceHealth__Output } from './paddock/tunnel/v1/GovernanceHealth.js';
import type { GovernanceHold as _paddock_tunnel_v1_GovernanceHold, GovernanceHold__Output as _paddock_tunnel_v1_GovernanceHold__Output } from './paddock/tunnel/v1/GovernanceHold.js';
import type { GovernanceHoldDecision as _paddock_tunnel_v1_GovernanceHoldDecision, GovernanceHoldDecision__Output as _paddock_tunnel_v1_GovernanceHoldDecision__Output } from './paddock/tunnel/v1/GovernanceHoldDecision.js';
import type { GovernanceHoldReply as _paddock_tunnel_v1_GovernanceHoldReply, GovernanceHoldReply__Output as _paddock_tunnel_v1_GovernanceHoldReply__Output } from './paddock/tunnel/v1/GovernanceHoldReply.js';
import type { Heartbeat as _paddock_tunnel_v1_Heartbeat, Heartbeat__Output as _paddock_tunnel_v1_Heartbeat__Output } from './paddock/tunnel/v1/Heartbeat.js';
import type { Hello as _paddock_tunnel_v1_Hello, Hello__Output as _paddock_tunnel_v1_Hello__Output } from './paddock/tunnel/v1/Hello.js';
import type { LlmRoute as _paddock_tunnel_v1_LlmRoute, LlmRoute__Output as _paddock_tunnel_v1_LlmRoute__Output } from './paddock/tunnel/v1/LlmRoute.js';
import type { PortalMessage as _paddock_tunnel_v1_PortalMessage, PortalMessage__Output as _paddock_tunnel_v1_PortalMessage__Output } from './paddock/tunnel/v1/PortalMessage.js';
import type { ResourceControl as _paddock_tunnel_v1_ResourceControl, ResourceControl__Output as _paddock_tunnel_v1_ResourceControl__Output } from './paddock/tunnel/v1/ResourceControl.js';
import type { TunnelClient as _paddock_tunnel_v1_TunnelClient, TunnelDefinition as _paddock_tunnel_v1_TunnelDefinition } from './paddock/tunnel/v1/Tunnel.js';
import type { UsageRecord as _paddock_tunnel_v1_UsageRecord, UsageRecord__Output as _paddock_tunnel_v1_UsageRecord__Output } from './paddock/tunnel/v1/UsageRecord.js';
import type { Welcome as _paddock_tunnel_v1_Welcome, Welcome__Output as _paddock_tunnel_v1_Welcome__Output } from './paddock/tunnel/v1/Welcome.js';
import type { WorkspaceResources as _paddock_tunnel_v1_WorkspaceResources, WorkspaceResources__Output as _paddock_tunnel_v1_WorkspaceResources__Output } from './paddock/tunnel/v1/WorkspaceResources.js';
import type { WorkspaceSession as _paddock_tunnel_v1_WorkspaceSession, WorkspaceSession__Output as _paddock_tunnel_v1_WorkspaceSession__Output } from './paddock/tunnel/v1/WorkspaceSession.js';
import type { WorkspaceSpec as _paddock_tunnel_v1_WorkspaceSpec, WorkspaceSpec__Output as _paddock_tunnel_v1_WorkspaceSpec__Output } from './paddock/tunnel/v1/WorkspaceSpec.js';
import type { WorkspaceStatus as _paddock_tunnel_v1_WorkspaceStatus, WorkspaceStatus__Output as _paddock_tunnel_v1_WorkspaceStatus__Output } from './paddock/tunnel/v1/WorkspaceStatus.js';
import type { WorkspaceUsage as _paddock_tunnel_v1_WorkspaceUsage, WorkspaceUsage__Output as _paddock_tunnel_v1_WorkspaceUsage__Output } from './paddock/tunnel/v1/WorkspaceUsage.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  paddock: {
    tunnel: {
      v1: {
        AgentMessage: MessageTypeDefinition<_paddock_tunnel_v1_AgentMessage, _paddock_tunnel_v1_AgentMessage__Output>
        AppSource: MessageTypeDefinition<_paddock_tunnel_v1_AppSource, _paddock_tunnel_v1_AppSource__Output>
        Command: MessageTypeDefinition<_paddock_tunnel_v1_Command, _paddock_tunnel_v1_Command__Output>
        DialRequest: MessageTypeDefinition<_paddock_tunnel_v1_DialRequest, _paddock_tunnel_v1_DialRequest__Output>
        DialResult: MessageTypeDefinition<_paddock_tunnel_v1_DialResult, _paddock_tunnel_v1_DialResult__Output>
        EnrollRequest: MessageTypeDefinition<_paddock_tunnel_v1_EnrollRequest, _paddock_tunnel_v1_EnrollRequest__Output>
        EnrollResponse: MessageTypeDefinition<_paddock_tunnel_v1_EnrollResponse, _paddock_tunnel_v1_EnrollResponse__Output>
        Frame: MessageTypeDefinition<_paddock_tunnel_v1_Frame, _paddock_tunnel_v1_Frame__Output>
        GovernanceEvents: MessageTypeDefinition<_paddock_tunnel_v1_GovernanceEvents, _paddock_tunnel_v1_GovernanceEvents__Output>
        GovernanceHealth: MessageTypeDefinition<_paddock_tunnel_v1_GovernanceHealth, _paddock_tunnel_v1_GovernanceHealth__Output>
        GovernanceHold: MessageTypeDefinition<_paddock_tunnel_v1_GovernanceHold, _paddock_tunnel_v1_GovernanceHold__Output>
        GovernanceHoldDecision: MessageTypeDefinition<_paddock_tunnel_v1_GovernanceHoldDecision, _paddock_tunnel_v1_GovernanceHoldDecision__Output>
        GovernanceHoldReply: MessageTypeDefinition<_paddock_tunnel_v1_GovernanceHoldReply, _paddock_tunnel_v1_GovernanceHoldReply__Output>
        Heartbeat: MessageTypeDefinition<_paddock_tunnel_v1_Heartbeat, _paddock_tunnel_v1_Heartbeat__Output>
        Hello: MessageTypeDefinition<_paddock_tunnel_v1_Hello, _paddock_tunnel_v1_Hello__Output>
        LlmRoute: MessageTypeDefinition<_paddock_tunnel_v1_LlmRoute, _paddock_tunnel_v1_LlmRoute__Output>
        PortalMessage: MessageTypeDefinition<_paddock_tunnel_v1_PortalMessage, _paddock_tunnel_v1_PortalMessage__Output>
        ResourceControl: MessageTypeDefinition<_paddock_tunnel_v1_ResourceControl, _paddock_tunnel_v1_ResourceControl__Output>
        Tunnel: SubtypeConstructor<typeof grpc.Client, _paddock_tunnel_v1_TunnelClient> & { service: _paddock_tunnel_v1_TunnelDefinition }
        UsageRecord: MessageTypeDefinition<_paddock_tunnel_v1_UsageRecord, _paddock_tunnel_v1_UsageRecord__Output>
        Welcome: MessageTypeDefinition<_paddock_tunnel_v1_Welcome, _paddock_tunnel_v1_Welcome__Output>
        WorkspaceResources: MessageTypeDefinition<_paddock_tunnel_v1_WorkspaceResources, _paddock_tunnel_v1_WorkspaceResources__Output>
        WorkspaceSession: MessageTypeDefinition<_paddock_tunnel_v1_WorkspaceSession, _paddock_tunnel_v1_WorkspaceSession__Output>
        WorkspaceSpec: MessageTypeDefinition<_paddock_tunnel_v1_WorkspaceSpec, _paddock_tunnel_v1_WorkspaceSpec__Output>
        WorkspaceStatus: MessageTypeDefinition<_paddock_tunnel_v1_WorkspaceStatus, _paddock_tunnel_v1_WorkspaceStatus__Output>
        WorkspaceUsage: MessageTypeDefinition<_paddock_tunnel_v1_WorkspaceUsage, _paddock_tunnel_v1_WorkspaceUsage__Output>
      }
    }
  }
}


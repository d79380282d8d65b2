// Original file: packages/protocol/proto/tunnel.proto

import type { Hello as _paddock_tunnel_v1_Hello, Hello__Output as _paddock_tunnel_v1_Hello__Output } from '../../../paddock/tunnel/v1/Hello.js';
import type { Heartbeat as _paddock_tunnel_v1_Heartbeat, Heartbeat__Output as _paddock_tunnel_v1_Heartbeat__Output } from '../../../paddock/tunnel/v1/Heartbeat.js';
import type { WorkspaceStatus as _paddock_tunnel_v1_WorkspaceStatus, WorkspaceStatus__Output as _paddock_tunnel_v1_WorkspaceStatus__Output } from '../../../paddock/tunnel/v1/WorkspaceStatus.js';
import type { DialResult as _paddock_tunnel_v1_DialResult, DialResult__Output as _paddock_tunnel_v1_DialResult__Output } from '../../../paddock/tunnel/v1/DialResult.js';
import type { UsageRecord as _paddock_tunnel_v1_UsageRecord, UsageRecord__Output as _paddock_tunnel_v1_UsageRecord__Output } from '../../../paddock/tunnel/v1/UsageRecord.js';
import type { WorkspaceUsage as _paddock_tunnel_v1_WorkspaceUsage, WorkspaceUsage__Output as _paddock_tunnel_v1_WorkspaceUsage__Output } from '../../../paddock/tunnel/v1/WorkspaceUsage.js';
import type { GovernanceEvents as _paddock_tunnel_v1_GovernanceEvents, GovernanceEvents__Output as _paddock_tunnel_v1_GovernanceEvents__Output } from '../../../paddock/tunnel/v1/GovernanceEvents.js';
import type { GovernanceHold as _paddock_tunnel_v1_GovernanceHold, GovernanceHold__Output as _paddock_tunnel_v1_GovernanceHold__Output } from '../../../paddock/tunnel/v1/GovernanceHold.js';
import type { GovernanceHealth as _paddock_tunnel_v1_GovernanceHealth, GovernanceHealth__Output as _paddock_tunnel_v1_GovernanceHealth__Output } from '../../../paddock/tunnel/v1/GovernanceHealth.js';

export interface AgentMessage {
  'hello'?: (_paddock_tunnel_v1_Hello | null);
  'heartbeat'?: (_paddock_tunnel_v1_Heartbeat | null);
  'workspaceStatus'?: (_paddock_tunnel_v1_WorkspaceStatus | null);
  'dialResult'?: (_paddock_tunnel_v1_DialResult | null);
  'usage'?: (_paddock_tunnel_v1_UsageRecord | null);
  'workspaceUsage'?: (_paddock_tunnel_v1_WorkspaceUsage | null);
  'governanceEvents'?: (_paddock_tunnel_v1_GovernanceEvents | null);
  'holdRequest'?: (_paddock_tunnel_v1_GovernanceHold | null);
  'governanceHealth'?: (_paddock_tunnel_v1_GovernanceHealth | null);
  'msg'?: "hello"|"heartbeat"|"workspaceStatus"|"dialResult"|"usage"|"workspaceUsage"|"governanceEvents"|"holdRequest"|"governanceHealth";
}

export interface AgentMessage__Output {
  'hello'?: (_paddock_tunnel_v1_Hello__Output | null);
  'heartbeat'?: (_paddock_tunnel_v1_Heartbeat__Output | null);
  'workspaceStatus'?: (_paddock_tunnel_v1_WorkspaceStatus__Output | null);
  'dialResult'?: (_paddock_tunnel_v1_DialResult__Output | null);
  'usage'?: (_paddock_tunnel_v1_UsageRecord__Output | null);
  'workspaceUsage'?: (_paddock_tunnel_v1_WorkspaceUsage__Output | null);
  'governanceEvents'?: (_paddock_tunnel_v1_GovernanceEvents__Output | null);
  'holdRequest'?: (_paddock_tunnel_v1_GovernanceHold__Output | null);
  'governanceHealth'?: (_paddock_tunnel_v1_GovernanceHealth__Output | null);
  'msg'?: "hello"|"heartbeat"|"workspaceStatus"|"dialResult"|"usage"|"workspaceUsage"|"governanceEvents"|"holdRequest"|"governanceHealth";
}

// Original file: packages/protocol/proto/tunnel.proto

import type { Welcome as _paddock_tunnel_v1_Welcome, Welcome__Output as _paddock_tunnel_v1_Welcome__Output } from '../../../paddock/tunnel/v1/Welcome.js';
import type { Command as _paddock_tunnel_v1_Command, Command__Output as _paddock_tunnel_v1_Command__Output } from '../../../paddock/tunnel/v1/Command.js';
import type { DialRequest as _paddock_tunnel_v1_DialRequest, DialRequest__Output as _paddock_tunnel_v1_DialRequest__Output } from '../../../paddock/tunnel/v1/DialRequest.js';
import type { GovernanceHoldReply as _paddock_tunnel_v1_GovernanceHoldReply, GovernanceHoldReply__Output as _paddock_tunnel_v1_GovernanceHoldReply__Output } from '../../../paddock/tunnel/v1/GovernanceHoldReply.js';
import type { GovernanceHoldDecision as _paddock_tunnel_v1_GovernanceHoldDecision, GovernanceHoldDecision__Output as _paddock_tunnel_v1_GovernanceHoldDecision__Output } from '../../../paddock/tunnel/v1/GovernanceHoldDecision.js';

export interface PortalMessage {
  'welcome'?: (_paddock_tunnel_v1_Welcome | null);
  'command'?: (_paddock_tunnel_v1_Command | null);
  'dial'?: (_paddock_tunnel_v1_DialRequest | null);
  'holdReply'?: (_paddock_tunnel_v1_GovernanceHoldReply | null);
  'holdDecision'?: (_paddock_tunnel_v1_GovernanceHoldDecision | null);
  'msg'?: "welcome"|"command"|"dial"|"holdReply"|"holdDecision";
}

export interface PortalMessage__Output {
  'welcome'?: (_paddock_tunnel_v1_Welcome__Output | null);
  'command'?: (_paddock_tunnel_v1_Command__Output | null);
  'dial'?: (_paddock_tunnel_v1_DialRequest__Output | null);
  'holdReply'?: (_paddock_tunnel_v1_GovernanceHoldReply__Output | null);
  'holdDecision'?: (_paddock_tunnel_v1_GovernanceHoldDecision__Output | null);
  'msg'?: "welcome"|"command"|"dial"|"holdReply"|"holdDecision";
}

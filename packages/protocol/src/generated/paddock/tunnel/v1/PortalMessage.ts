// Original file: packages/protocol/proto/tunnel.proto

import type { Welcome as _paddock_tunnel_v1_Welcome, Welcome__Output as _paddock_tunnel_v1_Welcome__Output } from '../../../paddock/tunnel/v1/Welcome.js';
import type { Command as _paddock_tunnel_v1_Command, Command__Output as _paddock_tunnel_v1_Command__Output } from '../../../paddock/tunnel/v1/Command.js';
import type { DialRequest as _paddock_tunnel_v1_DialRequest, DialRequest__Output as _paddock_tunnel_v1_DialRequest__Output } from '../../../paddock/tunnel/v1/DialRequest.js';

export interface PortalMessage {
  'welcome'?: (_paddock_tunnel_v1_Welcome | null);
  'command'?: (_paddock_tunnel_v1_Command | null);
  'dial'?: (_paddock_tunnel_v1_DialRequest | null);
  'msg'?: "welcome"|"command"|"dial";
}

export interface PortalMessage__Output {
  'welcome'?: (_paddock_tunnel_v1_Welcome__Output | null);
  'command'?: (_paddock_tunnel_v1_Command__Output | null);
  'dial'?: (_paddock_tunnel_v1_DialRequest__Output | null);
  'msg'?: "welcome"|"command"|"dial";
}

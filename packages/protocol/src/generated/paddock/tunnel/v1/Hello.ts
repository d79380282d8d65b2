// Original file: packages/protocol/proto/tunnel.proto

import type { WorkspaceStatus as _paddock_tunnel_v1_WorkspaceStatus, WorkspaceStatus__Output as _paddock_tunnel_v1_WorkspaceStatus__Output } from '../../../paddock/tunnel/v1/WorkspaceStatus.js';
import type { ResourceControl as _paddock_tunnel_v1_ResourceControl, ResourceControl__Output as _paddock_tunnel_v1_ResourceControl__Output } from '../../../paddock/tunnel/v1/ResourceControl.js';

export interface Hello {
  'protocolVersion'?: (number);
  'agentVersion'?: (string);
  'runtime'?: (string);
  'workspaces'?: (_paddock_tunnel_v1_WorkspaceStatus)[];
  'resourceControl'?: (_paddock_tunnel_v1_ResourceControl | null);
  'protocolMinor'?: (number);
}

export interface Hello__Output {
  'protocolVersion': (number);
  'agentVersion': (string);
  'runtime': (string);
  'workspaces': (_paddock_tunnel_v1_WorkspaceStatus__Output)[];
  'resourceControl': (_paddock_tunnel_v1_ResourceControl__Output | null);
  'protocolMinor': (number);
}

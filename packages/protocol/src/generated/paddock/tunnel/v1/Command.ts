// Original file: packages/protocol/proto/tunnel.proto

import type { WorkspaceSpec as _paddock_tunnel_v1_WorkspaceSpec, WorkspaceSpec__Output as _paddock_tunnel_v1_WorkspaceSpec__Output } from '../../../paddock/tunnel/v1/WorkspaceSpec.js';

export interface Command {
  'ensureRunning'?: (_paddock_tunnel_v1_WorkspaceSpec | null);
  'ensureStopped'?: (string);
  'ensureDeleted'?: (string);
  'cmd'?: "ensureRunning"|"ensureStopped"|"ensureDeleted";
}

export interface Command__Output {
  'ensureRunning'?: (_paddock_tunnel_v1_WorkspaceSpec__Output | null);
  'ensureStopped'?: (string);
  'ensureDeleted'?: (string);
  'cmd'?: "ensureRunning"|"ensureStopped"|"ensureDeleted";
}

// Original file: packages/protocol/proto/tunnel.proto

import type { LlmRoute as _paddock_tunnel_v1_LlmRoute, LlmRoute__Output as _paddock_tunnel_v1_LlmRoute__Output } from '../../../paddock/tunnel/v1/LlmRoute.js';
import type { WorkspaceSession as _paddock_tunnel_v1_WorkspaceSession, WorkspaceSession__Output as _paddock_tunnel_v1_WorkspaceSession__Output } from '../../../paddock/tunnel/v1/WorkspaceSession.js';
import type { WorkspaceResources as _paddock_tunnel_v1_WorkspaceResources, WorkspaceResources__Output as _paddock_tunnel_v1_WorkspaceResources__Output } from '../../../paddock/tunnel/v1/WorkspaceResources.js';
import type { AppSource as _paddock_tunnel_v1_AppSource, AppSource__Output as _paddock_tunnel_v1_AppSource__Output } from '../../../paddock/tunnel/v1/AppSource.js';

export interface WorkspaceSpec {
  'workspaceId'?: (string);
  'ownerId'?: (string);
  'blueprintId'?: (string);
  'env'?: ({[key: string]: string});
  'llm'?: (_paddock_tunnel_v1_LlmRoute | null);
  'agentInstructions'?: (string);
  'sessions'?: (_paddock_tunnel_v1_WorkspaceSession)[];
  'resources'?: (_paddock_tunnel_v1_WorkspaceResources | null);
  'governancePolicy'?: (string);
  'app'?: (_paddock_tunnel_v1_AppSource | null);
}

export interface WorkspaceSpec__Output {
  'workspaceId': (string);
  'ownerId': (string);
  'blueprintId': (string);
  'env': ({[key: string]: string});
  'llm': (_paddock_tunnel_v1_LlmRoute__Output | null);
  'agentInstructions': (string);
  'sessions': (_paddock_tunnel_v1_WorkspaceSession__Output)[];
  'resources': (_paddock_tunnel_v1_WorkspaceResources__Output | null);
  'governancePolicy': (string);
  'app': (_paddock_tunnel_v1_AppSource__Output | null);
}

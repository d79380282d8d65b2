// Original file: packages/protocol/proto/tunnel.proto

import type { WorkspaceResources as _paddock_tunnel_v1_WorkspaceResources, WorkspaceResources__Output as _paddock_tunnel_v1_WorkspaceResources__Output } from '../../../paddock/tunnel/v1/WorkspaceResources.js';
import type { Long } from '@grpc/proto-loader';

export interface WorkspaceUsage {
  'workspaceId'?: (string);
  'limits'?: (_paddock_tunnel_v1_WorkspaceResources | null);
  'mechanism'?: (string);
  'diskBytes'?: (number | string | Long);
  'diskMeasuredUnixMs'?: (number | string | Long);
  'diskEnforced'?: (boolean);
  'oomKills'?: (number | string | Long);
  'processLimitHits'?: (number | string | Long);
}

export interface WorkspaceUsage__Output {
  'workspaceId': (string);
  'limits': (_paddock_tunnel_v1_WorkspaceResources__Output | null);
  'mechanism': (string);
  'diskBytes': (string);
  'diskMeasuredUnixMs': (string);
  'diskEnforced': (boolean);
  'oomKills': (string);
  'processLimitHits': (string);
}

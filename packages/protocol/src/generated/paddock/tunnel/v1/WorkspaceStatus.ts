// Original file: packages/protocol/proto/tunnel.proto


export interface WorkspaceStatus {
  'workspaceId'?: (string);
  'state'?: (string);
  'message'?: (string);
}

export interface WorkspaceStatus__Output {
  'workspaceId': (string);
  'state': (string);
  'message': (string);
}

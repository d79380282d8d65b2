// Original file: packages/protocol/proto/tunnel.proto


export interface AppSource {
  'sourceWorkspaceId'?: (string);
  'version'?: (string);
}

export interface AppSource__Output {
  'sourceWorkspaceId': (string);
  'version': (string);
}

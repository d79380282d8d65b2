// Original file: packages/protocol/proto/tunnel.proto


export interface DialRequest {
  'dialId'?: (string);
  'workspaceId'?: (string);
  'daemon'?: (boolean);
  'port'?: (number);
  'target'?: "daemon"|"port";
}

export interface DialRequest__Output {
  'dialId': (string);
  'workspaceId': (string);
  'daemon'?: (boolean);
  'port'?: (number);
  'target'?: "daemon"|"port";
}

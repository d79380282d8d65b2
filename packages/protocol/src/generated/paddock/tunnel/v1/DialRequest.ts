// Original file: packages/protocol/proto/tunnel.proto


export interface DialRequest {
  'dialId'?: (string);
  'workspaceId'?: (string);
  'daemon'?: (boolean);
  'port'?: (number);
  'service'?: (string);
  'versions'?: (boolean);
  'target'?: "daemon"|"port"|"service"|"versions";
}

export interface DialRequest__Output {
  'dialId': (string);
  'workspaceId': (string);
  'daemon'?: (boolean);
  'port'?: (number);
  'service'?: (string);
  'versions'?: (boolean);
  'target'?: "daemon"|"port"|"service"|"versions";
}

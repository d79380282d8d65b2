// Original file: packages/protocol/proto/tunnel.proto


export interface DialResult {
  'dialId'?: (string);
  'ok'?: (boolean);
  'error'?: (string);
}

export interface DialResult__Output {
  'dialId': (string);
  'ok': (boolean);
  'error': (string);
}

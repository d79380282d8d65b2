// Original file: packages/protocol/proto/tunnel.proto


export interface EnrollResponse {
  'agentId'?: (string);
  'secret'?: (string);
}

export interface EnrollResponse__Output {
  'agentId': (string);
  'secret': (string);
}

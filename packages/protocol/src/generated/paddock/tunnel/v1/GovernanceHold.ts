// Original file: packages/protocol/proto/tunnel.proto


export interface GovernanceHold {
  'requestId'?: (string);
  'requestJson'?: (string);
}

export interface GovernanceHold__Output {
  'requestId': (string);
  'requestJson': (string);
}

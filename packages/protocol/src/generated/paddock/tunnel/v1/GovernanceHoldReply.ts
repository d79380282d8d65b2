// Original file: packages/protocol/proto/tunnel.proto


export interface GovernanceHoldReply {
  'requestId'?: (string);
  'heldJson'?: (string);
  'error'?: (string);
}

export interface GovernanceHoldReply__Output {
  'requestId': (string);
  'heldJson': (string);
  'error': (string);
}

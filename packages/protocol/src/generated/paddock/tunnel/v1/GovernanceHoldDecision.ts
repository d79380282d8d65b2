// Original file: packages/protocol/proto/tunnel.proto


export interface GovernanceHoldDecision {
  'decisionJson'?: (string);
}

export interface GovernanceHoldDecision__Output {
  'decisionJson': (string);
}

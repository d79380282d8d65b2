// Original file: packages/protocol/proto/tunnel.proto


export interface GovernanceEvents {
  'eventsJson'?: (string)[];
}

export interface GovernanceEvents__Output {
  'eventsJson': (string)[];
}

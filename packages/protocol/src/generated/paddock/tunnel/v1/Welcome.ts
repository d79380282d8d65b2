// Original file: packages/protocol/proto/tunnel.proto


export interface Welcome {
  'agentId'?: (string);
  'protocolVersion'?: (number);
  'heartbeatIntervalMs'?: (number);
  'protocolMinor'?: (number);
}

export interface Welcome__Output {
  'agentId': (string);
  'protocolVersion': (number);
  'heartbeatIntervalMs': (number);
  'protocolMinor': (number);
}

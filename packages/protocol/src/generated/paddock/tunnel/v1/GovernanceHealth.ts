// Original file: packages/protocol/proto/tunnel.proto


export interface GovernanceHealth {
  'workspaceId'?: (string);
  'hooks'?: (string);
  'gateway'?: (string);
  'proxy'?: (string);
  'mode'?: (string);
  'killSwitch'?: (boolean);
  'stopped'?: (boolean);
}

export interface GovernanceHealth__Output {
  'workspaceId': (string);
  'hooks': (string);
  'gateway': (string);
  'proxy': (string);
  'mode': (string);
  'killSwitch': (boolean);
  'stopped': (boolean);
}

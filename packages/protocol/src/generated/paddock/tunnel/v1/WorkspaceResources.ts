// Original file: packages/protocol/proto/tunnel.proto


export interface WorkspaceResources {
  'cpus'?: (number | string);
  'memoryMib'?: (number);
  'processes'?: (number);
  'tmpMib'?: (number);
  'diskMib'?: (number);
}

export interface WorkspaceResources__Output {
  'cpus': (number);
  'memoryMib': (number);
  'processes': (number);
  'tmpMib': (number);
  'diskMib': (number);
}

// Original file: packages/protocol/proto/tunnel.proto


export interface WorkspaceSession {
  'name'?: (string);
  'command'?: (string);
  'start'?: (boolean);
}

export interface WorkspaceSession__Output {
  'name': (string);
  'command': (string);
  'start': (boolean);
}

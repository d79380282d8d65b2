// Original file: packages/protocol/proto/tunnel.proto


export interface ResourceControl {
  'mechanism'?: (string);
  'note'?: (string);
  'diskEnforced'?: (boolean);
}

export interface ResourceControl__Output {
  'mechanism': (string);
  'note': (string);
  'diskEnforced': (boolean);
}

// Original file: packages/protocol/proto/tunnel.proto


export interface Frame {
  'data'?: (Buffer | Uint8Array | string);
}

export interface Frame__Output {
  'data': (Buffer);
}

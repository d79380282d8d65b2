// Original file: packages/protocol/proto/tunnel.proto


export interface EnrollRequest {
  'token'?: (string);
  'name'?: (string);
  'version'?: (string);
}

export interface EnrollRequest__Output {
  'token': (string);
  'name': (string);
  'version': (string);
}

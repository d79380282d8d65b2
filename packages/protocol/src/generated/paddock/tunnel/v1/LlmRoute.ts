// Original file: packages/protocol/proto/tunnel.proto


export interface LlmRoute {
  'upstreamBaseUrl'?: (string);
  'upstreamApiKey'?: (string);
  'model'?: (string);
  'upstreamFormat'?: (string);
  'refusal'?: (string);
}

export interface LlmRoute__Output {
  'upstreamBaseUrl': (string);
  'upstreamApiKey': (string);
  'model': (string);
  'upstreamFormat': (string);
  'refusal': (string);
}

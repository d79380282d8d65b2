// Original file: packages/protocol/proto/tunnel.proto

import type { Long } from '@grpc/proto-loader';

export interface UsageRecord {
  'workspaceId'?: (string);
  'model'?: (string);
  'inputTokens'?: (number | string | Long);
  'outputTokens'?: (number | string | Long);
  'cacheReadTokens'?: (number | string | Long);
  'cacheWriteTokens'?: (number | string | Long);
  'unixMs'?: (number | string | Long);
  'refused'?: (boolean);
}

export interface UsageRecord__Output {
  'workspaceId': (string);
  'model': (string);
  'inputTokens': (string);
  'outputTokens': (string);
  'cacheReadTokens': (string);
  'cacheWriteTokens': (string);
  'unixMs': (string);
  'refused': (boolean);
}

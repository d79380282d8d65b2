import { describe, expect, it } from 'vitest';
import { parseAddress } from './metricsServer.js';

describe('the metrics address', () => {
  it('takes host:port, IPv6 in brackets', () => {
    expect(parseAddress('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(parseAddress('0.0.0.0:0')).toEqual({ host: '0.0.0.0', port: 0 });
    expect(parseAddress('metrics.internal:9464')).toEqual({ host: 'metrics.internal', port: 9464 });
  });

  it('refuses anything else, saying what it takes', () => {
    for (const bad of ['9464', '127.0.0.1', '127.0.0.1:', '::1:9464', '127.0.0.1:99999', 'http://127.0.0.1:9464', '127.0.0.1:94a4', '']) {
      expect(() => parseAddress(bad), bad).toThrow(/PADDOCK_AGENT_METRICS_ADDRESS must be host:port such as 127\.0\.0\.1:9464 or off/);
    }
  });
});

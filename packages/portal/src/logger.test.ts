import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, logFormat } from './logger.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) { this.text += chunk.toString(); cb(); }
}

describe('the portal logger', () => {
  it('redacts credentials by configuration, wherever a log call puts them', () => {
    const out = new Capture();
    const log = createLogger('info', out);
    const values = {
      password: 'pw-1-do-not-log', token: 'tok-2-do-not-log', ticket: 'tkt-3-do-not-log', secret: 'sec-4-do-not-log',
      apiKey: 'key-5-do-not-log', upstreamApiKey: 'key-6-do-not-log', clientSecret: 'cs-7-do-not-log', csrfToken: 'csrf-8-do-not-log',
      value: 'val-9-do-not-log', enrollmentToken: 'pde-10-do-not-log', masterKey: 'mk-11-do-not-log', newPassword: 'pw-12-do-not-log',
    };
    log.info(values, 'top level');
    log.info({ body: values, llm: { upstreamApiKey: 'key-13-do-not-log' } }, 'one level down');
    log.info({
      req: { method: 'GET', url: '/__paddock/auth?token=tok-14-do-not-log', headers: {} },
    }, 'a request');
    log.child({ component: 'x' }).warn({
      req: { headers: { authorization: 'Bearer tok-15-do-not-log', cookie: 'paddock_session=ses-16-do-not-log', 'x-api-key': 'key-17-do-not-log', 'proxy-authorization': 'Basic p-18-do-not-log', 'x-csrf-token': 'csrf-19-do-not-log' } },
      res: { headers: { 'set-cookie': 'paddock_session=ses-20-do-not-log' } },
    }, 'headers');
    expect(out.text.split('\n').filter(Boolean)).toHaveLength(4);
    expect(out.text).not.toMatch(/do-not-log/);
    expect(out.text).toContain('[redacted]');
  });

  it('writes JSON lines unless it is on a terminal; LOG_FORMAT overrides', () => {
    expect(logFormat({}, { isTTY: false })).toBe('json');
    expect(logFormat({}, {})).toBe('json');
    expect(logFormat({}, { isTTY: true })).toBe('pretty');
    expect(logFormat({ LOG_FORMAT: 'json' }, { isTTY: true })).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'pretty' }, { isTTY: false })).toBe('pretty');
  });
});

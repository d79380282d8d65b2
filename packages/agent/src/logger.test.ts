import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { agentLogFormat, createAgentLogger } from './logger.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) { this.text += chunk.toString(); cb(); }
}

describe('the agent logger', () => {
  it('redacts the credentials the agent handles, by configuration', () => {
    const out = new Capture();
    const log = createAgentLogger('info', out);
    log.info({ secret: 'pda-1-do-not-log', token: 'pde-2-do-not-log', enrollmentToken: 'pde-3-do-not-log' }, 'credentials');
    log.info({ spec: { env: { DB_PASSWORD: 'env-4-do-not-log' }, llm: { upstreamApiKey: 'key-5-do-not-log' } } }, 'a workspace spec, one level down');
    log.child({ component: 'llm-gateway' }).warn({ req: { headers: { 'x-api-key': 'vk-6-do-not-log', authorization: 'Bearer key-7-do-not-log' } }, apiKey: 'key-8-do-not-log' }, 'a gateway request');
    expect(out.text.split('\n').filter(Boolean)).toHaveLength(3);
    expect(out.text).not.toMatch(/do-not-log/);
  });

  it('writes JSON lines off a terminal and readable ones on it', () => {
    expect(agentLogFormat({}, { isTTY: false })).toBe('json');
    expect(agentLogFormat({}, { isTTY: true })).toBe('pretty');
    expect(agentLogFormat({ LOG_FORMAT: 'json' }, { isTTY: true })).toBe('json');
  });
});

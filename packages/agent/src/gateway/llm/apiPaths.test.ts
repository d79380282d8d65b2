import { describe, expect, it } from 'vitest';
import { apiCallOf, parseBaseUrl, upstreamUrl } from './apiPaths.js';

describe('the API paths the gateway forwards', () => {
  it('names the Messages, count_tokens and models calls in origin form, query kept', () => {
    expect(apiCallOf('POST', '/v1/messages?beta=true')).toEqual({ api: 'messages', path: '/v1/messages', query: 'beta=true' });
    expect(apiCallOf('POST', '/v1/messages/count_tokens')).toEqual({ api: 'count_tokens', path: '/v1/messages/count_tokens', query: '' });
    expect(apiCallOf('GET', '/v1/models?limit=20&after_id=x')?.api).toBe('models');
    expect(apiCallOf('GET', '/v1/models/claude-sonnet-4-5-20250929')?.path).toBe('/v1/models/claude-sonnet-4-5-20250929');
  });

  it('names nothing else', () => {
    for (const [method, target] of [
      ['POST', 'http://127.0.0.1:1/v1/messages'], ['POST', '//127.0.0.1:1/v1/messages'], ['POST', '/v1/messages/'],
      ['POST', '/v1//messages'], ['POST', '/v1/./messages'], ['POST', '/v1/%6d%65ssages'], ['POST', '/v1/messages?x#y'],
      ['POST', '/v1/messages?x=\u00e9'], ['GET', '/v1/models/..'], ['GET', '/v1/models/.hidden'], ['GET', '/v1/models/a/b'],
      ['HEAD', '/v1/models'], ['PUT', '/v1/messages'], ['OPTIONS', '*'], ['CONNECT', '127.0.0.1:1'], [undefined, '/v1/messages'],
    ] as const) {
      expect(apiCallOf(method, target), `${method} ${target}`).toBeUndefined();
    }
  });

  it("appends the path to the base URL's own path, on its origin", () => {
    const base = parseBaseUrl('https://llm.example.com/anthropic/');
    expect(upstreamUrl(base, '/v1/messages', 'beta=true').href).toBe('https://llm.example.com/anthropic/v1/messages?beta=true');
    expect(upstreamUrl(parseBaseUrl('https://api.openai.com/v1'), '/chat/completions').href).toBe('https://api.openai.com/v1/chat/completions');
    expect(upstreamUrl(parseBaseUrl('http://127.0.0.1:8080'), '/v1/models').href).toBe('http://127.0.0.1:8080/v1/models');
  });

  it('refuses, as a second check, any path that would resolve outside the base path', () => {
    const base = parseBaseUrl('https://llm.example.com/anthropic');
    for (const path of ['/../x', '/%2e%2e/x', '/.%2E/x', '/v1\\..\\..\\x', '/v1/./messages']) {
      expect(() => upstreamUrl(base, path), path).toThrow(/does not stay under/);
    }
    expect(() => parseBaseUrl('file:///etc/passwd')).toThrow(/must be http/);
  });
});

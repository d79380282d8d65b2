/**
 * The only requests the gateway sends on, with the real provider key: the
 * Messages API paths the workspace's tools call (Claude Code, OpenCode), in
 * origin form. The request target comes from inside a workspace and is hostile:
 * it is matched against these shapes as raw bytes, never resolved as a URL, so
 * no `//host`, absolute form, dot segment, percent-encoding or backslash can
 * change where the call goes.
 */
export type GatewayApi = 'messages' | 'count_tokens' | 'models';

export interface ApiCall {
  api: GatewayApi;
  /** Exactly one of the allowed paths, e.g. /v1/messages. */
  path: string;
  /** The query without its '?' ('' for none), e.g. Claude Code's beta=true. */
  query: string;
}

// Model ids as the APIs name them (claude-sonnet-4-5-20250929); the first character keeps out dot segments.
const modelId = '[A-Za-z0-9][A-Za-z0-9._-]{0,127}';
const apis: ReadonlyArray<{ api: GatewayApi; method: string; path: RegExp }> = [
  { api: 'messages', method: 'POST', path: /^\/v1\/messages$/ },
  { api: 'count_tokens', method: 'POST', path: /^\/v1\/messages\/count_tokens$/ },
  { api: 'models', method: 'GET', path: new RegExp(`^/v1/models(?:/${modelId})?$`) },
];

// RFC 3986 query characters (a '#' never belongs in a request target), bounded.
const queryPattern = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2}){0,2048}$/;

/** The API call a request names, or undefined for anything else (which the gateway answers 404). */
export function apiCallOf(method: string | undefined, target: string | undefined): ApiCall | undefined {
  // Origin form only: the absolute ("http://…"), authority and asterisk forms never start with '/'.
  if (!target?.startsWith('/')) return undefined;
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  if (!queryPattern.test(query)) return undefined;
  const match = apis.find((a) => a.method === method && a.path.test(path));
  return match && { api: match.api, path, query };
}

/** A route's base URL, checked once when its listener opens. */
export function parseBaseUrl(baseUrl: string): URL {
  const base = new URL(baseUrl);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`the LLM upstream must be http(s), got ${base.protocol}`);
  return base;
}

/**
 * The upstream URL of an API path: the path appended to the base's own path
 * (https://host/anthropic + /v1/messages), the tool's query kept. Throws
 * unless the result is on the base's origin and under its path, so a request
 * that got this far still can't leave for anywhere else.
 */
export function upstreamUrl(base: URL, path: string, query = ''): URL {
  const wanted = `${base.pathname.replace(/\/+$/, '')}${path}`;
  const target = new URL(base.href);
  target.pathname = wanted;
  target.search = query;
  target.hash = '';
  if (target.origin !== base.origin || target.pathname !== wanted) {
    throw new Error(`${path} does not stay under the model route's base URL`);
  }
  return target;
}

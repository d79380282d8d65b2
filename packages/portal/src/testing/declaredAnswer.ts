import type { Route } from '../api/route.js';

/**
 * Why a successful answer is not what its route declares (api/route.ts), or null when
 * it is: the JSON body its schema describes, nothing for 'no-content', an event stream
 * for 'event-stream', a body for 'file'. The authorization and security suites ask it of every allowed call.
 */
export function undeclaredAnswer(r: Pick<Route, 'response'>, res: { body?: unknown; text?: string; headers?: Record<string, unknown> }): string | null {
  switch (r.response) {
    case 'no-content':
      return res.body === undefined && !res.text ? null : 'a body where the route declares none';
    case 'event-stream':
      return String(res.headers?.['content-type'] ?? '').startsWith('text/event-stream') ? null : 'not an event stream';
    case 'redirect':
      return null;
    case 'file':
      return res.text ? null : 'an empty file';
    default: {
      const parsed = r.response.safeParse(res.body ?? null);
      return parsed.success ? null : `the body does not match the route's response schema: ${parsed.error.message.slice(0, 500)}`;
    }
  }
}

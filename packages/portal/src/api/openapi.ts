import { z } from 'zod';
import { apiErrorSchema } from '@paddock/protocol';
import type { Route, RouteResponse, WebSocketRoute } from './route.js';

const toJson = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'openapi-3.0' });

/** A route's success answer: its JSON body's schema, or what it answers instead. */
function answerOf(response: RouteResponse) {
  switch (response) {
    case 'no-content': return { description: 'No content' };
    case 'redirect': return { description: 'A redirect' };
    case 'event-stream': return { description: 'Server-sent events', content: { 'text/event-stream': {} } };
    case 'file': return { description: 'A file, in its own media type', content: { '*/*': {} } };
    default: return { description: 'OK', content: { 'application/json': { schema: toJson(response, 'output') } } };
  }
}

/** The OpenAPI document, generated from the same route table the server runs. */
export function openApiDocument(routes: Route[], wsRoutes: WebSocketRoute[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  const error = { description: 'Error', content: { 'application/json': { schema: toJson(apiErrorSchema, 'output') } } };
  for (const r of routes) {
    const path = r.url.replace(/:([a-zA-Z]+)/g, '{$1}');
    const params = [...r.url.matchAll(/:([a-zA-Z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const status = String(r.status ?? 200);
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      'x-paddock-access': r.access,
      security: r.access === 'public' ? [] : r.access === 'scim' ? [{ scim: [] }] : [{ bearer: [] }, { session: [] }],
      parameters: params,
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: toJson(r.body, 'input') } } } } : {}),
      responses: {
        [status]: answerOf(r.response),
        default: error,
      },
    };
  }
  for (const w of wsRoutes) {
    const path = w.url.replace(/:([a-zA-Z]+)/g, '{$1}');
    (paths[path] ??= {}).get = { summary: `WebSocket: ${w.summary}`, 'x-paddock-access': w.access, responses: { 101: { description: 'Switching protocols' } } };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Paddock API', version: '1' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A personal API token' },
        session: { type: 'apiKey', in: 'cookie', name: 'paddock_session', description: 'Browser session; writes also need the x-csrf-token header' },
        scim: { type: 'http', scheme: 'bearer', description: 'The SCIM token (POST /api/v1/admin/scim-tokens); accepted on /scim/v2 only' },
      },
    },
    paths,
  };
}

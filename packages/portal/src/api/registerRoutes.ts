import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { wellFormedString, type Role } from '@paddock/protocol';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../errors.js';
import { ID_PATTERN } from '../ids.js';
import type { PortalServices } from '../services.js';
import type { UserActor } from '../auth/actor.js';
import { authenticate } from './authenticate.js';
import { checkWellFormed, parseInput } from './parse.js';
import { SCIM_MEDIA_TYPE, scimErrorHandler } from '../scim/scimErrors.js';
import { ScimToken } from '../scim/scimToken.js';
import type { Access, Method, Route } from './route.js';

/** Whether a signed-in actor may call a route of this access level with this method. */
export function allowed(access: Access, role: Role, method: Method): boolean {
  switch (access) {
    case 'public':
    case 'self':
      return true;
    case 'user':
      return role !== 'auditor' || method === 'GET';
    case 'auditor':
      return method === 'GET' && (role === 'admin' || role === 'auditor');
    case 'admin':
      return role === 'admin';
    case 'ticket':
    case 'scim':
      return false;
  }
}

const idParam = wellFormedString().regex(ID_PATTERN);
const textParam = wellFormedString();

/** What a path parameter names, for its 404: `/api/v1/workspaces/:id/files` → workspace, `/scim/v2/Users/:id` → User. */
function namedBy(url: string, param: string): string {
  const segments = url.split('/');
  const collection = segments[segments.indexOf(`:${param}`) - 1] ?? 'resource';
  return collection.endsWith('s') ? collection.slice(0, -1) : collection;
}

/**
 * The route's path parameters, checked before any handler sees them: `:id` is an
 * id (ids.ts), anything else well-formed text, unless the route says otherwise.
 * A parameter that can't name anything answers like one that names nothing: 404.
 */
function paramsCheck(r: Route): (params: Record<string, string>) => void {
  const checks = [...r.url.matchAll(/:([a-zA-Z]+)/g)].map(([, name]) => ({
    name: name!, schema: (r.params as Record<string, z.ZodType<string>> | undefined)?.[name!] ?? (name === 'id' ? idParam : textParam), what: namedBy(r.url, name!),
  }));
  return (params) => {
    for (const c of checks) if (!c.schema.safeParse(params[c.name]).success) throw new NotFoundError(c.what);
  };
}

/** Registers the route table. Authorization happens here and nowhere else; so does the first look at the input. */
export function registerRoutes(app: FastifyInstance, routes: Route[], services: PortalServices) {
  for (const r of routes) {
    if (r.access === 'auditor' && r.method !== 'GET') throw new Error(`${r.method} ${r.url}: auditor routes are reads`);
    const checkParams = paramsCheck(r);
    app.route({
      method: r.method,
      url: r.url,
      ...(r.bodyLimit ? { bodyLimit: r.bodyLimit } : {}),
      // SCIM clients parse SCIM's error body (RFC 7644 §3.12), not ours.
      ...(r.access === 'scim' ? { errorHandler: scimErrorHandler } : {}),
      handler: async (req, reply) => {
        let actor: UserActor | null = null;
        if (r.access === 'scim') {
          await new ScimToken(services.secrets).authenticate(req);
          void reply.type(SCIM_MEDIA_TYPE);
        } else if (r.access !== 'public') {
          actor = await authenticate(req, services.identity);
          if (!actor) throw new UnauthenticatedError();
          if (!allowed(r.access, actor.user.role, r.method)) {
            throw new ForbiddenError(actor.user.role === 'auditor' ? 'auditors have read-only access' : 'only admins can do that');
          }
        }
        const params = req.params as Record<string, string>;
        checkParams(params);
        // Every string of every request is checked, also where no schema reads it here (a handler may parse it later).
        if (!r.body) checkWellFormed(req.body, 'request body');
        if (!r.query) checkWellFormed(req.query, 'query');
        const body = r.body ? parseInput(r.body, req.body, 'request body') : undefined;
        const query = r.query ? parseInput(r.query, req.query, 'query') : undefined;
        const result = await r.handler({ req, reply, actor: actor as UserActor, body, query, params, services });
        if (reply.sent) return reply;
        void reply.status(r.status ?? 200);
        return result === undefined ? reply.send() : result;
      },
    });
  }
}

import type { FastifyInstance } from 'fastify';
import { ForbiddenError, UnauthenticatedError } from '../errors.js';
import type { PortalServices } from '../services.js';
import type { UserActor } from '../auth/actor.js';
import { authenticate } from './authenticate.js';
import { parseInput } from './parse.js';
import { SCIM_MEDIA_TYPE, scimErrorHandler } from '../scim/scimErrors.js';
import { ScimToken } from '../scim/scimToken.js';
import type { Access, Method, Route } from './route.js';
import type { Role } from '@paddock/protocol';

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

/** Registers the route table. Authorization happens here and nowhere else. */
export function registerRoutes(app: FastifyInstance, routes: Route[], services: PortalServices) {
  for (const r of routes) {
    if (r.access === 'auditor' && r.method !== 'GET') throw new Error(`${r.method} ${r.url}: auditor routes are reads`);
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
        const body = r.body ? parseInput(r.body, req.body, 'request body') : undefined;
        const query = r.query ? parseInput(r.query, req.query, 'query') : undefined;
        const result = await r.handler({
          req, reply, actor: actor as UserActor, body, query,
          params: req.params as Record<string, string>, services,
        });
        if (reply.sent) return reply;
        void reply.status(r.status ?? 200);
        return result === undefined ? reply.send() : result;
      },
    });
  }
}

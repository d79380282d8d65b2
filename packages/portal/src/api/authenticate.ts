// Plugin type augmentations must be imported where they are used (NodeNext resolution).
import type {} from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import { CSRF_HEADER, SESSION_COOKIE } from '@paddock/protocol';
import type { UserActor } from '../auth/actor.js';
import type { Identity } from '../auth/identity.js';
import { ForbiddenError, UnauthenticatedError } from '../errors.js';
import { safeEqual } from '../ids.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The request's actor, from a bearer token or the session cookie, or null.
 * Cookie-authenticated writes must carry the session's CSRF token in a header:
 * another site can make a browser send our cookie, but it can't read the token.
 */
export async function authenticate(req: FastifyRequest, identity: Identity): Promise<UserActor | null> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthenticatedError('the Authorization header must be "Bearer <token>"');
    const actor = await identity.actorFromToken(match[1]!);
    if (!actor) throw new UnauthenticatedError('the API token is not valid');
    return actor;
  }
  const sessionId = req.cookies[SESSION_COOKIE];
  if (!sessionId) return null;
  const actor = await identity.actorFromSession(sessionId);
  if (!actor) return null;
  if (!SAFE_METHODS.has(req.method)) {
    const sent = req.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !actor.csrfToken || !safeEqual(sent, actor.csrfToken)) {
      throw new ForbiddenError(`cookie-authenticated writes need the ${CSRF_HEADER} header`);
    }
  }
  return actor;
}

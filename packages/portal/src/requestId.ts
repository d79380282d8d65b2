import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * Every request gets an id, returned as `x-request-id` and put on every log
 * line written while it is served, by whichever logger writes it (the services
 * log through the portal's root logger, not the request's).
 */
export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's own id (a load balancer's or a client's) is kept only if it is a short, plain token; a log line is no place for anything else. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  if (typeof given === 'string' && SAFE_REQUEST_ID.test(given)) return given;
  return randomBytes(8).toString('hex');
}

export const requestContext = new AsyncLocalStorage<{ reqId: string }>();

/** The id of the request being served here, if any (read by the logger's mixin). */
export const currentRequestId = (): string | undefined => requestContext.getStore()?.reqId;

/** Runs the rest of each request inside its context (a callback hook: the context flows into what `done` starts), and answers with its id. */
export function registerRequestIds(app: FastifyInstance): void {
  app.addHook('onRequest', (req, reply, done) => {
    reply.header(REQUEST_ID_HEADER, req.id);
    requestContext.run({ reqId: req.id }, done);
  });
}

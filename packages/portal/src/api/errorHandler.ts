import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, RateLimitedError } from '../errors.js';
import { SCIM_MEDIA_TYPE, scimErrorBody, scimErrorHandler } from '../scim/scimErrors.js';
import { fastifyClientFault, httpReason, parserFault } from './clientFaults.js';

/** The API's one error handler: every failure becomes {"error":{"code","message"}}. */
export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof ApiError) {
    if (err instanceof RateLimitedError) void reply.header('retry-after', String(err.retryAfterSeconds));
    return reply.status(err.status).send({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
  }
  const fault = fastifyClientFault(err);
  if (fault) return reply.status(fault.status).send({ error: { code: fault.code, message: fault.message } });
  req.log.error({ err }, 'unhandled error');
  return reply.status(500).send({ error: { code: 'internal', message: 'something went wrong on our side; it has been logged' } });
}

const isScimPath = (path: string) => path.startsWith('/scim/');

/**
 * Errors before any route is chosen (Fastify's `frameworkErrors`: a URL that is
 * not valid, a parameter over maxParamLength) and requests no route takes (the
 * not-found handler): SCIM's paths answer in SCIM's body, all others in ours.
 */
export function beforeRouteErrorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  return isScimPath(req.url) ? scimErrorHandler(err, req, reply) : errorHandler(err, req, reply);
}

/**
 * Fastify's `clientErrorHandler` (Node's 'clientError'): the HTTP parser refused
 * the request before Fastify saw it (headers too large, an unknown method, not
 * HTTP at all). Answers in the same shape as every other error, then closes the
 * connection, whose state is unknown.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const fault = parserFault(err);
  const [type, body] = isScimPath(fault.path)
    ? [SCIM_MEDIA_TYPE, JSON.stringify(scimErrorBody(fault.status, undefined, fault.message))]
    : ['application/json; charset=utf-8', JSON.stringify({ error: { code: fault.code, message: fault.message } })];
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${fault.status} ${httpReason[fault.status]}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}


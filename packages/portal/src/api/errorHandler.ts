import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, RateLimitedError } from '../errors.js';

/** Fastify's own client errors (bad JSON, wrong content type, body too large) keep their status. */
const fastifyCodes: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_input',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_input',
};

/** The API's one error handler: every failure becomes {"error":{"code","message"}}. */
export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof ApiError) {
    if (err instanceof RateLimitedError) void reply.header('retry-after', String(err.retryAfterSeconds));
    return reply.status(err.status).send({ error: { code: err.code, message: err.message } });
  }
  const fe = err as FastifyError;
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = (fe.code && fastifyCodes[fe.code]) ?? 'bad_request';
    const message = fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'the body is not valid JSON' : fe.message;
    return reply.status(fe.statusCode).send({ error: { code, message } });
  }
  req.log.error({ err }, 'unhandled error');
  return reply.status(500).send({ error: { code: 'internal', message: 'something went wrong on our side; it has been logged' } });
}

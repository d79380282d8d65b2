import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fastifyClientFault } from '../api/clientFaults.js';
import { ApiError, ConflictError, InputError, LastAdminError } from '../errors.js';

export const SCIM_MEDIA_TYPE = 'application/scim+json; charset=utf-8';
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * A SCIM protocol error (RFC 7644 §3.12): an HTTP status and, for 400s and 409s,
 * a `scimType` keyword (invalidFilter, invalidValue, invalidPath, noTarget,
 * mutability, uniqueness, invalidSyntax, tooMany…).
 */
export class ScimError extends ApiError {
  constructor(status: number, readonly scimType: string | undefined, detail: string) {
    super(status, scimType ?? 'scim_error', detail);
  }
}

export const scimErrorBody = (status: number, scimType: string | undefined, detail: string) => ({
  schemas: [SCIM_ERROR_SCHEMA],
  status: String(status),
  ...(scimType ? { scimType } : {}),
  detail,
});

/** Fastify's own client errors on SCIM routes: bad JSON is invalidSyntax, the rest keep their status. */
function fromFastify(err: FastifyError): { status: number; scimType?: string; detail: string } | null {
  const fault = fastifyClientFault(err);
  if (!fault) return null;
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return { status: 400, scimType: 'invalidSyntax', detail: 'the body is not valid JSON' };
  }
  return { status: fault.status, detail: fault.message };
}

/**
 * SCIM routes answer in SCIM's error shape, not the /api/v1 one: identity
 * providers parse it (RFC 7644 §3.12). The mapping from our typed errors:
 * 400 input → invalidValue, the last admin → 400 mutability (the user's current
 * state forbids the change), 409 → uniqueness; other statuses carry no scimType.
 */
export function scimErrorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  let status: number;
  let scimType: string | undefined;
  let detail: string;
  const fastify = err instanceof ApiError ? null : fromFastify(err as FastifyError);
  if (err instanceof ScimError) ({ status, scimType, message: detail } = err);
  else if (err instanceof InputError) { status = 400; scimType = 'invalidValue'; detail = err.message; }
  else if (err instanceof LastAdminError) { status = 400; scimType = 'mutability'; detail = err.message; }
  else if (err instanceof ConflictError) { status = 409; scimType = 'uniqueness'; detail = err.message; }
  else if (err instanceof ApiError) { status = err.status; detail = err.message; }
  else if (fastify) ({ status, scimType, detail } = fastify);
  else {
    req.log.error({ err }, 'unhandled error');
    status = 500;
    detail = 'something went wrong on our side; it has been logged';
  }
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="scim"');
  return reply.status(status).type(SCIM_MEDIA_TYPE).send(scimErrorBody(status, scimType, detail));
}

/** SCIM bodies arrive as application/scim+json (RFC 7644 §3.1); they parse like JSON. */
export function registerScimContentType(app: FastifyInstance) {
  app.addContentTypeParser('application/scim+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
}

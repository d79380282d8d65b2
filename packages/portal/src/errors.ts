/**
 * Typed errors thrown by services. The API's one error handler turns them into
 * `{"error":{"code","message"}}` with their status; anything else becomes a 500
 * with a generic message (the details go to the log, never to the client).
 */
export class ApiError extends Error {
  /** What a client needs beyond the words to act on the error (the UI offers to stop one of `running`); sent as error.details. */
  details: Record<string, unknown> | undefined;

  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class InputError extends ApiError {
  constructor(message: string) { super(400, 'invalid_input', message); }
}
export class UnauthenticatedError extends ApiError {
  constructor(message = 'sign in first') { super(401, 'unauthenticated', message); }
}
export class InvalidCredentialsError extends ApiError {
  constructor() { super(401, 'invalid_credentials', 'wrong email or password'); }
}
export class ForbiddenError extends ApiError {
  constructor(message = 'you are not allowed to do that') { super(403, 'forbidden', message); }
}
/** Also what a caller gets for something that exists but isn't theirs: nothing leaks. */
export class NotFoundError extends ApiError {
  constructor(what: string) { super(404, 'not_found', `${what} not found`); }
}
/**
 * The workspace's owner may no longer use its blueprint (an access list, a group or
 * a role changed): it can't start. Not a 404: the owner still sees their workspace.
 */
export class BlueprintAccessLostError extends ApiError {
  constructor(ownWorkspace: boolean) {
    super(403, 'blueprint_access_lost', ownWorkspace
      ? "you may no longer use this workspace's blueprint, so it can't start; its files are kept. Ask an admin for access"
      : "this workspace's owner may no longer use its blueprint, so it can't start; its files are kept");
  }
}
export class ConflictError extends ApiError {
  constructor(message: string) { super(409, 'conflict', message); }
}
/**
 * A start or create past the resource policy's running limit. Not a plain conflict: the
 * message names what runs, and details.running lists it, so the UI can offer to stop one.
 */
export class QuotaExceededError extends ApiError {
  constructor(limit: number, running: { id: string; name: string }[], ownWorkspaces: boolean) {
    const names = running.map((w) => w.name).join(', ');
    super(409, 'quota_exceeded', ownWorkspaces
      ? `you may run ${limit} workspace${limit === 1 ? '' : 's'} at once, and ${running.length === 1 ? 'this one runs' : 'these run'}: ${names}. Stop one of them first`
      : `its owner may run ${limit} workspace${limit === 1 ? '' : 's'} at once, and ${running.length === 1 ? 'this one runs' : 'these run'}: ${names}`);
    this.details = { limit, running };
  }
}

/** The organisation always keeps one active admin: refused for a demotion, a removal or a deactivation. */
export class LastAdminError extends ConflictError {
  constructor() { super('this is the last active admin; make someone else an admin first'); }
}
export class RateLimitedError extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'rate_limited', `too many attempts; try again in ${retryAfterSeconds} s`);
  }
}
export class UnavailableError extends ApiError {
  constructor(message: string) { super(503, 'unavailable', message); }
}
/** A workspace (its daemon, a port, a service) refused the connection, broke it off, or answered with something that is not HTTP. */
export class WorkspaceUnreachableError extends ApiError {
  constructor(message: string) { super(502, 'workspace_unreachable', message); }
}
/** A workspace (or its agent) did not answer in time. */
export class WorkspaceTimeoutError extends ApiError {
  constructor(message: string) { super(504, 'workspace_timeout', message); }
}

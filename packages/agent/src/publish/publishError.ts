/**
 * What the version store and the checks refuse, by kind: a caller (the tunnel
 * command, later) maps `not-found` and `invalid` to the request's fault,
 * `refused` and `too-large` to the workspace's, with the message shown as is.
 * `remote`: a git remote a version was pushed to failed in a way that is neither
 * (unreachable, a server error); worth trying again.
 */
export type PublishErrorCode = 'not-found' | 'refused' | 'too-large' | 'invalid' | 'remote';

export class PublishError extends Error {
  constructor(
    readonly code: PublishErrorCode,
    message: string,
  ) {
    super(message);
  }
}

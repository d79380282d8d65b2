/**
 * Why a dial through the tunnel failed. `offline`: the workspace's agent is not connected;
 * `lost`: it disconnected while the dial waited; `refused`: the agent answered that it can't
 * reach the target (the workspace doesn't run there, nothing listens on the port, the daemon
 * refused the port); `timeout`: the agent didn't answer at all in time.
 * Callers turn it into an API error with `workspaceHttpError` (workspaceHttp.ts).
 */
export type DialFailure = 'offline' | 'lost' | 'refused' | 'timeout';

export class DialError extends Error {
  constructor(readonly failure: DialFailure, message: string) {
    super(message);
    this.name = 'DialError';
  }
}

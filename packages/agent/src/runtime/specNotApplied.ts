/**
 * What `ensureRunning` rejects with when the workspace already runs and part of
 * the spec sent again could not be applied (the gateway could not take its
 * model route). The workspace runs on as it was, so its state must not change:
 * the agent logs it, and the portal sends the spec again.
 */
export class SpecNotAppliedError extends Error {
  override readonly name = 'SpecNotAppliedError';

  constructor(readonly workspaceId: string, what: string, readonly reason: unknown) {
    super(`workspace ${workspaceId} runs on, but its ${what} could not be applied: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
}

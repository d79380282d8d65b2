/**
 * What Workspaces.ensureRunning rejects with when the workspace already runs
 * and a bridge could not take the spec sent again (the gateway refused its
 * model route, its socket could not be exposed). The workspace runs on as it
 * was, so its state must not change: the agent logs it, and the portal sends
 * the spec again.
 */
export class SpecNotAppliedError extends Error {
  override readonly name = 'SpecNotAppliedError';

  constructor(readonly workspaceId: string, what: string, readonly reason: unknown) {
    super(`workspace ${workspaceId} runs on, but its ${what} could not be applied: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
}

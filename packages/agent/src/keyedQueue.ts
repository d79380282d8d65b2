/**
 * Runs operations one at a time per key (a workspace id), keys in parallel:
 * concurrent calls for one workspace then stay idempotent. An operation that
 * fails doesn't hold up the next; its caller gets the failure.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(operation);
    this.tails.set(key, next);
    const forget = () => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    };
    next.then(forget, forget);
    return next;
  }

  /** Resolves once every operation queued so far has ended, however it ended. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.tails.values()]);
  }
}

/**
 * Level-triggered work (a pass that reads the current state and acts on it) run
 * "now, and once more if anything changed meanwhile": runs never overlap, and any
 * number of triggers during a run coalesce into one more run after it, which sees
 * every change they stood for. Also on a timer, for what no trigger announces.
 * The reconciler and the blueprint-access sweep are two.
 */
export class SingleFlight {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  /** `onError` hears a run that failed; the next trigger runs again all the same. */
  constructor(private readonly run: () => Promise<unknown>, private readonly onError: (err: unknown) => void) {}

  /** Runs now and then every `everyMs`, until stopped. */
  start(everyMs: number): void {
    this.timer = setInterval(() => this.trigger(), everyMs);
    this.trigger();
  }

  /** Runs now, or once more after the run under way. */
  trigger(): void {
    if (this.stopped) return;
    if (this.running) { this.again = true; return; }
    this.running = this.run()
      .then(() => undefined, this.onError)
      .finally(() => {
        this.running = undefined;
        if (this.again) { this.again = false; this.trigger(); }
      });
  }

  /** Resolves when no run is under way or due. */
  async settled(): Promise<void> { while (this.running) await this.running; }

  /** No run starts after this; resolves when the one under way has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}

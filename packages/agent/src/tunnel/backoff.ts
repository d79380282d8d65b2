/** Exponential backoff with full jitter, so a fleet of agents doesn't reconnect in step. */
export class Backoff {
  private attempt = 0;
  constructor(private readonly initialMs = 250, private readonly maxMs = 10_000) {}
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt += 1;
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }
  reset(): void { this.attempt = 0; }
}

/** Time, injected wherever it matters (tickets, sessions, rate limits) so tests control it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  private ms: number;
  constructor(start = new Date('2026-01-01T00:00:00Z')) { this.ms = start.getTime(); }
  now() { return new Date(this.ms); }
  advance(ms: number) { this.ms += ms; }
}

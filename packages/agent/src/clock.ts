/** The agent's clock is the shared one (protocol's clock.ts, the only module that reads system time). */
export { FakeClock, systemClock, deadlineIn, stopwatch, type Clock, type Deadline } from '@paddock/protocol';

/**
 * How a process ended, in words a builder understands: "The app was stopped" rather than
 * SIGTERM or exit 143. A shell reports a process ended by signal N as exit code 128 + N.
 */
const SIGNALS: Record<number, string> = {
  1: 'was stopped because its terminal closed',
  2: 'was interrupted (Ctrl+C)',
  9: 'was stopped by force — it may have used more memory than the workspace allows',
  15: 'was stopped',
};
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** How a process ended, as what follows its subject ("was stopped"), from its exit code or signal (a number or a name); null for a clean exit. */
export function exitReason(exit: { code?: number | null; signal?: number | string | null }): string | null {
  const signal = typeof exit.signal === 'string' ? SIGNAL_NUMBERS[exit.signal.toUpperCase()] ?? null : exit.signal ?? null;
  const bySignal = signal ?? (exit.code != null && exit.code > 128 && exit.code < 160 ? exit.code - 128 : null);
  if (bySignal !== null) return SIGNALS[bySignal] ?? `was stopped by the system (signal ${bySignal})`;
  if (exit.code != null && exit.code !== 0) {
    if (exit.code === 127) return 'stopped: a program it needs is not installed';
    if (exit.code === 126) return 'stopped: a file it needs cannot be run';
    return `stopped with an error (code ${exit.code})`;
  }
  return null;
}

/** A process's end as one sentence: "The app was stopped." */
export function describeExit(what: string, exit: { code?: number | null; signal?: number | string | null }): string {
  const reason = exitReason(exit);
  return reason ? `${what} ${reason}.` : `${what} ended.`;
}

/** An exit code or signal named in a tool's message ("exit code 143", "killed by SIGTERM"), explained; null when it names none. */
export function explainExitIn(text: string): string | null {
  const signal = /\b(SIGHUP|SIGINT|SIGKILL|SIGTERM)\b/i.exec(text)?.[1];
  if (signal) return describeExit('The app', { signal });
  const code = /\bexit(?:ed)?(?: with)?(?: (?:code|status))?[ :]+(\d{1,3})\b/i.exec(text)?.[1];
  if (code && Number(code) !== 0) return describeExit('The app', { code: Number(code) });
  return null;
}

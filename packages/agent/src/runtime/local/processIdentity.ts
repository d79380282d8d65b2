import { readFileSync } from 'node:fs';

/** A pid plus its kernel start time: together they name one process, even after the pid is reused. */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

/** Reads a live process's identity; undefined when it is gone or a zombie. */
export function readProcessIdentity(pid: number): ProcessIdentity | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses, so fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = fields[19];
  if (state === undefined || startTime === undefined || state === 'Z' || state === 'X') return undefined;
  return { pid, startTime };
}

export function isAlive(identity: ProcessIdentity): boolean {
  return readProcessIdentity(identity.pid)?.startTime === identity.startTime;
}

/** Sends SIGKILL only if the pid still names the recorded process. */
export function killIfSame(identity: ProcessIdentity): void {
  if (!isAlive(identity)) return;
  try {
    process.kill(identity.pid, 'SIGKILL');
  } catch {
    // It ended between the check and the kill.
  }
}

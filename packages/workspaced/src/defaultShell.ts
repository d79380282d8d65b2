import { existsSync } from 'node:fs';

/** A login shell, so the user's profile runs as in an ordinary terminal. */
export function defaultShell(): { file: string; args: string[] } {
  if (existsSync('/bin/bash')) return { file: '/bin/bash', args: ['-l'] };
  return { file: '/bin/sh', args: ['-l'] };
}

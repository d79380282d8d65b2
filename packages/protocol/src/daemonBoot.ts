import { z } from 'zod';
import { wellFormedString } from './strings.js';
import { sessionCommandSchema, sessionNameSchema } from './daemon.js';

/**
 * What the workspace daemon sets up when it starts, from the blueprint: the
 * agent writes it as JSON to `<run dir>/boot.json` (/run/paddock/boot.json in
 * the sandbox) before the sandbox starts, and the daemon reads it once.
 */
export const DAEMON_BOOT_FILE = 'boot.json';

export const bootSessionSchema = z.object({
  name: sessionNameSchema,
  /** Run as `bash -lc <command>` in the workspace directory. */
  command: sessionCommandSchema,
  /** true: start at boot; false: defined, started on first attach. */
  start: z.boolean(),
});
export type BootSession = z.infer<typeof bootSessionSchema>;

export const daemonBootSchema = z.object({
  /** Written to AGENTS.md and CLAUDE.md in the workspace ('' : none). */
  agentInstructions: wellFormedString().max(200_000).default(''),
  sessions: z.array(bootSessionSchema).max(32).default([]),
});
export type DaemonBoot = z.infer<typeof daemonBootSchema>;

/** POST /v1/sessions/:name: define a session that runs a command (and start it now unless start is false). */
export const createSessionRequestSchema = z.object({
  command: bootSessionSchema.shape.command,
  start: z.boolean().default(true),
});

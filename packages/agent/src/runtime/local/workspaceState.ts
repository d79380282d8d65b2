import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { resourceMechanismSchema, workspaceLimitsSchema } from '@paddock/protocol';

const identitySchema = z.object({ pid: z.number().int().positive(), startTime: z.string() });

/**
 * What the agent knows about a running sandbox. It lives beside, not inside,
 * the directories mounted into the sandbox, so nothing in a workspace can
 * forge the pids the agent will later kill.
 */
export const workspaceStateSchema = z.object({
  bwrap: identitySchema,
  sandboxInit: identitySchema,
  startedAt: z.string(),
  /** The limits it started with, and how they are held; absent for a sandbox started before limits existed. */
  limits: workspaceLimitsSchema.optional(),
  mechanism: resourceMechanismSchema.optional(),
});
export type WorkspaceState = z.infer<typeof workspaceStateSchema>;

export function readWorkspaceState(path: string): WorkspaceState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = workspaceStateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function writeWorkspaceState(path: string, state: WorkspaceState): void {
  // Rename makes the write atomic, so a crash never leaves half a file.
  writeFileSync(`${path}.tmp`, JSON.stringify(state), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

export function removeWorkspaceState(path: string): void {
  rmSync(path, { force: true });
}

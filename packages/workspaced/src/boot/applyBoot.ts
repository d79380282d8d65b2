import { readFileSync } from 'node:fs';
import { daemonBootSchema, type DaemonBoot } from '@paddock/protocol';
import type { SessionRegistry } from '../pty/sessionRegistry.js';
import { writeAgentInstructions } from './agentInstructions.js';
import { seedClaudeConfig } from './claudeConfig.js';

/** Reads the agent's boot file; a missing or malformed one means nothing to set up. */
export function readBootFile(path: string): DaemonBoot | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = daemonBootSchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    process.stderr.write(`workspaced: ignoring ${path}: ${parsed.error.issues[0]?.message ?? 'invalid'}\n`);
  } catch {
    process.stderr.write(`workspaced: ignoring ${path}: not JSON\n`);
  }
  return undefined;
}

/**
 * What a workspace gets from its blueprint when the daemon starts: AGENTS.md
 * and CLAUDE.md, Claude Code's first-run answers, and the tabs' PTY sessions
 * (command tabs start now; `claude` on its first attach).
 */
export function applyBoot(boot: DaemonBoot, input: { sessions: SessionRegistry; workspaceDir: string; env: Record<string, string> }): void {
  try {
    writeAgentInstructions(input.workspaceDir, boot.agentInstructions);
  } catch (err) {
    process.stderr.write(`workspaced: writing AGENTS.md failed: ${(err as Error).message}\n`);
  }
  if (input.env.HOME) {
    try {
      seedClaudeConfig({ home: input.env.HOME, workspaceDir: input.workspaceDir, apiKey: input.env.ANTHROPIC_API_KEY });
    } catch (err) {
      process.stderr.write(`workspaced: seeding ~/.claude.json failed: ${(err as Error).message}\n`);
    }
  }
  for (const session of boot.sessions) {
    try {
      input.sessions.define(session.name, session.command, { start: session.start });
    } catch (err) {
      process.stderr.write(`workspaced: starting session ${session.name} failed: ${(err as Error).message}\n`);
    }
  }
}

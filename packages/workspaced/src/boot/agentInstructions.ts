import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The files the AI tools read their standing instructions from: OpenCode (and others) AGENTS.md, Claude Code CLAUDE.md. */
export const INSTRUCTION_FILES = ['AGENTS.md', 'CLAUDE.md'] as const;

const markerPattern = /^<!-- paddock:generated sha256=([0-9a-f]{64})[^\n]*-->\n/;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The file as we write it: a first-line marker recording the hash of what follows. */
export function generatedFile(instructions: string): string {
  return `<!-- paddock:generated sha256=${sha256(instructions)} (from the blueprint; edit freely, then it is yours and stays) -->\n${instructions}`;
}

/** True when the file is ours and nobody changed a byte of it since. */
export function isUnedited(content: string): boolean {
  const match = markerPattern.exec(content);
  return match !== null && sha256(content.slice(match[0].length)) === match[1];
}

/**
 * Writes the blueprint's instructions to AGENTS.md and CLAUDE.md in the
 * workspace, at every start, so a changed blueprint reaches its workspaces,
 * but only over a file that is missing or still exactly as we generated it:
 * a builder's edit wins. Returns the files written.
 */
export function writeAgentInstructions(workspaceDir: string, instructions: string): string[] {
  if (!instructions.trim()) return [];
  const written: string[] = [];
  for (const name of INSTRUCTION_FILES) {
    const path = join(workspaceDir, name);
    let current: string | undefined;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = undefined;
    }
    if (current !== undefined && !isUnedited(current)) continue;
    const next = generatedFile(instructions);
    if (current === next) continue;
    writeFileSync(path, next);
    written.push(name);
  }
  return written;
}

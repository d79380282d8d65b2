import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const credentialsSchema = z.object({ agentId: z.string().min(1), secret: z.string().min(1) });
export type AgentCredentials = z.infer<typeof credentialsSchema>;

const fileOf = (dataDir: string) => join(dataDir, 'credentials.json');

/** The agent's own credential, from its one-time enrollment. Readable by the agent's user only. */
export function loadCredentials(dataDir: string): AgentCredentials | null {
  const file = fileOf(dataDir);
  if (!existsSync(file)) return null;
  return credentialsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

export function saveCredentials(dataDir: string, credentials: AgentCredentials): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(fileOf(dataDir), JSON.stringify(credentials), { mode: 0o600 });
}

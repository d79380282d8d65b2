import type { PtySessionInfo } from '@paddock/protocol';
import { PtySession, type FlowControlOptions } from './ptySession.js';

export interface SessionRegistryOptions {
  shell: { file: string; args: string[] };
  cwd: string;
  env: Record<string, string>;
  scrollbackBytes: number;
  flow: FlowControlOptions;
  /** How a defined session runs its command (default: `bash -lc <command>`, a login shell's environment). */
  commandShell?: (command: string) => { file: string; args: string[] };
}

const loginCommand = (command: string) => ({ file: '/bin/bash', args: ['-lc', command] });

/** The daemon's named PTY sessions; a session leaves the registry when its process exits. */
export class SessionRegistry {
  private readonly sessions = new Map<string, PtySession>();
  /** Names that run a command instead of a login shell (a blueprint's claude and command tabs). */
  private readonly commands = new Map<string, string>();

  constructor(private readonly options: SessionRegistryOptions) {}

  getOrCreate(name: string, size: { cols: number; rows: number }): PtySession {
    const existing = this.sessions.get(name);
    if (existing && !existing.exited) return existing;
    const command = this.commands.get(name);
    const session = new PtySession({
      name,
      ...size,
      ...this.options,
      ...(command !== undefined ? { shell: (this.options.commandShell ?? loginCommand)(command) } : {}),
      onExit: (ended) => this.forget(ended),
    });
    this.sessions.set(name, session);
    return session;
  }

  /**
   * From now on the session `name` runs `command` whenever it is created (at
   * once when `start`, else on the first attach); a running session keeps running.
   */
  define(name: string, command: string, options: { start: boolean; size?: { cols: number; rows: number } }): PtySession | undefined {
    this.commands.set(name, command);
    return options.start ? this.getOrCreate(name, options.size ?? { cols: 120, rows: 32 }) : undefined;
  }

  list(): PtySessionInfo[] {
    return [...this.sessions.values()].map((session) => session.info());
  }

  /** Returns false when no such session exists. */
  delete(name: string): boolean {
    const session = this.sessions.get(name);
    if (!session) return false;
    this.sessions.delete(name);
    session.kill();
    return true;
  }

  closeAll(): void {
    for (const name of [...this.sessions.keys()]) this.delete(name);
  }

  private forget(session: PtySession): void {
    // A newer session may already hold the name (deleted, then re-attached).
    if (this.sessions.get(session.name) === session) this.sessions.delete(session.name);
  }
}

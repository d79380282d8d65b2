import type { AttachOptions, PtySessionInfo } from '@paddock/protocol';
import { PtySession, type FlowControlOptions } from './ptySession.js';

export interface SessionRegistryOptions {
  shell: { file: string; args: string[] };
  cwd: string;
  env: Record<string, string>;
  scrollbackBytes: number;
  flow: FlowControlOptions;
  /** How a defined session runs its command (default: `bash -lc <command>`, a login shell's environment). */
  commandShell?: (command: string) => { file: string; args: string[] };
  /** At most this many live sessions, unless an attach states its own cap. */
  maxSessions: number;
  /** A session nobody is attached to ends after this long (0: never), unless it was created saying otherwise. */
  idleMs: number;
}

/** Creating another session would exceed the cap: the caller answers 429. */
export class SessionLimitError extends Error {
  constructor(readonly max: number) {
    super(`this workspace already runs ${max} terminal sessions, the most it may; close one first`);
  }
}

const loginCommand = (command: string) => ({ file: '/bin/bash', args: ['-lc', command] });

/** A name defined to run a command; `keepAlive` ones (started at boot: dev servers) never end for being idle. */
interface Definition { command: string; keepAlive: boolean }

/**
 * The daemon's named PTY sessions; a session leaves the registry when its process
 * exits. It holds the processes, so it is where their number is capped and where
 * sessions nobody is attached to are ended (250 shells were once left behind by a
 * load test that used a new name per connection).
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, PtySession>();
  /** Names that run a command instead of a login shell (a blueprint's claude and command tabs). */
  private readonly definitions = new Map<string, Definition>();

  constructor(private readonly options: SessionRegistryOptions) {}

  /**
   * The live session `name`, or a new one: running what `request.run` says, else the
   * name's definition, else a login shell. Throws SessionLimitError at the cap.
   */
  getOrCreate(name: string, size: { cols: number; rows: number }, request: AttachOptions = {}): PtySession {
    const existing = this.sessions.get(name);
    if (existing && !existing.exited) return existing;
    const max = request.maxSessions ?? this.options.maxSessions;
    if (this.liveCount() >= max) throw new SessionLimitError(max);
    const definition = this.definitions.get(name);
    const command = request.run === 'shell' ? undefined : request.run === 'command' ? request.command : definition?.command;
    const session = new PtySession({
      name,
      ...size,
      ...this.options,
      ...(command !== undefined ? { shell: (this.options.commandShell ?? loginCommand)(command) } : {}),
      idleMs: request.idleMs ?? (definition?.keepAlive ? 0 : this.options.idleMs),
      onExit: (ended) => this.forget(ended),
    });
    this.sessions.set(name, session);
    return session;
  }

  /**
   * From now on the session `name` runs `command` whenever it is created (at
   * once when `start`, else on the first attach); a running session keeps running.
   * Started ones are the workspace's services (a dev server): never ended for being idle.
   */
  define(name: string, command: string, options: { start: boolean; size?: { cols: number; rows: number } }): PtySession | undefined {
    this.definitions.set(name, { command, keepAlive: options.start });
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

  private liveCount(): number {
    let n = 0;
    for (const session of this.sessions.values()) if (!session.exited) n += 1;
    return n;
  }

  private forget(session: PtySession): void {
    // A newer session may already hold the name (deleted, then re-attached).
    if (this.sessions.get(session.name) === session) this.sessions.delete(session.name);
  }
}

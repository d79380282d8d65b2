import { newId } from '../ids.js';
import type { Clock } from '../clock.js';

export type ConnectionKind = 'terminal' | 'chat' | 'preview';

/** One live connection a person holds into a workspace through this portal. */
export interface LiveConnection {
  id: string;
  kind: ConnectionKind;
  userId: string;
  workspaceId: string;
  /** The client's address as the portal sees it (through the allowlist's trusted proxies: req.ip). */
  ip: string;
  since: Date;
  /** What it is beside its kind: a terminal's session name, a preview's port. */
  detail: string;
}

interface Entry extends LiveConnection {
  /** Closes it: the relay's own teardown then removes it. */
  end: () => void;
}

const view = ({ id, kind, userId, workspaceId, ip, since, detail }: Entry): LiveConnection => ({ id, kind, userId, workspaceId, ip, since, detail });

/**
 * The live connections each relay holds open (terminal WebSockets, AI event streams,
 * preview WebSockets such as hot reload), in memory: each relay adds its connection
 * when it opens and removes it when it closes, so the list is what is open now, and
 * `end` closes one. Per portal: with several replicas, each knows its own (an id
 * another replica holds is not found here).
 */
export class LiveConnections {
  private readonly open = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

  /** Registers an open connection; call the answer's `remove` when it closes (twice is harmless). */
  add(c: Omit<LiveConnection, 'id' | 'since'> & { end: () => void }): { id: string; remove: () => void } {
    const id = newId();
    this.open.set(id, { ...c, id, since: this.clock.now() });
    return { id, remove: () => { this.open.delete(id); } };
  }

  list(): LiveConnection[] {
    return [...this.open.values()].map(view).sort((a, b) => a.since.getTime() - b.since.getTime());
  }

  get(id: string): LiveConnection | undefined {
    const e = this.open.get(id);
    return e && view(e);
  }

  /** Closes the connection; false when none is open by that id. */
  end(id: string): boolean {
    const e = this.open.get(id);
    if (!e) return false;
    this.open.delete(id);
    e.end();
    return true;
  }
}

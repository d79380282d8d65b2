import { EventEmitter } from 'node:events';
import type { Workspace } from '@paddock/protocol';

/**
 * Workspace changes on this replica, for live views (SSE). With several replicas
 * this becomes Postgres LISTEN/NOTIFY behind the same interface.
 */
export class WorkspaceEvents extends EventEmitter<{ workspace: [Workspace] }> {
  constructor() {
    super();
    this.setMaxListeners(0);
  }
}

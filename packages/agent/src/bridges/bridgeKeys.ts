import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertWorkspaceId, exposedSocketNamePattern } from '../runtime/driver.js';

/**
 * What a bridge keeps for a workspace while it exists (the model gateway's
 * virtual key): files of the agent's own, `<data dir>/bridge-keys/<workspace>/<bridge>`,
 * 0600 in 0700 directories, never inside a workspace and the same for every
 * runtime. A restarted agent reads them back; a deleted workspace's go.
 */
export class BridgeKeys {
  private readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'bridge-keys');
  }

  read(workspaceId: string, bridge: string): string | undefined {
    try {
      return readFileSync(this.path(workspaceId, bridge), 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  }

  write(workspaceId: string, bridge: string, key: string): void {
    const path = this.path(workspaceId, bridge);
    mkdirSync(join(this.root, workspaceId), { recursive: true, mode: 0o700 });
    // Rename makes the write atomic: a crash never leaves a workspace with half a key.
    writeFileSync(`${path}.tmp`, key, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }

  remove(workspaceId: string, bridge: string): void {
    rmSync(this.path(workspaceId, bridge), { force: true });
  }

  removeAll(workspaceId: string): void {
    assertWorkspaceId(workspaceId);
    rmSync(join(this.root, workspaceId), { recursive: true, force: true });
  }

  private path(workspaceId: string, bridge: string): string {
    assertWorkspaceId(workspaceId);
    if (!exposedSocketNamePattern.test(bridge)) throw new Error(`invalid bridge name ${JSON.stringify(bridge)}`);
    return join(this.root, workspaceId, bridge);
  }
}

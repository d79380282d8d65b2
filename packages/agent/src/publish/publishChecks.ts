import { dependencyChanges, type DependencyChange } from './dependencyChanges.js';
import type { PublishCheck } from './publishCheck.js';
import { secretScan, type SecretScanFinding, type SecretScanOptions } from './secretScanCheck.js';
import type { DiffBase, VersionStore } from './versionStore.js';

export type AgentCheck = PublishCheck<SecretScanFinding> | PublishCheck<DependencyChange>;

/**
 * The checks the agent runs on exactly one version: its secret scan, and its
 * dependency changes since `since` (the last published version, or the
 * blueprint template's tree or 'empty' on a first publish). What the app
 * touched in preview is the portal's (from governance events).
 */
export async function runPublishChecks(store: VersionStore, version: string, since: DiffBase, options: SecretScanOptions = {}): Promise<AgentCheck[]> {
  const [secrets, dependencies] = await Promise.all([secretScan(store, version, options), dependencyChanges(store, since, version)]);
  return [secrets, dependencies];
}

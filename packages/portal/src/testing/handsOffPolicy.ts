import type { ResourcePolicy } from '@paddock/protocol';
import type { PortalServices } from '../services.js';
import { RESOURCE_POLICY_KEY } from '../policies/workspaceDeadlines.js';

/**
 * A resource policy that never steps in: as many running workspaces as a suite makes, no
 * idle or lifetime stop a moved test clock could reach, no cleanup. The test portals start
 * with it, so a suite about sessions or previews that creates a third workspace, or moves
 * its clock by days, tests what it says; the resource policy's own suite
 * (e2e/resourcePolicies.test.ts) puts the defaults back and tests those.
 */
export const HANDS_OFF_RESOURCE_POLICY: ResourcePolicy = {
  maxRunningPerUser: 1000, idleStopMinutes: 525_600, maxLifetimeHours: 8_760, cleanupStoppedAfterDays: null,
  limits: { cpus: 2, memoryMiB: 4096, pids: 1024 },
};

/** Sets it directly (no admin, no audit record: the audit chain a suite checks stays its own). */
export async function useHandsOffResourcePolicy(services: Pick<PortalServices, 'settings'>): Promise<void> {
  await services.settings.set(RESOURCE_POLICY_KEY, HANDS_OFF_RESOURCE_POLICY);
}

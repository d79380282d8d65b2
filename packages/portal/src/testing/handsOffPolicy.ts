import type { ResourcePolicy } from '@paddock/protocol';
import type { Database } from '../db/database.js';
import { RESOURCE_POLICY_KEY } from '../policies/workspaceDeadlines.js';

/**
 * A resource policy that never steps in: as many running workspaces as a suite makes, no
 * idle or lifetime stop a moved test clock could reach, no cleanup. Every test database
 * starts with it (openTestDatabase), so a suite about sessions or previews that creates a
 * third workspace, or moves its clock by days, tests what it says; the resource policy's
 * own suite (e2e/resourcePolicies.test.ts) removes it, back to the defaults, and tests those.
 */
export const HANDS_OFF_RESOURCE_POLICY: ResourcePolicy = {
  maxRunningPerUser: 1000, idleStopMinutes: 525_600, maxLifetimeHours: 8_760, cleanupStoppedAfterDays: null,
  limits: { cpus: 2, memoryMiB: 4096, pids: 1024 },
};

/** Written directly (no admin, no audit record: the audit chain a suite checks stays its own). */
export async function seedHandsOffResourcePolicy(db: Database): Promise<void> {
  await db.insertInto('settings').values({ key: RESOURCE_POLICY_KEY, value: JSON.stringify(HANDS_OFF_RESOURCE_POLICY), updated_at: new Date(0) }).execute();
}

/** Back to the defaults, as a database no admin saved a policy in. */
export async function useDefaultResourcePolicy(db: Database): Promise<void> {
  await db.deleteFrom('settings').where('key', '=', RESOURCE_POLICY_KEY).execute();
}

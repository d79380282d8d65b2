import type { GovernanceUplink } from './decider.js';

/**
 * The uplink until the tunnel carries governance (issue 9's portal side):
 * events are dropped, and a hold is refused, so an `ask` in enforce mode is
 * denied (fails closed) rather than let through.
 */
export const offlineUplink: GovernanceUplink = {
  report: () => undefined,
  hold: () => Promise.reject(new Error('the portal does not take held actions over this tunnel yet')),
};

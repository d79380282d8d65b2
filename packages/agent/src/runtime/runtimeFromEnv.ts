import type { RuntimeDriver } from './driver.js';
import { LocalRuntime, type RuntimeLog } from './local/localRuntime.js';

export interface RuntimeSetting {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  log: RuntimeLog;
  /** The egress proxy's CA certificate, for the runtime to put in every workspace (none: their inspected HTTPS won't verify). */
  egressCaCertificate?: string;
}

/** The runtimes this agent has, by their PADDOCK_RUNTIME name, each with the settings of its own it reads. */
const runtimes: Record<string, (setting: RuntimeSetting) => RuntimeDriver> = {
  local: ({ dataDir, env, log, egressCaCertificate }) => new LocalRuntime({ dataDir, log, ...(egressCaCertificate ? { egressCaCertificate } : {}), ...(env.PADDOCK_CGROUP_PARENT ? { cgroupParent: env.PADDOCK_CGROUP_PARENT } : {}) }),
};

export const DEFAULT_RUNTIME = 'local';

/**
 * The runtime PADDOCK_RUNTIME names (default local), to be made once the rest
 * of the agent's settings are known good. A name this agent doesn't have is an
 * error here, before anything starts: an agent never runs workspaces on a
 * runtime nobody chose.
 */
export function runtimeNamed(name: string | undefined): (setting: RuntimeSetting) => RuntimeDriver {
  const chosen = name === undefined || name === '' ? DEFAULT_RUNTIME : name;
  const make = Object.hasOwn(runtimes, chosen) ? runtimes[chosen] : undefined;
  if (!make) throw new Error(`PADDOCK_RUNTIME=${JSON.stringify(chosen)} is not a runtime this agent has (it has: ${Object.keys(runtimes).join(', ')})`);
  return make;
}

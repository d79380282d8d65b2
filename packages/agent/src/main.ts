import { existsSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { createAgent } from './agent.js';
import { EgressCa } from './gateway/egress/egressCa.js';
import { createAgentLogger } from './logger.js';
import { runtimeNamed } from './runtime/runtimeFromEnv.js';

/**
 * `node packages/agent/dist/main.js`: runs a runtime agent. It opens no listening
 * port; it dials the portal's tunnel and waits for commands.
 *
 *   PADDOCK_PORTAL_TUNNEL          host:port of the portal's tunnel (localhost:8443)
 *   PADDOCK_TUNNEL_CA              PEM file the portal's tunnel certificate must chain to
 *   PADDOCK_AGENT_DATA_DIR         credential and workspaces (./data/agent)
 *   PADDOCK_ENROLLMENT_TOKEN       one-time token, for the first start
 *   PADDOCK_ENROLLMENT_TOKEN_FILE  or a file holding it (removed once used)
 *   PADDOCK_AGENT_NAME             shown to admins (the host name)
 *   PADDOCK_RUNTIME                where workspaces run: local (bubblewrap on this machine, the default)
 *   PADDOCK_CGROUP_PARENT          local: where workspace cgroups go in each hierarchy (paddock)
 *   PADDOCK_AGENT_METRICS_ADDRESS  host:port for /metrics, /healthz, /readyz (127.0.0.1:9464); unset or off: none
 */
const env = process.env;
const log = createAgentLogger(env.LOG_LEVEL ?? 'info');
// A promise that rejects with nobody to catch it is a bug to log and fix, not a reason to drop the
// tunnel and every workspace's terminal (Node's default ends the process). Thrown exceptions still end it.
process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection (a bug); the agent keeps running'));
let makeRuntime;
try {
  makeRuntime = runtimeNamed(env.PADDOCK_RUNTIME);
} catch (err) {
  log.fatal((err as Error).message);
  process.exit(1);
}
const dataDir = resolve(env.PADDOCK_AGENT_DATA_DIR ?? './data/agent');
const caFile = env.PADDOCK_TUNNEL_CA ?? resolve('./data/tls/tunnel-cert.pem');
if (!existsSync(caFile)) {
  log.fatal({ caFile }, 'the tunnel CA certificate is missing; set PADDOCK_TUNNEL_CA');
  process.exit(1);
}
const tokenFile = env.PADDOCK_ENROLLMENT_TOKEN_FILE;
// Made on the first start; its key stays here, its certificate goes into every workspace.
const egressCa = await EgressCa.open(join(dataDir, 'egress-ca'));
const agent = createAgent({
  runtime: makeRuntime({ dataDir, env, log: log.child({ component: 'runtime' }), egressCaCertificate: egressCa.certificatePem }),
  egressCa,
  portalAddress: env.PADDOCK_PORTAL_TUNNEL ?? 'localhost:8443',
  caCert: readFileSync(caFile, 'utf8'),
  dataDir,
  name: env.PADDOCK_AGENT_NAME ?? hostname(),
  version: '0.1.0',
  enrollmentToken: () => env.PADDOCK_ENROLLMENT_TOKEN ?? (tokenFile && existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined),
  log,
  ...metricsAddress(env.PADDOCK_AGENT_METRICS_ADDRESS),
});
// The token is spent once the agent holds its own credential: removed on enrollment, or at the next start after a crash between the two.
const forgetSpentToken = () => {
  if (tokenFile && existsSync(join(dataDir, 'credentials.json'))) rmSync(tokenFile, { force: true });
};
forgetSpentToken();
agent.client.on('enrolled', forgetSpentToken);
agent.start().catch((err: unknown) => log.error({ err }, 'starting the agent failed'));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log.info({ signal }, 'agent stopping; workspaces keep running');
    agent.stop().then(() => process.exit(0), (err: unknown) => {
      log.error({ err }, 'stopping cleanly failed');
      process.exit(1);
    });
  });
}

/** Only where the operator asks for it: by default the agent listens on nothing at all. */
function metricsAddress(value: string | undefined): { metricsAddress?: string } {
  return !value || value === 'off' ? {} : { metricsAddress: value };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_MODEL_ID, startModelSim, type ModelSim } from '@paddock/model-sim';
import { deadlineIn } from '@paddock/protocol';

/** The portal's and the agent's entry points, run as child processes: resolved as packages, wherever they are installed. */
export const portalMain = fileURLToPath(import.meta.resolve('@paddock/portal/main'));
export const agentMain = fileURLToPath(import.meta.resolve('@paddock/agent/main'));

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  tunnelPort: number;
  env: NodeJS.ProcessEnv;
}

export interface Embedded {
  portal: ChildProcess;
  agent: ChildProcess;
  url: string;
  /** The scripted demo model, when no PADDOCK_LLM_BASE_URL was given. */
  demoModel: ModelSim | undefined;
  stop(): Promise<void>;
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = deadlineIn(timeoutMs);
  while (!deadline.passed()) {
    if (child.exitCode !== null) throw new Error(`the portal exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the portal did not answer on ${url} within ${timeoutMs / 1000} s`);
}

const stopChild = (child: ChildProcess) => new Promise<void>((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) return resolve();
  child.once('exit', () => resolve());
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 5000).unref();
});

/**
 * The embedded default: a portal and one local agent, as separate processes
 * talking over the real tunnel on loopback, with PGlite and bubblewrap under dataDir.
 * On the first start the portal writes a one-time enrollment token that the agent redeems.
 */
export async function startEmbedded(opts: EmbeddedOptions): Promise<Embedded> {
  mkdirSync(opts.dataDir, { recursive: true });
  // Sandboxes run as an unprivileged uid that must be able to traverse into their folders.
  chmodSync(opts.dataDir, 0o711);
  const tokenFile = join(opts.dataDir, 'agent-enrollment.token');
  const url = `http://localhost:${opts.port}`;
  // Without a model provider, workspaces talk to the scripted demo model (labeled as such), served here.
  const demoModel = opts.env.PADDOCK_LLM_BASE_URL ? undefined : await startModelSim();
  const demoEnv = demoModel ? { PADDOCK_LLM_BASE_URL: demoModel.url, PADDOCK_LLM_API_KEY: 'paddock-demo-model-needs-no-key', PADDOCK_LLM_MODEL: DEMO_MODEL_ID } : {};
  const portal = spawn(process.execPath, [portalMain], {
    stdio: 'inherit',
    env: {
      LOG_LEVEL: 'warn',
      ...opts.env,
      ...demoEnv,
      PADDOCK_DATA_DIR: opts.dataDir,
      PORT: String(opts.port),
      PADDOCK_TUNNEL_PORT: String(opts.tunnelPort),
      PADDOCK_ENROLLMENT_TOKEN_FILE: tokenFile,
    },
  });
  try {
    await waitHealthy(url, portal, 120_000);
  } catch (err) {
    await stopChild(portal);
    await demoModel?.close();
    throw err;
  }
  const agent = spawn(process.execPath, [agentMain], {
    stdio: 'inherit',
    env: {
      LOG_LEVEL: 'warn',
      ...opts.env,
      PADDOCK_PORTAL_TUNNEL: `localhost:${opts.tunnelPort}`,
      PADDOCK_TUNNEL_CA: join(opts.dataDir, 'tls', 'tunnel-cert.pem'),
      PADDOCK_AGENT_DATA_DIR: join(opts.dataDir, 'agent'),
      PADDOCK_ENROLLMENT_TOKEN_FILE: tokenFile,
    },
  });
  return {
    portal, agent, url, demoModel,
    stop: async () => { await Promise.all([stopChild(agent), stopChild(portal)]); await demoModel?.close(); },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, statSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { basename, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { DAEMON_SOCKET_NAME } from '@paddock/protocol';
import { writeDaemonBoot } from './daemonBoot.js';
import { templateMounts } from './templateMounts.js';
import { LlmGateway } from '../../gateway/llm/llmGateway.js';
import { llmWorkspaceEnv } from '../../gateway/llm/workspaceEnv.js';
import type { DialTarget, RuntimeDriver, RuntimeState, WorkspaceRunSpec } from '../driver.js';
import { SpecNotAppliedError } from '../specNotApplied.js';
import { bwrapArgs, sandboxEtcFiles, sandboxHome, sandboxRunDir, sandboxWorkspaceDir } from './bwrapArgs.js';
import { daemonMounts, defaultDaemonEntry, type ReadOnlyMount } from './daemonMounts.js';
import { sandboxToolchainBin, toolchainMounts } from './toolchainMounts.js';
import { isAlive, killIfSame, readProcessIdentity, type ProcessIdentity } from './processIdentity.js';
import { readWorkspaceState, removeWorkspaceState, writeWorkspaceState, type WorkspaceState } from './workspaceState.js';
import { waitForDaemon } from './waitForDaemon.js';
import { pinSocketFile } from './socketFile.js';
import { daemonPortConnect } from '../daemonPortConnect.js';

export interface LocalRuntimeOptions {
  /** The agent's data dir; workspaces live in <dataDir>/workspaces/<id>/. */
  dataDir: string;
  /** The daemon's built entry point (default: packages/workspaced/dist/main.js). */
  daemonEntry?: string;
  /** Host uid (and gid) sandboxes run as when the agent is root. */
  sandboxUid?: number;
  bwrapPath?: string;
  startTimeoutMs?: number;
  /** Bridges each workspace's model calls (WorkspaceRunSpec.llm) into its sandbox. */
  llmGateway?: LlmGateway;
  /** Mount the pinned AI CLIs (claude, opencode) into every workspace; default true. */
  toolchain?: boolean;
}

/** Inside a sandbox: the gateway's socket (a read-only bind of <ws>/llm) and the loopback port the daemon forwards to it. */
export const sandboxLlmDir = '/run/paddock-llm';
export const sandboxLlmPort = 4141;

const workspaceIdPattern = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/;
const envKeyPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
const logTailBytes = 2000;

interface WorkspacePaths {
  root: string;
  home: string;
  workspace: string;
  run: string;
  socket: string;
  /** Holds the LLM gateway's socket; bound read-only, so the sandbox can't replace it. */
  llm: string;
  llmSocket: string;
  /** The workspace's virtual key (0600, outside the sandbox), so a re-adopted workspace keeps its key. */
  llmKey: string;
  state: string;
  log: string;
}

/**
 * Runs each workspace in a bubblewrap sandbox on this machine. Sandboxes are
 * detached from the agent (own session, no --die-with-parent) so they outlive
 * an agent restart; a state file outside the sandbox remembers their pids.
 */
export class LocalRuntime implements RuntimeDriver {
  readonly kind = 'local';
  private readonly dataDir: string;
  private readonly daemonEntry: string;
  private readonly sandboxUid: number;
  private readonly bwrapPath: string;
  private readonly startTimeoutMs: number;
  private readonly gateway: LlmGateway | undefined;
  private readonly toolchain: ReadOnlyMount[];
  private readonly asRoot = process.getuid?.() === 0;
  /** Operations on one workspace run one at a time, so concurrent calls stay idempotent. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(options: LocalRuntimeOptions) {
    this.dataDir = options.dataDir;
    this.daemonEntry = options.daemonEntry ?? defaultDaemonEntry();
    this.sandboxUid = options.sandboxUid ?? 100_000;
    this.bwrapPath = options.bwrapPath ?? '/usr/bin/bwrap';
    this.startTimeoutMs = options.startTimeoutMs ?? 10_000;
    this.gateway = options.llmGateway;
    this.toolchain = options.toolchain === false ? [] : toolchainMounts();
  }

  async ensureRunning(spec: WorkspaceRunSpec): Promise<void> {
    const paths = this.paths(spec.workspaceId);
    return this.serialize(spec.workspaceId, () => this.start(spec, paths));
  }

  async ensureStopped(workspaceId: string): Promise<void> {
    const paths = this.paths(workspaceId);
    return this.serialize(workspaceId, () => this.stop(paths));
  }

  async ensureDeleted(workspaceId: string): Promise<void> {
    const paths = this.paths(workspaceId);
    return this.serialize(workspaceId, async () => {
      await this.stop(paths);
      rmSync(paths.root, { recursive: true, force: true });
    });
  }

  async status(workspaceId: string): Promise<RuntimeState> {
    return this.stateOf(this.paths(workspaceId));
  }

  async list(): Promise<Array<{ workspaceId: string; state: RuntimeState }>> {
    let names: string[];
    try {
      names = readdirSync(join(this.dataDir, 'workspaces'));
    } catch {
      return [];
    }
    return names
      .filter((name) => workspaceIdPattern.test(name))
      .map((workspaceId) => ({ workspaceId, state: this.stateOf(this.paths(workspaceId)) }))
      .filter((entry) => entry.state !== 'missing');
  }

  async connect(workspaceId: string, target: DialTarget): Promise<Socket> {
    const paths = this.paths(workspaceId);
    if (target.kind === 'port' && !(Number.isInteger(target.port) && target.port >= 1024 && target.port <= 65535)) {
      throw new Error(`port ${target.port} is outside 1024-65535`);
    }
    if (this.stateOf(paths) !== 'running') throw new Error(`workspace ${workspaceId} is not running`);
    // The run dir is writable inside the sandbox: never follow a name planted there to elsewhere on the host.
    const pinned = pinSocketFile(paths.socket);
    if (!pinned) throw new Error(`workspace ${workspaceId} has no daemon socket`);
    const socket = await new Promise<Socket>((resolve, reject) => {
      const socket = createConnection(pinned.path);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    }).finally(() => pinned.close());
    // The sandbox has its own network namespace: its ports are reached through its daemon.
    return target.kind === 'port' ? daemonPortConnect(socket, target.port) : socket;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.queues.values()]);
  }

  private paths(workspaceId: string): WorkspacePaths {
    if (!workspaceIdPattern.test(workspaceId)) throw new Error(`invalid workspace id ${JSON.stringify(workspaceId)}`);
    const root = join(this.dataDir, 'workspaces', workspaceId);
    const run = join(root, 'run');
    return {
      root,
      home: join(root, 'home'),
      workspace: join(root, 'workspace'),
      run,
      socket: join(run, DAEMON_SOCKET_NAME),
      llm: join(root, 'llm'),
      llmSocket: join(root, 'llm', 'llm.sock'),
      llmKey: join(root, 'llm-key'),
      state: join(root, 'state.json'),
      log: join(root, 'sandbox.log'),
    };
  }

  private stateOf(paths: WorkspacePaths): RuntimeState {
    const state = readWorkspaceState(paths.state);
    if (state && isAlive(state.sandboxInit)) return 'running';
    return existsSync(paths.workspace) ? 'stopped' : 'missing';
  }

  private serialize<T>(workspaceId: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(workspaceId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(operation);
    this.queues.set(workspaceId, next);
    const forget = () => {
      if (this.queues.get(workspaceId) === next) this.queues.delete(workspaceId);
    };
    next.then(forget, forget);
    return next;
  }

  private async start(spec: WorkspaceRunSpec, paths: WorkspacePaths): Promise<void> {
    const deadline = Date.now() + this.startTimeoutMs;
    const existing = readWorkspaceState(paths.state);
    if (existing && isAlive(existing.sandboxInit)) return this.refresh(spec, paths, existing, deadline);
    this.prepareDirs(paths);
    writeDaemonBoot(paths.run, spec);
    const llmEnv = await this.openLlmRoute(spec, paths);
    const { child, state } = await this.spawnSandbox(spec, paths, llmEnv);
    let exited = false;
    child.once('exit', () => (exited = true));
    try {
      await waitForDaemon(paths.socket, deadline, () => (exited ? 'the sandbox exited before its daemon answered' : undefined));
    } catch (error) {
      killIfSame(state.sandboxInit);
      killIfSame(state.bwrap);
      removeWorkspaceState(paths.state);
      await this.gateway?.close(spec.workspaceId);
      throw new Error(`workspace ${spec.workspaceId} did not start: ${(error as Error).message}; sandbox stderr: ${this.logTail(paths)}`);
    }
  }

  private prepareDirs(paths: WorkspacePaths): void {
    mkdirSync(paths.root, { recursive: true, mode: 0o700 });
    if (this.asRoot) this.letSandboxUserTraverse(paths.root);
    for (const dir of [paths.home, paths.workspace, paths.run]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (this.asRoot) chownSync(dir, this.sandboxUid, this.sandboxUid);
    }
    mkdirSync(paths.llm, { recursive: true, mode: 0o711 });
    chmodSync(paths.llm, 0o711);
    // A socket left by a sandbox that was killed would only confuse the readiness check.
    rmSync(paths.socket, { force: true });
  }

  /**
   * bwrap runs as the sandbox uid, so it must be able to walk down to the
   * directories it binds. Search (x) without read permission lets it reach
   * them by exact name without listing anything; state.json and the log stay 0600.
   */
  private letSandboxUserTraverse(workspaceRoot: string): void {
    const workspacesDir = join(this.dataDir, 'workspaces');
    for (const dir of [this.dataDir, workspacesDir, workspaceRoot]) {
      const mode = statSync(dir).mode & 0o7777;
      if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
    }
  }

  /**
   * Opens the workspace's gateway listener with a fresh virtual key and returns
   * the environment that points its tools there (nothing without a route).
   */
  private async openLlmRoute(spec: WorkspaceRunSpec, paths: WorkspacePaths): Promise<Record<string, string>> {
    if (!spec.llm || !this.gateway) {
      await this.gateway?.close(spec.workspaceId);
      rmSync(paths.llmKey, { force: true });
      return {};
    }
    const virtualKey = LlmGateway.newVirtualKey();
    writeFileSync(paths.llmKey, virtualKey, { mode: 0o600 });
    await this.gateway.open(spec.workspaceId, spec.llm, paths.llmSocket, virtualKey);
    return {
      ...llmWorkspaceEnv({ baseUrl: `http://127.0.0.1:${sandboxLlmPort}`, virtualKey, model: spec.llm.model }),
      PADDOCK_LLM_SOCKET: `${sandboxLlmDir}/llm.sock`,
      PADDOCK_LLM_PORT: String(sandboxLlmPort),
    };
  }

  /**
   * A running workspace's route, as the portal sends it now: after an agent
   * restart the gateway listens again, and a changed route (provider key,
   * endpoint) takes over from the next call, always with the virtual key the
   * sandbox was started with (its shells and tools hold it). Without a route
   * now the listener closes, and the key stays for when one comes back; a
   * sandbox started without a route gets one only when it starts again (it
   * holds no key and runs no forwarder).
   */
  private async adoptLlmRoute(spec: WorkspaceRunSpec, paths: WorkspacePaths): Promise<void> {
    if (!this.gateway) return;
    const key = readKey(paths.llmKey);
    if (spec.llm && key) await this.gateway.open(spec.workspaceId, spec.llm, paths.llmSocket, key);
    else await this.gateway.close(spec.workspaceId);
  }

  /**
   * The spec sent again to a sandbox that runs: the sandbox stays as it is and
   * the gateway takes the route. Only a daemon that no longer answers means it
   * isn't running; a route the gateway couldn't take leaves it running as it
   * was (SpecNotAppliedError), and the portal sends the spec again.
   */
  private async refresh(spec: WorkspaceRunSpec, paths: WorkspacePaths, existing: WorkspaceState, deadline: number): Promise<void> {
    const route = await this.adoptLlmRoute(spec, paths).then(() => ({ adopted: true as const }), (reason: unknown) => ({ adopted: false as const, reason }));
    await waitForDaemon(paths.socket, deadline, () => (isAlive(existing.sandboxInit) ? undefined : 'the workspace stopped'));
    if (!route.adopted) throw new SpecNotAppliedError(spec.workspaceId, 'model route', route.reason);
  }

  private async spawnSandbox(spec: WorkspaceRunSpec, paths: WorkspacePaths, llmEnv: Record<string, string>): Promise<{ child: ChildProcess; state: WorkspaceState }> {
    const code = daemonMounts(this.daemonEntry);
    const nodeBinary = process.execPath;
    if (!nodeBinary.startsWith('/usr/')) throw new Error(`node must live under /usr to run in a sandbox (found ${nodeBinary})`);
    const logFd = openSync(paths.log, 'w', 0o600);
    let child: ChildProcess;
    try {
      const args = bwrapArgs({
        fds: { info: 3, passwd: 4, group: 5, hosts: 6 },
        dirs: { workspace: paths.workspace, home: paths.home, run: paths.run },
        codeMounts: [...code.mounts, ...this.toolchain, ...templateMounts(), { source: paths.llm, dest: sandboxLlmDir }],
        nodeBinary,
        daemonEntry: code.entry,
      });
      child = spawn(this.bwrapPath, args, {
        // The sandbox's whole environment (secrets among it): never on bwrap's command line, which any host user can read.
        env: { ...sandboxEnv(spec.env, this.toolchain.length > 0), ...llmEnv },
        detached: true,
        stdio: ['ignore', logFd, logFd, 'pipe', 'pipe', 'pipe', 'pipe'],
        ...(this.asRoot ? { uid: this.sandboxUid, gid: this.sandboxUid } : {}),
      });
    } finally {
      closeSync(logFd);
    }
    const etc = sandboxEtcFiles();
    [etc.passwd, etc.group, etc.hosts].forEach((content, i) => (child.stdio[4 + i] as Writable).end(content));
    const info = await readInfo(child.stdio[3] as Readable);
    child.unref();
    for (const stream of child.stdio) stream?.destroy();
    const bwrap = child.pid === undefined ? undefined : readProcessIdentity(child.pid);
    const sandboxInit = info === undefined ? undefined : readProcessIdentity(info);
    if (!bwrap || !sandboxInit) {
      if (bwrap) killIfSame(bwrap);
      throw new Error(`workspace ${spec.workspaceId} did not start: bubblewrap failed; sandbox stderr: ${this.logTail(paths)}`);
    }
    const state: WorkspaceState = { bwrap, sandboxInit, startedAt: new Date().toISOString() };
    writeWorkspaceState(paths.state, state);
    return { child, state };
  }

  private async stop(paths: WorkspacePaths): Promise<void> {
    await this.gateway?.close(basename(paths.root));
    const state = readWorkspaceState(paths.state);
    if (state) {
      // SIGKILL to the pid namespace's init takes every process in the sandbox with it.
      killIfSame(state.sandboxInit);
      killIfSame(state.bwrap);
      await waitUntilGone([state.sandboxInit, state.bwrap]);
      removeWorkspaceState(paths.state);
    }
    rmSync(paths.socket, { force: true });
  }

  private logTail(paths: WorkspacePaths): string {
    try {
      const text = readFileSync(paths.log, 'utf8');
      return JSON.stringify(text.slice(-logTailBytes).trim());
    } catch {
      return '(none)';
    }
  }
}

function readKey(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function sandboxEnv(extra: Record<string, string>, withToolchain: boolean): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(extra)) {
    if (!envKeyPattern.test(key)) throw new Error(`invalid environment variable name ${JSON.stringify(key)}`);
    env[key] = value;
  }
  return {
    ...env,
    HOME: sandboxHome,
    USER: 'builder',
    LOGNAME: 'builder',
    SHELL: '/bin/bash',
    PATH: `${withToolchain ? `${sandboxToolchainBin}:` : ''}/usr/local/bin:/usr/bin:/bin`,
    LANG: 'C.UTF-8',
    PADDOCK_DAEMON_SOCKET: `${sandboxRunDir}/${DAEMON_SOCKET_NAME}`,
    PADDOCK_WORKSPACE_DIR: sandboxWorkspaceDir,
  };
}

/** bwrap writes {"child-pid": N, ...} to --info-fd once the sandbox exists. */
function readInfo(stream: Readable): Promise<number | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const finish = () => {
      try {
        const pid = (JSON.parse(text) as { 'child-pid'?: unknown })['child-pid'];
        resolve(typeof pid === 'number' ? pid : undefined);
      } catch {
        resolve(undefined);
      }
    };
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
      try {
        JSON.parse(text);
        stream.removeAllListeners('end');
        finish();
      } catch {
        // Not complete yet.
      }
    });
    stream.once('end', finish);
    stream.once('error', () => resolve(undefined));
  });
}

async function waitUntilGone(identities: ProcessIdentity[], timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (identities.some(isAlive)) {
    if (Date.now() > deadline) throw new Error(`sandbox processes ${identities.map((i) => i.pid).join(', ')} did not exit`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, closeSync, lchownSync, statSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import pino from 'pino';
import { DAEMON_SOCKET_NAME, DEFAULT_WORKSPACE_LIMITS, isDialableService, workspaceLimitsSchema, type WorkspaceLimits } from '@paddock/protocol';
import { writeDaemonBoot } from './daemonBoot.js';
import { templateMounts } from './templateMounts.js';
import {
  assertWorkspaceId, exposedSocketNamePattern, workspaceIdPattern,
  type AcceptConnection, type DialTarget, type ResourceControl, type RuntimeDriver, type RuntimeState, type StartHooks,
  type WorkspaceAddress, type WorkspaceListing, type WorkspaceRunSpec, type WorkspaceUsage,
} from '../driver.js';
import { KeyedQueue } from '../../keyedQueue.js';
import { bwrapArgs, sandboxEtcFiles, sandboxHome, sandboxRunDir, sandboxWorkspaceDir } from './bwrapArgs.js';
import { daemonMounts, defaultDaemonEntry, type ReadOnlyMount } from './daemonMounts.js';
import { sandboxToolchainBin, toolchainMounts } from './toolchainMounts.js';
import { guardMounts } from './guardMounts.js';
import { isAlive, killIfSame, readProcessIdentity, type ProcessIdentity } from './processIdentity.js';
import { readWorkspaceState, removeWorkspaceState, writeWorkspaceState, type WorkspaceState } from './workspaceState.js';
import { waitForDaemon } from './waitForDaemon.js';
import { pinSocketFile } from './socketFile.js';
import { daemonPortConnect } from '../daemonPortConnect.js';
import { joinCgroupScript, type HostCgroups, type WorkspaceCgroup } from './cgroups/cgroups.js';
import { openHostCgroups } from './cgroups/probeCgroups.js';
import { DiskUsageMeter } from './diskUsage.js';
import { UnixListeners } from './unixListeners.js';
import { deadlineIn, systemClock, type Clock, type Deadline } from '../../clock.js';

/** Where the runtime says what it can't do: pino's shape. */
export interface RuntimeLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface LocalRuntimeOptions {
  /** The agent's data dir; workspaces live in <dataDir>/workspaces/<id>/. */
  dataDir: string;
  /** The daemon's built entry point (default: packages/workspaced/dist/main.js). */
  daemonEntry?: string;
  /** Host uid (and gid) sandboxes run as when the agent is root. */
  sandboxUid?: number;
  bwrapPath?: string;
  startTimeoutMs?: number;
  /** Mount the pinned AI CLIs (claude, opencode) into every workspace; default true. */
  toolchain?: boolean;
  /** The egress proxy's CA certificate (EgressCa.certificatePem), bound read-only into sandboxes with the toolchain. */
  egressCaCertificate?: string;
  /** Workspace cgroups go to <cgroupParent>/<agent key>/<workspace id> in each hierarchy (default paddock). */
  cgroupParent?: string;
  /** How often a running workspace's disk use is measured; default 60 s. */
  diskUsageEveryMs?: number;
  /** Used as root to leave root after joining the cgroup (util-linux). */
  setprivPath?: string;
  /** Dates the workspaces' starts and disk measurements (the agent's clock). */
  clock?: Clock;
  log?: RuntimeLog;
}

/** Inside a sandbox: where its exposed sockets are (a read-only bind of <ws>/bridges), `<name>.sock` each. */
export const sandboxBridgeDir = '/run/paddock-bridges';

const envKeyPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
const logTailBytes = 2000;
const MiB = 1024 * 1024;

interface WorkspacePaths {
  root: string;
  home: string;
  workspace: string;
  run: string;
  socket: string;
  /** Holds the exposed sockets (the agent's bridges); bound read-only, so the sandbox can't replace them. */
  bridges: string;
  state: string;
  /** Why the last start failed (0600, outside the sandbox); there while the workspace is failed. */
  failed: string;
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
  private readonly toolchain: ReadOnlyMount[];
  private readonly asRoot = process.getuid?.() === 0;
  /** Operations on one workspace run one at a time, so concurrent calls stay idempotent. */
  private readonly queue = new KeyedQueue();
  /** Workspaces this instance is creating; an agent that ended mid-start left nothing of its own here. */
  private readonly starting = new Set<string>();
  private readonly listeners = new UnixListeners();
  /** Undefined where cgroups aren't usable: workspaces still start, with `control` saying why they aren't limited. */
  private readonly cgroups: HostCgroups | undefined;
  private readonly control: ResourceControl;
  private readonly setpriv: string;
  private readonly disk: DiskUsageMeter;
  private readonly clock: Clock;
  private readonly log: RuntimeLog;

  constructor(options: LocalRuntimeOptions) {
    this.dataDir = options.dataDir;
    this.daemonEntry = options.daemonEntry ?? defaultDaemonEntry();
    this.sandboxUid = options.sandboxUid ?? 100_000;
    this.bwrapPath = options.bwrapPath ?? '/usr/bin/bwrap';
    this.startTimeoutMs = options.startTimeoutMs ?? 10_000;
    // The agent hooks (paddock-guard, the tools' managed settings) go wherever the AI tools go.
    this.toolchain = options.toolchain === false ? [] : [...toolchainMounts(), ...guardMounts(this.dataDir, process.execPath, this.asRoot ? this.sandboxUid : undefined, options.egressCaCertificate)];
    this.log = options.log ?? pino({ level: 'warn', base: { component: 'local-runtime' } });
    this.setpriv = options.setprivPath ?? '/usr/bin/setpriv';
    this.clock = options.clock ?? systemClock;
    this.disk = new DiskUsageMeter(this.clock, options.diskUsageEveryMs ?? 60_000, (workspaceId, err) => this.log.warn({ workspaceId, err: err.message }, 'measuring disk use failed'));
    ({ cgroups: this.cgroups, control: this.control } = this.probeCgroups(options.cgroupParent ?? 'paddock'));
    this.sweepStaleCgroups();
  }

  /**
   * One agent's workspaces go under a key of its data dir, so agents (and
   * test runs) sharing a host never touch each other's cgroups.
   */
  private probeCgroups(parent: string): { cgroups: HostCgroups | undefined; control: ResourceControl } {
    const disk = 'disk use of /workspace is measured, not limited';
    const off = (reason: string) => {
      this.log.warn({ reason }, 'workspace CPU, memory and process limits are not enforced: cgroups are not usable here');
      return { cgroups: undefined, control: { mechanism: 'none' as const, note: `not enforced: ${reason}; ${disk}`, diskEnforced: false } };
    };
    if (this.asRoot && !existsSync(this.setpriv)) return off(`${this.setpriv} (util-linux) is missing, so a sandbox could not join its cgroup and then leave root`);
    const agentKey = createHash('sha256').update(resolve(this.dataDir)).digest('hex').slice(0, 12);
    const probe = openHostCgroups({ parent: `${parent}/${agentKey}` });
    if (!probe.cgroups) return off(probe.note);
    this.log.info({ mechanism: probe.cgroups.mechanism, note: probe.note }, 'workspace resource limits are held by cgroups');
    return { cgroups: probe.cgroups, control: { mechanism: probe.cgroups.mechanism, note: `${probe.note}; ${disk}`, diskEnforced: false } };
  }

  /**
   * Cgroups an earlier agent left behind: of workspaces that stopped while no
   * agent watched (empty), or of a sandbox it started but never recorded
   * (still running, known to nobody). Either way they are removed, with what
   * runs in them. A workspace whose recorded sandbox lives keeps its cgroup.
   */
  private sweepStaleCgroups(): void {
    for (const name of this.cgroups?.names() ?? []) {
      if (!workspaceIdPattern.test(name)) continue;
      const state = readWorkspaceState(this.paths(name).state);
      if (state && isAlive(state.sandboxInit)) continue;
      this.queue.run(name, () => this.removeCgroup(name)).catch((err: unknown) => {
        this.log.warn({ workspaceId: name, err: (err as Error).message }, 'could not remove a stale workspace cgroup');
      });
    }
  }

  resourceControl(): ResourceControl {
    return { ...this.control };
  }

  async usage(workspaceId: string): Promise<WorkspaceUsage | undefined> {
    const paths = this.paths(workspaceId);
    const state = readWorkspaceState(paths.state);
    if (!state || !isAlive(state.sandboxInit)) return undefined;
    const mechanism = state.mechanism ?? 'none';
    let counters;
    const cgroup = mechanism !== 'none' && mechanism === this.cgroups?.mechanism ? this.cgroups.open(workspaceId) : undefined;
    try {
      counters = cgroup?.counters();
    } catch (err) {
      this.log.warn({ workspaceId, err: (err as Error).message }, "reading the workspace's cgroup failed");
    }
    const disk = this.disk.read(workspaceId, paths.workspace);
    return {
      limits: state.limits,
      mechanism,
      diskBytes: disk?.bytes,
      diskMeasuredAt: disk?.at,
      diskEnforced: false,
      oomKills: counters?.oomKills ?? 0,
      processLimitHits: counters?.processLimitHits ?? 0,
      memoryBytes: counters?.memoryBytes,
      cpuUsageUsec: counters?.cpuUsageUsec,
    };
  }

  async ensureRunning(spec: WorkspaceRunSpec, hooks: StartHooks = {}): Promise<'started' | 'running'> {
    const paths = this.paths(spec.workspaceId);
    // Said at once, not when the queue gets to it: a status asked right after this call already sees the start.
    if (this.stateOf(spec.workspaceId, paths) !== 'running') this.starting.add(spec.workspaceId);
    return this.queue.run(spec.workspaceId, () => this.start(spec, paths, hooks)).finally(() => this.starting.delete(spec.workspaceId));
  }

  async ensureStopped(workspaceId: string): Promise<void> {
    const paths = this.paths(workspaceId);
    return this.queue.run(workspaceId, () => this.stop(workspaceId, paths));
  }

  async ensureDeleted(workspaceId: string): Promise<void> {
    const paths = this.paths(workspaceId);
    return this.queue.run(workspaceId, async () => {
      await this.stop(workspaceId, paths);
      rmSync(paths.root, { recursive: true, force: true });
      this.disk.forget(workspaceId);
    });
  }

  async status(workspaceId: string): Promise<RuntimeState> {
    return this.stateOf(workspaceId, this.paths(workspaceId));
  }

  async list(): Promise<WorkspaceListing[]> {
    let names: string[];
    try {
      names = readdirSync(join(this.dataDir, 'workspaces'));
    } catch {
      return [];
    }
    const listing: WorkspaceListing[] = [];
    for (const workspaceId of names.filter((name) => workspaceIdPattern.test(name))) {
      const paths = this.paths(workspaceId);
      const state = this.stateOf(workspaceId, paths);
      if (state === 'failed') listing.push({ workspaceId, state, message: readText(paths.failed) ?? '' });
      else if (state !== 'missing') listing.push({ workspaceId, state });
    }
    return listing;
  }

  /**
   * The socket is `<ws>/bridges/<name>.sock` on the host and
   * /run/paddock-bridges/<name>.sock in the sandbox: the directory is the
   * agent's (0711), bound read-only, and no other sandbox binds it.
   */
  async exposeSocket(workspaceId: string, name: string, accept: AcceptConnection): Promise<WorkspaceAddress> {
    const paths = this.paths(workspaceId);
    if (!exposedSocketNamePattern.test(name)) throw new Error(`invalid socket name ${JSON.stringify(name)}`);
    this.prepareBridgeDir(paths);
    await this.listeners.listen(`${workspaceId}/${name}`, join(paths.bridges, `${name}.sock`), accept);
    return { kind: 'unix', path: `${sandboxBridgeDir}/${name}.sock` };
  }

  async closeSocket(workspaceId: string, name: string): Promise<void> {
    assertWorkspaceId(workspaceId);
    await this.listeners.close(`${workspaceId}/${name}`);
  }

  async filesDir(workspaceId: string): Promise<string> {
    const paths = this.paths(workspaceId);
    if (this.stateOf(workspaceId, paths) === 'missing') throw new Error(`workspace ${workspaceId} is not on this agent`);
    return paths.workspace;
  }

  async connect(workspaceId: string, target: DialTarget): Promise<Socket> {
    const paths = this.paths(workspaceId);
    if (target.kind === 'port' && !(Number.isInteger(target.port) && target.port >= 1024 && target.port <= 65535)) {
      throw new Error(`port ${target.port} is outside 1024-65535`);
    }
    if (target.kind === 'service' && !isDialableService(target.service)) throw new Error(`no workspace service ${JSON.stringify(target.service)}`);
    if (this.stateOf(workspaceId, paths) !== 'running') throw new Error(`workspace ${workspaceId} is not running`);
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
    if (target.kind === 'daemon') return socket;
    return daemonPortConnect(socket, target.kind === 'port' ? { port: target.port } : { service: target.service });
  }

  async close(): Promise<void> {
    await this.queue.drain();
    await this.listeners.closeWhere(() => true);
    await this.disk.close();
    // Workspaces keep running (and keep their cgroups); an agent dir with none left goes.
    this.cgroups?.release();
  }

  private paths(workspaceId: string): WorkspacePaths {
    assertWorkspaceId(workspaceId);
    const root = join(this.dataDir, 'workspaces', workspaceId);
    const run = join(root, 'run');
    return {
      root,
      home: join(root, 'home'),
      workspace: join(root, 'workspace'),
      run,
      socket: join(run, DAEMON_SOCKET_NAME),
      bridges: join(root, 'bridges'),
      state: join(root, 'state.json'),
      failed: join(root, 'start-failed'),
      log: join(root, 'sandbox.log'),
    };
  }

  private stateOf(workspaceId: string, paths: WorkspacePaths): RuntimeState {
    if (this.starting.has(workspaceId)) return 'starting';
    const state = readWorkspaceState(paths.state);
    if (state && isAlive(state.sandboxInit)) return 'running';
    if (existsSync(paths.failed)) return 'failed';
    return existsSync(paths.workspace) ? 'stopped' : 'missing';
  }

  /**
   * A sandbox that runs is left as it is: only its daemon must answer. One
   * that doesn't run is created, and if that fails, nothing of it is left
   * running and the workspace is failed (to a new agent too) until it is next
   * started, stopped or deleted.
   */
  private async start(spec: WorkspaceRunSpec, paths: WorkspacePaths, hooks: StartHooks): Promise<'started' | 'running'> {
    const deadline = deadlineIn(this.startTimeoutMs);
    const existing = readWorkspaceState(paths.state);
    if (existing && isAlive(existing.sandboxInit)) {
      await waitForDaemon(paths.socket, deadline, () => (isAlive(existing.sandboxInit) ? undefined : 'the workspace stopped'));
      return 'running';
    }
    this.starting.add(spec.workspaceId);
    rmSync(paths.failed, { force: true });
    try {
      await this.create(spec, paths, hooks, deadline);
      return 'started';
    } catch (error) {
      this.recordFailure(spec.workspaceId, paths, error);
      throw error;
    }
  }

  private async create(spec: WorkspaceRunSpec, paths: WorkspacePaths, hooks: StartHooks, deadline: Deadline): Promise<void> {
    const limits = limitsOf(spec);
    const env = sandboxEnv(spec.env, this.toolchain.length > 0);
    this.prepareDirs(paths);
    if (hooks.seedFiles && readdirSync(paths.workspace).length === 0) {
      await hooks.seedFiles(paths.workspace);
      if (this.asRoot) chownTree(paths.workspace, this.sandboxUid);
    }
    writeDaemonBoot(paths.run, spec);
    // The agent's bridges last: a bridge is ready for the sandbox before it starts, and its variables win.
    Object.assign(env, checkedEnv(await hooks.beforeStart?.() ?? {}));
    const cgroup = await this.makeCgroup(spec.workspaceId, limits);
    let sandbox;
    try {
      sandbox = await this.spawnSandbox(spec, paths, env, limits, cgroup);
    } catch (error) {
      await this.discardCgroup(spec.workspaceId);
      throw error;
    }
    const { child, state } = sandbox;
    let exited = false;
    child.once('exit', () => (exited = true));
    try {
      await waitForDaemon(paths.socket, deadline, () => (exited ? 'the sandbox exited before its daemon answered' : undefined));
    } catch (error) {
      killIfSame(state.sandboxInit);
      killIfSame(state.bwrap);
      removeWorkspaceState(paths.state);
      await this.discardCgroup(spec.workspaceId);
      throw new Error(`workspace ${spec.workspaceId} did not start: ${(error as Error).message}; sandbox stderr: ${this.logTail(paths)}`);
    }
  }

  /** Kept for a new agent to read; a failure to keep it must not hide the failure itself. */
  private recordFailure(workspaceId: string, paths: WorkspacePaths, error: unknown): void {
    try {
      mkdirSync(paths.root, { recursive: true, mode: 0o700 });
      writeFileSync(paths.failed, error instanceof Error ? error.message : String(error), { mode: 0o600 });
    } catch (err) {
      this.log.warn({ workspaceId, err: (err as Error).message }, 'could not record why the workspace did not start');
    }
  }

  private prepareDirs(paths: WorkspacePaths): void {
    this.prepareBridgeDir(paths);
    for (const dir of [paths.home, paths.workspace, paths.run]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (this.asRoot) chownSync(dir, this.sandboxUid, this.sandboxUid);
    }
    // A socket left by a sandbox that was killed would only confuse the readiness check.
    rmSync(paths.socket, { force: true });
  }

  /** The workspace's root and its bridges dir: the agent's, which the sandbox user can only pass through. */
  private prepareBridgeDir(paths: WorkspacePaths): void {
    mkdirSync(paths.root, { recursive: true, mode: 0o700 });
    if (this.asRoot) this.letSandboxUserTraverse(paths.root);
    mkdirSync(paths.bridges, { recursive: true, mode: 0o711 });
    chmodSync(paths.bridges, 0o711);
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
   * A fresh cgroup with the workspace's limits. One of the same name left by a
   * crash goes first, with anything in it. Where that fails, the workspace
   * starts unlimited rather than not at all, and says so (mechanism none).
   */
  private async makeCgroup(workspaceId: string, limits: WorkspaceLimits): Promise<WorkspaceCgroup | undefined> {
    if (!this.cgroups) return undefined;
    try {
      await this.cgroups.open(workspaceId)?.remove();
      const cgroup = this.cgroups.create(workspaceId);
      try {
        cgroup.setLimits({ cpus: limits.cpus, memoryBytes: limits.memoryMiB * MiB, processes: limits.processes });
      } catch (err) {
        await cgroup.remove();
        throw err;
      }
      return cgroup;
    } catch (err) {
      this.log.warn({ workspaceId, err: (err as Error).message }, "could not make the workspace's cgroup: it starts with its limits not enforced");
      return undefined;
    }
  }

  private async removeCgroup(workspaceId: string): Promise<void> {
    await this.cgroups?.open(workspaceId)?.remove();
  }

  /** After a failed start: the start's own error is the one to report; a cgroup that won't go is only logged (the next start or agent sweeps it). */
  private async discardCgroup(workspaceId: string): Promise<void> {
    await this.removeCgroup(workspaceId).catch((err: unknown) => {
      this.log.warn({ workspaceId, err: (err as Error).message }, "could not remove a failed start's cgroup");
    });
  }

  private async spawnSandbox(
    spec: WorkspaceRunSpec, paths: WorkspacePaths, env: Record<string, string>, limits: WorkspaceLimits, cgroup: WorkspaceCgroup | undefined,
  ): Promise<{ child: ChildProcess; state: WorkspaceState }> {
    const code = daemonMounts(this.daemonEntry);
    const nodeBinary = process.execPath;
    if (!nodeBinary.startsWith('/usr/')) throw new Error(`node must live under /usr to run in a sandbox (found ${nodeBinary})`);
    const logFd = openSync(paths.log, 'w', 0o600);
    let child: ChildProcess;
    try {
      const args = bwrapArgs({
        fds: { info: 3, passwd: 4, group: 5, hosts: 6, profile: 7 },
        dirs: { workspace: paths.workspace, home: paths.home, run: paths.run },
        codeMounts: [...code.mounts, ...this.toolchain, ...templateMounts(), { source: paths.bridges, dest: sandboxBridgeDir }],
        nodeBinary,
        daemonEntry: code.entry,
        tmpBytes: limits.tmpMiB * MiB,
      });
      // Joining a cgroup takes root (or a delegated cgroup): the launcher joins, then setpriv leaves root for the sandbox uid.
      const leaveRoot = cgroup && this.asRoot ? [this.setpriv, `--reuid=${this.sandboxUid}`, `--regid=${this.sandboxUid}`, '--clear-groups', '--'] : [];
      // The launcher joins the cgroup, then execs setpriv and bwrap in the same process: nothing of the sandbox runs outside it.
      child = spawn('/bin/sh', ['-c', joinCgroupScript, 'paddock-sandbox', ...(cgroup?.procsFiles ?? []), '--', ...leaveRoot, this.bwrapPath, ...args], {
        // The sandbox's whole environment (secrets among it): never on bwrap's command line, which any host user can read.
        env,
        detached: true,
        stdio: ['ignore', logFd, logFd, 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
        ...(this.asRoot && !cgroup ? { uid: this.sandboxUid, gid: this.sandboxUid } : {}),
      });
    } finally {
      closeSync(logFd);
    }
    // A sandbox that ends before reading its inputs (bwrap refused: no user namespaces here, say) resets these
    // pipes. That is the start failing, said below; as an unhandled 'error' event it would end the agent.
    child.on('error', () => undefined);
    for (const stream of child.stdio) stream?.on('error', () => undefined);
    const etc = sandboxEtcFiles();
    [etc.passwd, etc.group, etc.hosts, etc.profile].forEach((content, i) => (child.stdio[4 + i] as Writable).end(content));
    const info = await readInfo(child.stdio[3] as Readable);
    child.unref();
    for (const stream of child.stdio) stream?.destroy();
    const bwrap = child.pid === undefined ? undefined : readProcessIdentity(child.pid);
    const sandboxInit = info === undefined ? undefined : readProcessIdentity(info);
    if (!bwrap || !sandboxInit) {
      if (bwrap) killIfSame(bwrap);
      throw new Error(`workspace ${spec.workspaceId} did not start: bubblewrap failed; sandbox stderr: ${this.logTail(paths)}`);
    }
    const state: WorkspaceState = { bwrap, sandboxInit, startedAt: this.clock.now().toISOString(), limits, mechanism: cgroup?.mechanism ?? 'none' };
    writeWorkspaceState(paths.state, state);
    return { child, state };
  }

  private async stop(workspaceId: string, paths: WorkspacePaths): Promise<void> {
    await this.listeners.closeWhere((key) => key.startsWith(`${workspaceId}/`));
    rmSync(paths.failed, { force: true });
    const state = readWorkspaceState(paths.state);
    if (state) {
      // SIGKILL to the pid namespace's init takes every process in the sandbox with it.
      killIfSame(state.sandboxInit);
      killIfSame(state.bwrap);
      await waitUntilGone([state.sandboxInit, state.bwrap]);
      removeWorkspaceState(paths.state);
    }
    // Also where no state was left (a crash): the cgroup would otherwise hold what it missed.
    await this.removeCgroup(workspaceId);
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

/** The spec's limits (the defaults where it has none), checked: a portal is trusted, but a 0 here would make a workspace that can't start. */
function limitsOf(spec: WorkspaceRunSpec): WorkspaceLimits {
  const parsed = workspaceLimitsSchema.safeParse(spec.resources ?? DEFAULT_WORKSPACE_LIMITS);
  if (parsed.success) return parsed.data;
  throw new Error(`invalid resource limits: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function checkedEnv(env: Record<string, string>): Record<string, string> {
  for (const key of Object.keys(env)) {
    if (!envKeyPattern.test(key)) throw new Error(`invalid environment variable name ${JSON.stringify(key)}`);
  }
  return env;
}

function sandboxEnv(extra: Record<string, string>, withToolchain: boolean): Record<string, string> {
  return {
    ...checkedEnv(extra),
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
  const deadline = deadlineIn(timeoutMs);
  while (identities.some(isAlive)) {
    if (deadline.passed()) throw new Error(`sandbox processes ${identities.map((i) => i.pid).join(', ')} did not exit`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Gives a tree the agent just wrote (a seeded version) to the sandbox's user. Links are changed
 * themselves (lchown), never followed: the tree came from a version, but no link is trusted.
 */
function chownTree(dir: string, uid: number): void {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    lchownSync(join(entry.parentPath, entry.name), uid, uid);
  }
  lchownSync(dir, uid, uid);
}

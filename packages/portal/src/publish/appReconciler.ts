import type pino from 'pino';
import type { Command, Hello__Output, WorkspaceStatus__Output } from '@paddock/protocol/tunnel';
import { POLICY_SWEEPER } from '../auth/actor.js';
import type { PortalServices } from '../services.js';
import { SingleFlight } from '../singleFlight.js';
import { deadlineIn } from '../clock.js';
import type { Unsubscribe } from '../events/eventBus.js';
import { appIdOf, appSandboxId, isAppSandbox, type AppRow, type PublishedApps } from './publishedApps.js';

type Deps = Pick<PortalServices, 'db' | 'clock' | 'hub' | 'events' | 'blueprintSecrets' | 'workspaceSetup' | 'governancePolicies' | 'workspaceHttp' | 'gitPublisher'>
  & { apps: PublishedApps; log: pino.Logger; resyncEveryMs?: number; answerWithinMs?: number };

/** A command sent and not answered is sent again after this. */
const INFLIGHT_TIMEOUT_MS = 60_000;
/** How long a started version has to answer on its port before it counts as failed. */
const ANSWER_WITHIN_MS = 60_000;
const PROBE_EVERY_MS = 500;
const KILLED = 'a governance kill switch took the app down';

/**
 * A started app's command runs under a loop, so an app that crashes comes back (after 2 s, so a
 * broken one never spins), and `exec` in the command replaces only the inner shell.
 */
export function supervisedCommand(command: string): string {
  const quoted = `'${command.replace(/'/g, `'\\''`)}'`;
  return `while :; do bash -lc ${quoted}; echo "paddock: the app exited ($?); starting it again in 2 s" >&2; sleep 2; done`;
}

/**
 * Keeps each published app's sandboxes on its agent as the database says, level-triggered like
 * the workspaces' reconciler: every pass (and every agent's Hello, every status) compares what
 * should run — the version being published and the version serving now — with what each agent
 * reports, starts what is missing, removes app sandboxes nothing wants, and sends a running one's
 * spec again after its agent reconnects (its bridges listen again). A started version is live
 * once something answers on its port; one that doesn't start or answer in time is failed, and
 * the version that served before serves on. Apps under a governance kill switch are unpublished.
 * A version that goes live is also pushed to its blueprint's git remote, if it names one.
 */
export class AppReconciler {
  /** App sandboxes each connected agent holds, as its Hello and statuses said. */
  private readonly reported = new Map<string, Map<string, string>>();
  /** Sandboxes sent a command on their agent's current connection, and when. */
  private readonly sent = new Map<string, { agentId: string; verb: 'run' | 'delete'; at: number; answered: boolean }>();
  private readonly probing = new Set<string>();
  private readonly passes: SingleFlight;
  private unsubscribe: Unsubscribe[] = [];
  private stopped = false;

  constructor(private readonly deps: Deps) {
    this.passes = new SingleFlight(() => this.pass(), (err) => deps.log.error({ err }, 'app reconcile pass failed'));
  }

  start(): void {
    const { hub, events } = this.deps;
    hub.on('agent-connected', (agentId, hello) => this.onHello(agentId, hello));
    hub.on('agent-disconnected', (agentId) => this.forgetAgent(agentId));
    hub.on('workspace-status', (agentId, status) => {
      if (isAppSandbox(status.workspaceId)) void this.onStatus(agentId, status).catch((err: unknown) => this.deps.log.error({ err }, 'app status handling failed'));
    });
    this.unsubscribe = [
      events.on('publish', () => this.trigger()),
      events.on('governancePolicy', () => this.trigger()),
    ];
    this.passes.start(this.deps.resyncEveryMs ?? 5_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const u of this.unsubscribe) u();
    await this.passes.stop();
  }

  trigger(): void { this.passes.trigger(); }
  settled(): Promise<void> { return this.passes.settled(); }

  private onHello(agentId: string, hello: Hello__Output): void {
    this.forgetAgent(agentId);
    this.reported.set(agentId, new Map(hello.workspaces.filter((w) => isAppSandbox(w.workspaceId)).map((w) => [w.workspaceId, w.state])));
    this.trigger();
  }

  private forgetAgent(agentId: string): void {
    this.reported.delete(agentId);
    for (const [id, s] of this.sent) if (s.agentId === agentId) this.sent.delete(id);
  }

  private async pass(): Promise<void> {
    await this.unpublishKilled();
    const apps = await this.deps.db.selectFrom('published_apps').selectAll().where('state', '<>', 'unpublished').execute();
    const wanted = new Map<string, { app: AppRow; version: string }>();
    for (const app of apps) {
      if (app.state === 'publishing') wanted.set(appSandboxId(app.id, app.version), { app, version: app.version });
      if (app.live_version) wanted.set(appSandboxId(app.id, app.live_version), { app, version: app.live_version });
    }
    const now = this.deps.clock.now().getTime();
    for (const [sandboxId, { app, version }] of wanted) {
      if (!this.deps.hub.isConnected(app.agent_id)) continue;
      const sent = this.sent.get(sandboxId);
      const state = this.reported.get(app.agent_id)?.get(sandboxId);
      if (sent?.verb === 'run' && (sent.answered ? state === 'running' : now - sent.at < INFLIGHT_TIMEOUT_MS)) {
        if (state === 'running' && app.state === 'publishing' && version === app.version) this.probe(app, version, sandboxId);
        continue;
      }
      // A version that failed to start waits for a new publish or a rollback: no crash loop.
      if (app.state === 'failed' && version === app.version && version !== app.live_version) continue;
      await this.sendRun(app, version, sandboxId);
    }
    for (const [agentId, sandboxes] of this.reported) {
      for (const sandboxId of sandboxes.keys()) {
        if (wanted.has(sandboxId)) continue;
        const sent = this.sent.get(sandboxId);
        if (sent?.verb === 'delete' && now - sent.at < INFLIGHT_TIMEOUT_MS) continue;
        if (this.deps.hub.send(agentId, { command: { ensureDeleted: sandboxId } })) {
          this.sent.set(sandboxId, { agentId, verb: 'delete', at: now, answered: false });
        }
      }
    }
  }

  private async sendRun(app: AppRow, version: string, sandboxId: string): Promise<void> {
    let command: Command;
    try {
      command = { ensureRunning: await this.spec(app, version, sandboxId) };
    } catch (err) {
      this.deps.log.error({ app: app.subdomain, err: err instanceof Error ? err.message : String(err) }, "building a published app's spec failed");
      if (app.state === 'publishing' && version === app.version) {
        await this.deps.apps.markFailed(app.id, version, "The app could not start: its blueprint's settings (secrets, policy or limits) could not be read. Ask an admin to check the blueprint.");
      }
      return;
    }
    if (this.deps.hub.send(app.agent_id, { command })) {
      this.sent.set(sandboxId, { agentId: app.agent_id, verb: 'run', at: this.deps.clock.now().getTime(), answered: false });
    }
  }

  /**
   * The app's sandbox: the version as its files, the command as its one session, the
   * blueprint's limits and governance policy (no bypass), its secrets only where the
   * blueprint gives them to apps, and no model route (an app calls no model through Paddock).
   */
  private async spec(app: AppRow, version: string, sandboxId: string): Promise<NonNullable<Command['ensureRunning']>> {
    const blueprint = await this.deps.db.selectFrom('blueprints').select('apps_get_credentials').where('id', '=', app.blueprint_id).executeTakeFirst();
    const secrets = blueprint?.apps_get_credentials ? await this.deps.blueprintSecrets.envFor(app.blueprint_id) : {};
    const { resources } = await this.deps.workspaceSetup.startSpec(app.blueprint_id);
    const policy = await this.deps.governancePolicies.effectiveFor({ id: sandboxId, blueprintId: app.blueprint_id });
    return {
      workspaceId: sandboxId, ownerId: app.owner_id, blueprintId: app.blueprint_id,
      env: { ...secrets, PORT: String(app.port) },
      agentInstructions: '',
      sessions: [{ name: 'app', command: supervisedCommand(app.command), start: true }],
      resources,
      governancePolicy: JSON.stringify(policy),
      app: { sourceWorkspaceId: app.workspace_id, version },
    };
  }

  private async onStatus(agentId: string, status: WorkspaceStatus__Output): Promise<void> {
    const sandboxes = this.reported.get(agentId);
    if (!sandboxes) return;
    if (status.state === 'deleted' || status.state === 'missing') sandboxes.delete(status.workspaceId);
    else sandboxes.set(status.workspaceId, status.state);
    const sent = this.sent.get(status.workspaceId);
    if (sent && sent.agentId === agentId) {
      if (sent.verb === 'delete') this.sent.delete(status.workspaceId);
      else sent.answered = true;
    }
    const app = await this.appOf(status.workspaceId);
    if (!app || app.agent_id !== agentId || app.state !== 'publishing' || appSandboxId(app.id, app.version) !== status.workspaceId) return this.trigger();
    if (status.state === 'running') this.probe(app, app.version, status.workspaceId);
    else if (status.state === 'failed') await this.deps.apps.markFailed(app.id, app.version, `The app's sandbox did not start: ${status.message || 'no reason given'}`);
    this.trigger();
  }

  private async appOf(sandboxId: string): Promise<AppRow | undefined> {
    return this.deps.db.selectFrom('published_apps').selectAll().where('id', '=', appIdOf(sandboxId)).executeTakeFirst();
  }

  /** Live once anything answers HTTP on the app's port (any status: the app answered); failed if nothing does in time. */
  private probe(app: AppRow, version: string, sandboxId: string): void {
    if (this.probing.has(sandboxId)) return;
    this.probing.add(sandboxId);
    // Real time, whatever time a test sets for the portal: this waits on a real process starting.
    const deadline = deadlineIn(this.deps.answerWithinMs ?? ANSWER_WITHIN_MS);
    const attempt = async (): Promise<void> => {
      while (!this.stopped) {
        try {
          const res = await this.deps.workspaceHttp.request({ agentId: app.agent_id, workspaceId: sandboxId, target: { port: app.port } }, {
            peer: 'the app', method: 'GET', path: '/', headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000,
          }, 'probe');
          res.resume();
          const live = await this.deps.apps.markLive(app.id, version);
          // Where the blueprint names a git remote, the version now serving is pushed there too (audited; never throws).
          if (live) await this.deps.gitPublisher.pushApproved({ workspaceId: live.workspace_id, blueprintId: live.blueprint_id, version, subdomain: live.subdomain, agentId: live.agent_id, requestId: live.request_id });
          return;
        } catch {
          if (deadline.passed()) {
            const seconds = Math.round((this.deps.answerWithinMs ?? ANSWER_WITHIN_MS) / 1000);
            return this.deps.apps.markFailed(app.id, version, `The app started but nothing answered on port ${app.port} within ${seconds} s. Does "${app.command}" listen on 127.0.0.1:${app.port} (or $PORT)?`);
          }
          await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
        }
      }
    };
    attempt().catch((err: unknown) => this.deps.log.error({ err, app: app.subdomain }, 'probing a published app failed'))
      .finally(() => { this.probing.delete(sandboxId); this.trigger(); });
  }

  /** A kill switch engaged for the org or an app's blueprint takes its apps down (audited, as the policy's own actor). */
  private async unpublishKilled(): Promise<void> {
    const switches = await this.deps.db.selectFrom('governance_kill_switches').select(['scope', 'blueprint_id']).where('engaged', '=', true).execute();
    if (switches.length === 0) return;
    const all = switches.some((s) => s.scope === 'org');
    let q = this.deps.db.selectFrom('published_apps').selectAll().where('state', '<>', 'unpublished');
    if (!all) q = q.where('blueprint_id', 'in', switches.map((s) => s.blueprint_id!));
    for (const app of await q.execute()) {
      const row = await this.deps.db.transaction().execute((tx) => this.deps.apps.takeDown(tx, POLICY_SWEEPER, app, KILLED));
      this.deps.apps.changed(row);
    }
  }
}

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import type pino from 'pino';
import { AuditLog } from './audit/auditLog.js';
import { Identity } from './auth/identity.js';
import { Invites } from './auth/invites.js';
import { PasswordResets } from './auth/passwordResets.js';
import { Blueprints } from './blueprints/blueprints.js';
import { BlueprintAccessControl } from './blueprints/blueprintAccess.js';
import { BlueprintLlmKeys, WorkspaceSetup } from './blueprints/workspaceSetup.js';
import { systemClock, type Clock } from './clock.js';
import type { PortalConfig } from './config.js';
import { openDatabase, withQueryPlugin, type Database } from './db/database.js';
import { registerHealthRoutes } from './health.js';
import { registerMetricsRoutes } from './metrics/metricsRoutes.js';
import { PortalMetrics } from './metrics/portalMetrics.js';
import { queryTiming } from './metrics/queryTiming.js';
import { beforeRouteErrorHandler, clientErrorHandler, errorHandler } from './api/errorHandler.js';
import { openApiDocument } from './api/openapi.js';
import { registerRoutes } from './api/registerRoutes.js';
import { registerScimContentType } from './scim/scimErrors.js';
import { BrandingService } from './branding/brandingService.js';
import { registerImageContentTypes } from './api/brandingRoutes.js';
import { apiRoutes, webSocketRoutes } from './api/routes.js';
import { registerTerminalRoute } from './api/terminalRoute.js';
import { bootstrap, type BootstrapResult } from './bootstrap.js';
import { ApiError } from './errors.js';
import { createLogger } from './logger.js';
import type { PortalServices } from './services.js';
import { AgentHub } from './tunnel/agentHub.js';
import { WorkspaceHttp } from './tunnel/workspaceHttp.js';
import { Enrollment } from './tunnel/enrollment.js';
import { ensureTlsMaterial, type TlsMaterial } from './tunnel/tlsMaterial.js';
import { startTunnelServer } from './tunnel/tunnelServer.js';
import { openEventBus } from './events/openEventBus.js';
import { Reconciler } from './workspaces/reconciler.js';
import { BlueprintAccessSweep } from './workspaces/blueprintAccessSweep.js';
import { LlmUsage } from './usage/llmUsage.js';
import { ModelPrices } from './usage/modelPrices.js';
import { Budgets } from './usage/budgets.js';
import { BudgetWatch } from './usage/budgetWatch.js';
import { IpAllowlist } from './ipAllowlist/ipAllowlist.js';
import { registerIpAllowlist } from './ipAllowlist/ipAllowlistHook.js';
import { BlueprintSecrets } from './secrets/blueprintSecrets.js';
import { MasterKeyRing } from './secrets/masterKeys.js';
import { Secrets } from './secrets/secrets.js';
import { Settings } from './settings.js';
import { OidcSignIn } from './auth/oidc/oidcSignIn.js';
import { SsoSettings } from './auth/oidc/ssoConfig.js';
import { SignInSettings } from './auth/signInSettings.js';
import { TerminalTickets } from './workspaces/terminalTickets.js';
import { Workspaces } from './workspaces/workspaces.js';
import { WorkspaceDirectory } from './workspaces/workspaceDirectory.js';
import { LiveConnections } from './relay/connections.js';
import { SecurityOverviewService } from './security/securityOverview.js';
import { WorkspaceActivity } from './workspaces/workspaceActivity.js';
import { ResourcePolicies } from './policies/resourcePolicies.js';
import { ResourcePolicySweep } from './policies/resourcePolicySweep.js';
import { ComputeUsage } from './usage/computeUsage.js';
import { WorkspaceResourceReports } from './workspaces/workspaceResources.js';
import { PreviewAuth } from './preview/previewAuth.js';
import { OpenCodeProxy } from './ai/openCodeProxy.js';
import { registerPreviewProxy } from './preview/previewProxy.js';
import { registerSecurityHeaders } from './securityHeaders.js';
import { scheduledBackups } from './backup/backupScheduler.js';
import { BackupDirectory } from './backup/backupDirectory.js';
import { registerRequestIds, requestIdFor } from './requestId.js';
import { GovernancePolicies } from './governance/governancePolicies.js';
import { GovernanceEvents } from './governance/governanceEvents.js';
import { GovernanceApprovals } from './governance/governanceApprovals.js';
import { GovernanceSimulator } from './governance/governanceSimulator.js';
import { GovernanceSuggester } from './governance/governanceSuggester.js';
import { WorkspaceGovernance } from './governance/workspaceGovernance.js';
import { AgentVersions } from './publish/agentVersions.js';
import { Publishing } from './publish/publishing.js';
import { PublishedApps } from './publish/publishedApps.js';
import { AppReconciler } from './publish/appReconciler.js';
import { AppAuth } from './publish/appAuth.js';
import { registerAppProxy } from './publish/appProxy.js';
import { GitPublisher } from './publish/gitPush.js';
import { BlueprintGitRemotes } from './publish/gitRemotes.js';
import { GovernanceTunnel } from './governance/governanceTunnel.js';
import { GovernanceHealth } from './governance/governanceHealth.js';
import { configuredRegistries } from './governance/packageRegistries.js';
import { registerGovernanceFeed } from './api/governanceFeedRoute.js';

export interface PortalOptions {
  config: PortalConfig;
  /** An open database (tests); otherwise one is opened from the config. */
  db?: Database;
  clock?: Clock;
  log?: pino.Logger;
}

export interface Portal {
  app: FastifyInstance;
  services: PortalServices;
  /** The HTTP port actually bound (config.port may be 0). */
  port: number;
  tunnelPort: number;
  tls: TlsMaterial;
  bootstrap: BootstrapResult;
  close(): Promise<void>;
}

async function loadTls(config: PortalConfig): Promise<TlsMaterial> {
  if (config.tunnelTlsCertFile && config.tunnelTlsKeyFile) {
    return { cert: readFileSync(config.tunnelTlsCertFile, 'utf8'), key: readFileSync(config.tunnelTlsKeyFile, 'utf8') };
  }
  return ensureTlsMaterial(join(config.dataDir, 'tls'), config.tunnelHostnames);
}

/** Builds and starts a portal: database, HTTP API and web app, tunnel server, reconciler. */
export async function startPortal(options: PortalOptions): Promise<Portal> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger(config.logLevel);
  const metrics = new PortalMetrics();
  const opened = options.db ?? await openDatabase({
    url: config.databaseUrl,
    pgliteDir: join(config.dataDir, 'pglite'),
    onConnectionError: (err) => log.warn({ err: err.message }, 'a database connection failed; the pool replaces it'),
  });
  const db = withQueryPlugin(opened, queryTiming((operation, seconds) => metrics.dbQueryDuration.observe({ operation }, seconds)));
  metrics.observeDatabase(db, clock);

  const audit = new AuditLog(db, clock);
  const identity = new Identity(db, clock, audit);
  const blueprints = new Blueprints(db, clock, audit, new BlueprintAccessControl(db, clock, audit));
  // The bus is listening before anything could publish, so no other portal's event is missed from here on.
  const events = await openEventBus({ databaseUrl: config.databaseUrl, db, log: log.child({ component: 'events' }) });
  const workspaces = new Workspaces(db, clock, audit, events, blueprints.access);
  const settings = new Settings(db, clock);
  const resourcePolicies = new ResourcePolicies({ db, clock, audit, settings, workspaces });
  const policySweep = new ResourcePolicySweep(workspaces, log.child({ component: 'resource-policy' }));
  const hub = new AgentHub({ dialTimeoutMs: config.tunnelHttp.dialMs, clock });
  metrics.observeHub(hub);
  const workspaceHttp = new WorkspaceHttp(hub, { clock, poolIdleMs: config.tunnelHttp.poolIdleMs });
  workspaceHttp.followWorkspaces(events);
  const enrollment = new Enrollment(db, clock);
  const keys = new MasterKeyRing({ envKey: config.masterKey, envPrevious: config.masterKeyPrevious, keyFile: join(config.dataDir, 'master.key') });
  const secrets = new Secrets(db, keys, clock);
  const blueprintSecrets = new BlueprintSecrets(db, secrets, audit);
  const blueprintLlmKeys = new BlueprintLlmKeys(db, secrets, audit);
  const llmRoute = config.llm && { upstreamBaseUrl: config.llm.baseUrl, upstreamApiKey: config.llm.apiKey, model: config.llm.model };
  const workspaceSetup = new WorkspaceSetup(db, blueprintLlmKeys, llmRoute, () => resourcePolicies.orgLimits(), log.child({ component: 'workspace-setup' }));
  // Read once: the default org policy allows the package registries this machine is configured with.
  const registries = configuredRegistries();
  const governancePolicies = new GovernancePolicies({ db, clock, audit, events }, () => registries);
  const modelPrices = new ModelPrices(db, clock, audit);
  const usage = new LlmUsage(db, clock, events, modelPrices);
  const governanceEvents = new GovernanceEvents({ db, clock, events, metrics });
  const budgets = new Budgets(db, clock, audit);
  const budgetWatch = new BudgetWatch({ db, clock, events, modelPrices, governanceEvents, budgets, usage, metrics, log: log.child({ component: 'budgets' }) });
  // A model call is activity: an agent at work keeps its workspace from the idle stop. One the gateway refused by a
  // used-up budget reached no model: it is counted against the budget, not in the ledger, and is no activity.
  hub.on('usage', (agentId, record) => void (record.refused
    ? budgetWatch.refused(agentId, record)
    : usage.record(agentId, record).then((stored) => (stored ? workspaces.touch(record.workspaceId) : undefined)))
    .catch((err: unknown) => log.error({ err }, 'storing a usage record failed')));
  const reconciler = new Reconciler({ db, clock, hub, workspaces, events, blueprintSecrets, workspaceSetup, governancePolicies, budgetWatch, metrics, timings: config.reconciler, log: log.child({ component: 'reconciler' }) });
  budgetWatch.onRefusalsChanged(() => reconciler.refreshSpecs());
  const accessSweep = new BlueprintAccessSweep(workspaces, log.child({ component: 'blueprint-access' }));
  const resourceReports = new WorkspaceResourceReports(db, clock, (id) => workspaces.notifyChanged(id), log.child({ component: 'workspace-resources' }));
  hub.on('workspace-usage', (agentId, report) => void resourceReports.record(agentId, report).catch((err: unknown) => log.error({ err }, 'storing a workspace usage report failed')));
  const sso = new SsoSettings(config.oidc, settings, secrets, audit);
  const signInSettings = new SignInSettings(settings, sso, audit);
  const oidc = new OidcSignIn({ db, clock, audit, identity, sso, signInSettings, log: log.child({ component: 'oidc' }) });
  const governanceHealth = new GovernanceHealth({ db, clock, hub, log: log.child({ component: 'governance-health' }) });
  governanceHealth.start();
  const governanceApprovals = new GovernanceApprovals({ db, clock, audit, events });
  metrics.observeGovernance(db, governancePolicies, governanceHealth);
  const governanceSimulator = new GovernanceSimulator({ db, clock, governancePolicies });
  const governanceSuggester = new GovernanceSuggester({ governancePolicies, simulator: governanceSimulator });
  const governanceTunnel = new GovernanceTunnel({ hub, events, governanceEvents, approvals: governanceApprovals, log: log.child({ component: 'governance' }) });
  const backups = new BackupDirectory({
    config, db, clock, onOutcome: (kind, outcome) => metrics.backups.inc({ kind, outcome }),
  });
  metrics.observeBackups(backups);
  const versions = new AgentVersions({ workspaceHttp });
  const gitRemotes = new BlueprintGitRemotes({ db, clock, audit, secrets });
  const gitPublisher = new GitPublisher({ audit, log: log.child({ component: 'git-push' }), versions, remotes: gitRemotes });
  const appAuth = new AppAuth(db, clock);
  const apps = new PublishedApps({ db, clock, audit, events, config, appAuth });
  const appReconciler = new AppReconciler({
    db, clock, hub, events, blueprintSecrets, workspaceSetup, governancePolicies, workspaceHttp, apps, gitPublisher, log: log.child({ component: 'app-reconciler' }),
    resyncEveryMs: config.reconciler.resyncEveryMs,
  });
  const ipAllowlist = new IpAllowlist(db, clock, audit, log.child({ component: 'ip-allowlist' }));
  const connections = new LiveConnections(clock);
  const services: PortalServices = {
    config, db, clock, log, audit, identity, blueprints, workspaces, events, hub, workspaceHttp, enrollment, reconciler, usage, modelPrices, budgets, budgetWatch,
    activity: new WorkspaceActivity(db, clock, audit, workspaces),
    workspaceDirectory: new WorkspaceDirectory(db),
    resourcePolicies, policySweep,
    computeUsage: new ComputeUsage(db, clock),
    tickets: new TerminalTickets(db, clock),
    invites: new Invites(db, clock, audit, identity),
    passwordResets: new PasswordResets(db, clock, audit, identity),
    secrets, blueprintSecrets, blueprintLlmKeys, workspaceSetup,
    ipAllowlist,
    connections,
    security: new SecurityOverviewService({ db, clock, audit, connections, ipAllowlist }),
    settings, sso, signInSettings, oidc,
    branding: new BrandingService({ db, clock, settings, audit }),
    previews: new PreviewAuth(db, clock),
    governancePolicies, governanceEvents, governanceApprovals, governanceSimulator, governanceSuggester, governanceHealth, metrics,
    workspaceGovernance: new WorkspaceGovernance({ db, clock, workspaces, governancePolicies }),
    openCode: new OpenCodeProxy({ config, workspaces, workspaceHttp }),
    publishing: new Publishing({ db, clock, audit, events, workspaces, governancePolicies, apps, versions }),
    apps, appReconciler, gitRemotes, gitPublisher,
    backups,
  };
  const boot = await bootstrap(config, services);

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    // req.ip (sign-in rate limits, session records) reads X-Forwarded-For only from the allowlist's trusted proxies.
    trustProxy: (address: string) => services.ipAllowlist.isTrustedProxy(address),
    // Event streams and terminals never go idle; shutdown must not wait for them.
    forceCloseConnections: true,
    genReqId: requestIdFor,
    // Every error answers in the one shape (SCIM's on /scim/v2), also those before any route is
    // chosen (a URL that is not valid, a parameter over maxParamLength) and those of the HTTP parser.
    frameworkErrors: beforeRouteErrorHandler,
    clientErrorHandler,
  });
  app.setErrorHandler(errorHandler);
  registerRequestIds(app);
  registerMetricsRoutes(app, { metrics, token: config.metricsToken });
  await registerIpAllowlist(app, services.ipAllowlist);
  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, { options: { maxPayload: 1024 * 1024, perMessageDeflate: false } });
  // Preview hosts are proxied before any portal route sees them (after the allowlist; it wraps the plugin's upgrade listener).
  registerPreviewProxy(app, services);
  // Published apps the same way, on their own domain.
  registerAppProxy(app, { ...services, appAuth });
  await registerSecurityHeaders(app, config);
  let tunnelListening = false;
  registerHealthRoutes(app, { db, tunnelUp: () => tunnelListening });
  const openapi = openApiDocument(apiRoutes, webSocketRoutes);
  app.get('/api/v1/openapi.json', async () => openapi);
  registerScimContentType(app);
  registerImageContentTypes(app);
  accessSweep.watch(app);
  registerRoutes(app, apiRoutes, services);
  registerTerminalRoute(app, services);
  registerGovernanceFeed(app, services);

  const indexHtml = join(config.webDir, 'index.html');
  const hasWeb = existsSync(indexHtml);
  if (hasWeb) await app.register(fastifyStatic, { root: config.webDir, wildcard: false, index: false });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    if (req.method === 'GET' && !path.startsWith('/api/') && !path.startsWith('/scim/') && hasWeb) {
      // The single-page app owns every other path.
      return reply.type('text/html').header('cache-control', 'no-cache').send(readFileSync(indexHtml));
    }
    // Also any method a route doesn't take (PROPFIND, TRACE…; ones HTTP itself doesn't know are the parser's 501).
    return beforeRouteErrorHandler(new ApiError(404, 'not_found', `no route for ${req.method} ${path.slice(0, 200)}`), req, reply);
  });

  const tls = await loadTls(config);
  const tunnel = await startTunnelServer({
    host: config.tunnelHost, port: config.tunnelPort, tls, hub, enrollment,
    // An agent's silence is real time on a real connection, whatever time a test sets for tickets and sessions:
    // on the portal's clock, a test that moves it would have every agent drop for missed heartbeats.
    clock: systemClock,
    log: log.child({ component: 'tunnel' }),
  });
  tunnelListening = true;
  governanceTunnel.start();
  budgetWatch.start();
  reconciler.start();
  appReconciler.start();
  accessSweep.start();
  policySweep.start();
  const backupSchedule = scheduledBackups(backups, config.backup.intervalMs, clock, log.child({ component: 'backup' }));
  backupSchedule?.start();

  const close = async () => {
    await accessSweep.stop();
    await policySweep.stop();
    await reconciler.stop();
    await appReconciler.stop();
    await budgetWatch.stop();
    await governanceTunnel.stop();
    await backupSchedule?.stop();
    tunnelListening = false;
    await tunnel.close();
    await app.close();
    workspaceHttp.close();
    await events.close();
    if (!options.db) await db.destroy();
  };
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    // A port in use: nothing of this portal is left running (its tunnel, reconciler, timers) when it says so.
    await close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  if (config.enrollmentTokenFile && !existsSync(config.enrollmentTokenFile)) {
    const anyAgent = await db.selectFrom('agents').select('id').limit(1).executeTakeFirst();
    if (!anyAgent) writeFileSync(config.enrollmentTokenFile, await enrollment.createToken(), { mode: 0o600 });
  }

  return {
    app, services, port, tunnelPort: tunnel.port, tls, bootstrap: boot, close,
  };
}

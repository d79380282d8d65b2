import type pino from 'pino';
import type { AuditLog } from './audit/auditLog.js';
import type { Identity } from './auth/identity.js';
import type { Invites } from './auth/invites.js';
import type { PasswordResets } from './auth/passwordResets.js';
import type { OidcSignIn } from './auth/oidc/oidcSignIn.js';
import type { SsoSettings } from './auth/oidc/ssoConfig.js';
import type { SignInSettings } from './auth/signInSettings.js';
import type { Blueprints } from './blueprints/blueprints.js';
import type { Clock } from './clock.js';
import type { PortalConfig } from './config.js';
import type { Database } from './db/database.js';
import type { EventBus } from './events/eventBus.js';
import type { AgentHub } from './tunnel/agentHub.js';
import type { WorkspaceHttp } from './tunnel/workspaceHttp.js';
import type { Enrollment } from './tunnel/enrollment.js';
import type { LlmUsage } from './usage/llmUsage.js';
import type { ModelPrices } from './usage/modelPrices.js';
import type { Budgets } from './usage/budgets.js';
import type { BudgetWatch } from './usage/budgetWatch.js';
import type { Reconciler } from './workspaces/reconciler.js';
import type { IpAllowlist } from './ipAllowlist/ipAllowlist.js';
import type { BlueprintSecrets } from './secrets/blueprintSecrets.js';
import type { BlueprintLlmKeys, WorkspaceSetup } from './blueprints/workspaceSetup.js';
import type { Secrets } from './secrets/secrets.js';
import type { Settings } from './settings.js';
import type { BrandingService } from './branding/brandingService.js';
import type { TerminalTickets } from './workspaces/terminalTickets.js';
import type { Workspaces } from './workspaces/workspaces.js';
import type { WorkspaceDirectory } from './workspaces/workspaceDirectory.js';
import type { LiveConnections } from './relay/connections.js';
import type { SecurityOverviewService } from './security/securityOverview.js';
import type { WorkspaceActivity } from './workspaces/workspaceActivity.js';
import type { ResourcePolicies } from './policies/resourcePolicies.js';
import type { ResourcePolicySweep } from './policies/resourcePolicySweep.js';
import type { ComputeUsage } from './usage/computeUsage.js';
import type { PreviewAuth } from './preview/previewAuth.js';
import type { GovernancePolicies } from './governance/governancePolicies.js';
import type { GovernanceEvents } from './governance/governanceEvents.js';
import type { GovernanceApprovals } from './governance/governanceApprovals.js';
import type { GovernanceHealth } from './governance/governanceHealth.js';
import type { GovernanceSimulator } from './governance/governanceSimulator.js';
import type { GovernanceSuggester } from './governance/governanceSuggester.js';
import type { WorkspaceGovernance } from './governance/workspaceGovernance.js';
import type { OpenCodeProxy } from './ai/openCodeProxy.js';
import type { BackupDirectory } from './backup/backupDirectory.js';
import type { Publishing } from './publish/publishing.js';
import type { PublishedApps } from './publish/publishedApps.js';
import type { AppReconciler } from './publish/appReconciler.js';
import type { GitPublisher } from './publish/gitPush.js';
import type { BlueprintGitRemotes } from './publish/gitRemotes.js';
import type { PortalMetrics } from './metrics/portalMetrics.js';

/**
 * Everything a route handler may use, built once in app.ts, in order. Whatever else
 * needs some of it (a service, the reconciler, a proxy) declares the few it takes as
 * `Pick<PortalServices, …>` and gets them when it is built.
 */
export interface PortalServices {
  config: PortalConfig;
  db: Database;
  clock: Clock;
  log: pino.Logger;
  audit: AuditLog;
  identity: Identity;
  invites: Invites;
  passwordResets: PasswordResets;
  blueprints: Blueprints;
  workspaces: Workspaces;
  /** Everyone's workspaces, filtered, for the admin list. */
  workspaceDirectory: WorkspaceDirectory;
  activity: WorkspaceActivity;
  tickets: TerminalTickets;
  /** The event bus (events/eventBus.ts): workspace, usage, governance, approval and publish events, across portals. */
  events: EventBus;
  hub: AgentHub;
  /** HTTP to a workspace's daemon, ports and services, over pooled tunnel streams. */
  workspaceHttp: WorkspaceHttp;
  enrollment: Enrollment;
  reconciler: Reconciler;
  usage: LlmUsage;
  /** The model price table that costs usage (usage/usageCost.ts). */
  modelPrices: ModelPrices;
  /** The monthly budget list (usage/budgets.ts). */
  budgets: Budgets;
  /** Budgets as they stand this month: alerts, and what the gateway must refuse (usage/budgetWatch.ts). */
  budgetWatch: BudgetWatch;
  secrets: Secrets;
  blueprintSecrets: BlueprintSecrets;
  blueprintLlmKeys: BlueprintLlmKeys;
  /** What a workspace's start command takes from its blueprint: the model route, the daemon's start spec, the limits. */
  workspaceSetup: WorkspaceSetup;
  ipAllowlist: IpAllowlist;
  /** The terminals, AI chat streams and preview WebSockets open through this portal now; each relay adds and removes its own. */
  connections: LiveConnections;
  /** The Security dashboard, and ending a live connection. */
  security: SecurityOverviewService;
  settings: Settings;
  /** White-label: the portal's name, accent colour, welcome, logos and favicon (branding/brandingService.ts). */
  branding: BrandingService;
  resourcePolicies: ResourcePolicies;
  policySweep: ResourcePolicySweep;
  computeUsage: ComputeUsage;
  sso: SsoSettings;
  signInSettings: SignInSettings;
  oidc: OidcSignIn;
  previews: PreviewAuth;
  /** Agent governance (issue 9): the policies and kill switches, the events agents report, the held actions. */
  governancePolicies: GovernancePolicies;
  governanceEvents: GovernanceEvents;
  governanceApprovals: GovernanceApprovals;
  /** Whether each running workspace's hooks, gateway and proxy serve it, as the agents connected here report. */
  governanceHealth: GovernanceHealth;
  /** This portal's Prometheus registry (`GET /metrics`): services that count something take it. */
  metrics: PortalMetrics;
  /** Rolling out a policy: recorded events replayed against a draft, and allow rules suggested from a blueprint's monitor-mode baseline. */
  governanceSimulator: GovernanceSimulator;
  governanceSuggester: GovernanceSuggester;
  /** What a workspace's owner sees of it: the kill switch and why, the held actions waiting for an admin. */
  workspaceGovernance: WorkspaceGovernance;
  /** The AI chat's way to OpenCode inside a workspace. */
  openCode: OpenCodeProxy;
  /** PADDOCK_BACKUP_DIR: the online backups this portal writes, scheduled and on request. */
  backups: BackupDirectory;
  /** Publish requests (issue 10): versions snapshotted and checked on the agent, reviewed here; the files stay on the agent. */
  publishing: Publishing;
  /** Published apps: what serves at each subdomain (publish/publishedApps.ts). */
  apps: PublishedApps;
  /** Keeps each app's sandboxes on its agent as `apps` says. */
  appReconciler: AppReconciler;
  /** A blueprint's git remote (URL, branch, user; the token sealed in `secrets`), where approved versions are also pushed. */
  gitRemotes: BlueprintGitRemotes;
  /** Pushes a version going live to its blueprint's git remote, audited; never throws (publish/gitPush.ts). */
  gitPublisher: GitPublisher;
}

import type { ColumnType, Generated } from 'kysely';
import type {
  AuditActorKind, AuditOutcome, BlueprintAccessKind, BlueprintAccessLevel, BlueprintIllustration, DeactivatedBy, DesiredState, IdentitySource, Role, WorkspaceState, StopReason,
  BrandingAssetSlot, BrandingImageType,
} from '@paddock/protocol';
import type { BudgetMonthsTable, BudgetsTable, LlmUsageTable, ModelPricesTable, WorkspaceRunsTable } from './usageSchema.js';
import type { WorkspaceActivityTable } from './activitySchema.js';
import type { BlueprintWorkspaceConfigColumn } from './blueprintConfigSchema.js';
import type { OidcLoginStatesTable, OidcSessionsTable } from './oidcTables.js';
import type { PreviewSessionsTable, PreviewTokensTable } from './previewTables.js';
import type { AppSessionsTable, AppTokensTable, PublishedAppsTable, PublishRequestsTable } from './publishSchema.js';
import type {
  GovernanceApprovalsTable, GovernanceBlueprintOverridesTable, GovernanceEventsTable, GovernanceGrantsTable, GovernanceKillSwitchesTable,
  GovernanceOrgPolicyTable,
} from './governanceSchema.js';

/**
 * Table types for Kysely. Timestamps are written by the app (from its clock).
 * A column a CHECK constraint limits to a list of values has that list's type
 * (the protocol's enum), so rows read and written carry it without casts;
 * db/enumColumns.ts lists them and its test compares them with the constraints
 * of a migrated database, so the two can't drift.
 */
type Timestamp = ColumnType<Date, Date, Date>;
/** A column with a default: optional on insert. */
type WithDefault<T> = ColumnType<T, T | undefined, T>;

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  last_login_at: Timestamp | null;
  trusted: ColumnType<boolean, boolean | undefined, boolean>;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  source: WithDefault<IdentitySource>;
  external_id: ColumnType<string | null, string | null | undefined, string | null>;
  oidc_subject: ColumnType<string | null, string | null | undefined, string | null>;
  /** SCIM (migrations/0005_scim.sql). */
  given_name: ColumnType<string | null, string | null | undefined, string | null>;
  family_name: ColumnType<string | null, string | null | undefined, string | null>;
  scim_emails: ColumnType<ScimEmail[] | null, string | null | undefined, string | null>;
  scim_deleted_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Who deactivated the account, while it is inactive (migrations/0009_identity_lifecycle.sql). */
  deactivated_by: ColumnType<DeactivatedBy | null, DeactivatedBy | null | undefined, DeactivatedBy | null>;
}

export interface ScimEmail { value: string; type?: string; primary?: boolean }

export interface SessionsTable {
  id_hash: string;
  /** Public id, for listing and revoking; the cookie value is never stored. */
  id: string;
  ip: ColumnType<string, string | undefined, string>;
  user_agent: ColumnType<string, string | undefined, string>;
  user_id: string;
  csrf_token: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
}

export interface BlueprintsTable {
  id: string;
  name: string;
  description: string;
  access: WithDefault<BlueprintAccessLevel>;
  created_at: Timestamp;
  updated_at: Timestamp;
  workspace_config: BlueprintWorkspaceConfigColumn;
  /** Its apps may be public (migration 0023). */
  allow_public_apps: ColumnType<boolean, boolean | undefined, boolean>;
  /** Its trusted builders skip review when every check passes (migration 0023). */
  trusted_publishing: ColumnType<boolean, boolean | undefined, boolean>;
  /** Its overrides of the org's lifecycle policy (migration 0025; BlueprintLifecycleOverrides): read as parsed JSON, written as a JSON string. */
  resource_policy: ColumnType<unknown, string | undefined, string>;
  /** Its published apps get its secrets as environment (migration 0028); by default none. */
  apps_get_credentials: ColumnType<boolean, boolean | undefined, boolean>;
  /** The git remote its approved versions are pushed to (migration 0029; publish/gitRemotes.ts); the token is in `secrets`. */
  git_remote_url: ColumnType<string | null, string | null | undefined, string | null>;
  /** null: each app's own branch, paddock/<subdomain>. */
  git_remote_branch: ColumnType<string | null, string | null | undefined, string | null>;
  git_remote_username: ColumnType<string | null, string | null | undefined, string | null>;
  git_remote_updated_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Disabled: hidden from builders, new workspaces for admins only (migration 0030). */
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  /** Set while archived: out of every catalog, no new workspaces (migration 0030). */
  archived_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Its catalog card's built-in picture (migration 0030; protocol blueprintIllustrationSchema). */
  illustration: ColumnType<BlueprintIllustration | null, BlueprintIllustration | null | undefined, BlueprintIllustration | null>;
}

export interface AgentsTable {
  id: string;
  name: string;
  secret_hash: string;
  version: string;
  created_at: Timestamp;
  last_seen_at: Timestamp | null;
  /** The tunnel protocol it last spoke, major.minor ('' before 0015). */
  protocol: Generated<string>;
  refused_reason: string | null;
  refused_at: Timestamp | null;
}

export interface EnrollmentTokensTable {
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  agent_id: string | null;
}

export interface WorkspacesTable {
  id: string;
  /** The internal slug: unique per owner, fixed. */
  name: string;
  /** migrations/0031: what its builder calls it (free text); an insert without one takes the name (a trigger). */
  display_name: ColumnType<string, string | undefined, string>;
  owner_id: string;
  blueprint_id: string;
  agent_id: string | null;
  state: WorkspaceState;
  desired_state: DesiredState;
  state_message: string;
  /** migrations/0011: the agent's last resource report (workspaceResources.ts); read as parsed JSON, written as a JSON string. */
  resource_usage: ColumnType<unknown, string | null | undefined, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** migrations/0025: the last activity, when it was last asked to run, and to stop; the policy's deadlines are computed from them (policies/resourcePolicySql.ts). */
  last_active_at: WithDefault<Date>;
  running_since: Date | null;
  stopped_at: Date | null;
  /** Why the resource policy stopped it; null when a person did, or it runs. */
  stop_reason: StopReason | null;
}

export interface AuditLogTable {
  id: number;
  at: Timestamp;
  /** 'user', 'system' or 'anonymous'; null on rows written before migration 0016. */
  actor_kind: AuditActorKind | null;
  actor_id: string | null;
  actor_email: string | null;
  /** A system actor's name (reconciler, scim, operator…). */
  actor_name: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  blueprint_id: string | null;
  outcome: AuditOutcome;
  detail: ColumnType<Record<string, unknown>, string, string>;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  singleton: number;
  last_id: number;
  last_hash: string;
}

export interface TerminalTicketsTable {
  ticket_hash: string;
  user_id: string;
  workspace_id: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface GroupsTable {
  id: string;
  display_name: string;
  external_id: string | null;
  source: IdentitySource;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface GroupMembersTable {
  group_id: string;
  user_id: string;
}

export interface BlueprintAccessRulesTable {
  id: string;
  blueprint_id: string;
  kind: BlueprintAccessKind;
  value: string;
  created_at: Timestamp;
}

export interface InvitesTable {
  id: string;
  token_hash: string;
  email: string;
  role: Role;
  created_by: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface PasswordResetsTable {
  id: string;
  token_hash: string;
  user_id: string;
  created_by: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface RateLimitWindowsTable {
  scope: string;
  key: string;
  attempts: number;
  window_ends_at: Timestamp;
}

export interface SettingsTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: Timestamp;
}

/** An uploaded logo or favicon (migration 0032); `bytes` is what is served, checked and sanitised before it was stored. */
export interface BrandingAssetsTable {
  slot: BrandingAssetSlot;
  content_type: BrandingImageType;
  bytes: Uint8Array;
  sha256: string;
  updated_at: Timestamp;
}

export interface SecretsTable {
  id: string;
  scope: string;
  name: string;
  ciphertext: string;
  wrapped_key: string;
  master_key_id: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface IpBlockedAttemptsTable {
  id: Generated<number>;
  at: Timestamp;
  ip: string;
  method: string;
  path: string;
  user_id: string | null;
  user_email: string | null;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: Generated<Date>;
}

export interface Tables {
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  blueprints: BlueprintsTable;
  agents: AgentsTable;
  enrollment_tokens: EnrollmentTokensTable;
  workspaces: WorkspacesTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  terminal_tickets: TerminalTicketsTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  blueprint_access_rules: BlueprintAccessRulesTable;
  invites: InvitesTable;
  password_resets: PasswordResetsTable;
  rate_limit_windows: RateLimitWindowsTable;
  settings: SettingsTable;
  branding_assets: BrandingAssetsTable;
  secrets: SecretsTable;
  schema_migrations: SchemaMigrationsTable;
  ip_blocked_attempts: IpBlockedAttemptsTable;
  oidc_login_states: OidcLoginStatesTable;
  oidc_sessions: OidcSessionsTable;
  llm_usage: LlmUsageTable;
  model_prices: ModelPricesTable;
  workspace_runs: WorkspaceRunsTable;
  budgets: BudgetsTable; budget_months: BudgetMonthsTable;
  workspace_activity: WorkspaceActivityTable;
  preview_tokens: PreviewTokensTable; preview_sessions: PreviewSessionsTable;
  governance_org_policy: GovernanceOrgPolicyTable;
  governance_blueprint_overrides: GovernanceBlueprintOverridesTable;
  governance_kill_switches: GovernanceKillSwitchesTable;
  governance_events: GovernanceEventsTable;
  governance_approvals: GovernanceApprovalsTable;
  governance_grants: GovernanceGrantsTable;
  publish_requests: PublishRequestsTable;
  published_apps: PublishedAppsTable;
  app_tokens: AppTokensTable; app_sessions: AppSessionsTable;
}

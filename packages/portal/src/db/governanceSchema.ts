import type { ColumnType, Generated } from 'kysely';
import type {
  ApprovalScope, ApprovalState, EnforcementPointName, FilterMatch, GovernanceAction, GovernanceClass, GovernanceOverride, GovernancePolicy,
  PolicyRule, Verdict,
} from '@paddock/protocol';

type Timestamp = ColumnType<Date, Date, Date>;
/** jsonb: read as parsed JSON, written as a JSON string. */
type Json<T> = ColumnType<T, string, string>;

/** migrations/0020_governance.sql */
export interface GovernanceOrgPolicyTable {
  singleton: ColumnType<number, number | undefined, number>;
  policy: Json<GovernancePolicy>;
  updated_at: Timestamp;
  updated_by: string | null;
}

export interface GovernanceBlueprintOverridesTable {
  blueprint_id: string;
  override: Json<GovernanceOverride>;
  updated_at: Timestamp;
  updated_by: string | null;
}

export interface GovernanceKillSwitchesTable {
  /** 'org' or the blueprint's id. */
  target: string;
  scope: 'org' | 'blueprint';
  blueprint_id: string | null;
  engaged: boolean;
  reason: string | null;
  changed_at: Timestamp;
  changed_by: string | null;
  changed_by_email: string | null;
}

export interface GovernanceEventsTable {
  id: Generated<number>;
  at: Timestamp;
  received_at: Timestamp;
  agent_id: string;
  workspace_id: string;
  user_id: string;
  blueprint_id: string;
  point: EnforcementPointName;
  class: GovernanceClass;
  summary: string;
  verdict: Verdict;
  enforced: boolean;
  rule_id: string | null;
  filter: ColumnType<FilterMatch | null, string | null, string | null>;
  held_id: string | null;
  /** migrations/0021: what the verdict was about; null for an event recorded before (not replayable). */
  action: ColumnType<GovernanceAction | null, string | null | undefined, string | null>;
}

export interface GovernanceApprovalsTable {
  id: string;
  agent_id: string;
  workspace_id: string;
  user_id: string;
  blueprint_id: string;
  class: GovernanceClass;
  action: Json<GovernanceAction>;
  action_key: string;
  summary: string;
  rule_id: string | null;
  state: ApprovalState;
  requested_at: Timestamp;
  expires_at: Timestamp;
  decided_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  decided_by: ColumnType<string | null, string | null | undefined, string | null>;
  decided_by_email: ColumnType<string | null, string | null | undefined, string | null>;
  scope: ColumnType<ApprovalScope | null, ApprovalScope | null | undefined, ApprovalScope | null>;
  minutes: ColumnType<number | null, number | null | undefined, number | null>;
  grant_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface GovernanceGrantsTable {
  id: string;
  approval_id: string;
  workspace_id: string;
  rule: Json<PolicyRule>;
  created_at: Timestamp;
  created_by: string;
  expires_at: Date | null;
}

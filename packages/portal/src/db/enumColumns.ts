import type { SelectType } from 'kysely';
import {
  auditActorKindSchema, auditOutcomeSchema, blueprintAccessKindSchema, blueprintAccessLevelSchema, blueprintIllustrationSchema, deactivatedBySchema, desiredStateSchema,
  identitySourceSchema, roleSchema, workspaceStateSchema,
  approvalScopeSchema, approvalStateSchema, enforcementPointSchema, governanceClassSchema, verdictSchema,
  publishAccessSchema, publishStateSchema, appStateSchema, stopReasonSchema, BUDGET_ACTIONS, BUDGET_SCOPES,
  BRANDING_ASSET_SLOTS, BRANDING_IMAGE_TYPES,
} from '@paddock/protocol';
import type { Tables } from './schema.js';

type ValueOf<T extends keyof Tables, C extends keyof Tables[T]> = NonNullable<SelectType<Tables[T][C]>>;

/** Every value of the column's type, each once: a list that misses one, or has one the type lacks, does not compile. */
function allOf<T extends keyof Tables, C extends keyof Tables[T] & string>(_table: T, _column: C) {
  return <const L extends readonly ValueOf<T, C>[]>(values: L & ([ValueOf<T, C>] extends [L[number]] ? unknown : never)): L => values;
}

/**
 * The columns a CHECK constraint limits to a list of values, with that list, as
 * the types of schema.ts say. enumColumns.test.ts reads the constraints of a
 * migrated database and compares: a migration that changes a list, or adds
 * one, fails it until the type and this list follow.
 */
export const enumColumns: Record<string, readonly unknown[]> = {
  'audit_log.actor_kind': allOf('audit_log', 'actor_kind')(auditActorKindSchema.options),
  'audit_log.outcome': allOf('audit_log', 'outcome')(auditOutcomeSchema.options),
  'branding_assets.content_type': allOf('branding_assets', 'content_type')(BRANDING_IMAGE_TYPES),
  'branding_assets.slot': allOf('branding_assets', 'slot')(BRANDING_ASSET_SLOTS),
  'blueprint_access_rules.kind': allOf('blueprint_access_rules', 'kind')(blueprintAccessKindSchema.options),
  'blueprints.access': allOf('blueprints', 'access')(blueprintAccessLevelSchema.options),
  'blueprints.illustration': allOf('blueprints', 'illustration')(blueprintIllustrationSchema.options),
  'budgets.action': allOf('budgets', 'action')(BUDGET_ACTIONS),
  'budgets.scope': allOf('budgets', 'scope')(BUDGET_SCOPES),
  'governance_approvals.class': allOf('governance_approvals', 'class')(governanceClassSchema.options),
  'governance_approvals.scope': allOf('governance_approvals', 'scope')(approvalScopeSchema.options),
  'governance_approvals.state': allOf('governance_approvals', 'state')(approvalStateSchema.options),
  'governance_events.class': allOf('governance_events', 'class')(governanceClassSchema.options),
  'governance_events.point': allOf('governance_events', 'point')(enforcementPointSchema.options),
  'governance_events.verdict': allOf('governance_events', 'verdict')(verdictSchema.options),
  'governance_kill_switches.scope': allOf('governance_kill_switches', 'scope')(['org', 'blueprint']),
  'groups.source': allOf('groups', 'source')(identitySourceSchema.options),
  'invites.role': allOf('invites', 'role')(roleSchema.options),
  'publish_requests.access': allOf('publish_requests', 'access')(publishAccessSchema.options),
  'publish_requests.state': allOf('publish_requests', 'state')(publishStateSchema.options),
  'published_apps.access': allOf('published_apps', 'access')(publishAccessSchema.options),
  'published_apps.state': allOf('published_apps', 'state')(appStateSchema.options),
  'users.deactivated_by': allOf('users', 'deactivated_by')(deactivatedBySchema.options),
  'users.role': allOf('users', 'role')(roleSchema.options),
  'users.source': allOf('users', 'source')(identitySourceSchema.options),
  'workspaces.desired_state': allOf('workspaces', 'desired_state')(desiredStateSchema.options),
  'workspaces.stop_reason': allOf('workspaces', 'stop_reason')(stopReasonSchema.options),
  'workspaces.state': allOf('workspaces', 'state')(workspaceStateSchema.options),
};

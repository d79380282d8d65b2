import type { WorkspaceAction } from './policy.js';

/**
 * What each route does to an object someone owns, beside who may call it at all
 * (its `access` in the route table). The services enforce it (through policy.ts);
 * this table says it in one place, so the authorization suite
 * (e2e/authorization.test.ts) can call every route as every role, on an object of
 * the caller's own, someone else's and none, and know what must happen. A route
 * missing here fails that suite.
 *
 * - none: it touches no owned object; its access level is the whole rule.
 * - workspace: `:id` is a workspace, and the route does `action` to it (policy.ts).
 *   `needs` says what a call needs beyond authorization to succeed: a running
 *   workspace (a sandbox), or its AI (OpenCode with a model route).
 * - account: `:id` is one of the caller's own sessions or API tokens.
 * - blueprint: `:id` is a blueprint the caller may use (mayUseBlueprint).
 * - publishRequest: `:id` is a publish request, read by its owner, admins and auditors;
 *   decided (approve, reject) by admins other than its owner.
 * - app: `:subdomain` is a published app, read by its builder, admins and auditors; rolled
 *   back and unpublished by its builder and admins.
 * - record: `:id` names something no user owns (a member, an invite, a blueprint's
 *   settings, a SCIM resource): the route's roles manage all of them.
 */
export type RouteRule =
  | { object: 'none' }
  | { object: 'workspace'; action: WorkspaceAction; needs?: 'running' | 'ai' }
  | { object: 'account' }
  | { object: 'blueprint' }
  | { object: 'publishRequest' }
  | { object: 'app' }
  | { object: 'record' };

const none = { object: 'none' } as const;
const record = { object: 'record' } as const;
const ws = (action: WorkspaceAction, needs?: 'running' | 'ai'): RouteRule => ({ object: 'workspace', action, ...(needs ? { needs } : {}) });

/** Keyed `METHOD url` as the route table declares them; WebSockets as `WS url`; the preview origin as `PREVIEW path`. */
export const ROUTE_RULES: Record<string, RouteRule> = {
  'POST /api/v1/admin/master-key/rotate': none,
  'POST /api/v1/auth/login': none,
  'POST /api/v1/auth/logout': none,
  'GET /api/v1/auth/me': none,
  'POST /api/v1/auth/password': none,
  'GET /api/v1/auth/sessions': none,
  'DELETE /api/v1/auth/sessions/:id': { object: 'account' },
  'GET /api/v1/auth/methods': none,
  'GET /api/v1/auth/oidc/start': none,
  'GET /api/v1/auth/oidc/callback': none,
  'GET /api/v1/admin/sso': none,
  'PUT /api/v1/admin/sso': none,
  'GET /api/v1/admin/auth-settings': none,
  'PUT /api/v1/admin/auth-settings': none,
  'GET /api/v1/admin/overview': none,
  'GET /api/v1/admin/topology': none,
  'GET /api/v1/admin/timeline': none,
  'GET /api/v1/users': none,
  'GET /api/v1/groups': none,
  'POST /api/v1/users': none,
  'PATCH /api/v1/users/:id': record,
  'DELETE /api/v1/users/:id': record,
  'POST /api/v1/users/:id/password-reset': record,
  'POST /api/v1/password-resets/lookup': none,
  'POST /api/v1/password-resets/redeem': none,
  'GET /api/v1/invites': none,
  'POST /api/v1/invites': none,
  'DELETE /api/v1/invites/:id': record,
  'POST /api/v1/invites/lookup': none,
  'POST /api/v1/invites/accept': none,
  'GET /api/v1/tokens': none,
  'POST /api/v1/tokens': none,
  'DELETE /api/v1/tokens/:id': { object: 'account' },
  'GET /api/v1/blueprints': none,
  'GET /api/v1/blueprints/:id': { object: 'blueprint' },
  'POST /api/v1/blueprints': none,
  'PATCH /api/v1/blueprints/:id': record,
  'DELETE /api/v1/blueprints/:id': record,
  'POST /api/v1/blueprints/:id/duplicate': record,
  'POST /api/v1/blueprints/:id/archive': record,
  'POST /api/v1/blueprints/:id/unarchive': record,
  'GET /api/v1/blueprints/:id/access': record,
  'PUT /api/v1/blueprints/:id/access': record,
  'GET /api/v1/blueprints/:id/secrets': record,
  'PUT /api/v1/blueprints/:id/secrets/:name': record,
  'DELETE /api/v1/blueprints/:id/secrets/:name': record,
  'GET /api/v1/blueprints/:id/llm-key': record,
  'PUT /api/v1/blueprints/:id/llm-key': record,
  'DELETE /api/v1/blueprints/:id/llm-key': record,
  'GET /api/v1/blueprints/:id/git-remote': record,
  'PUT /api/v1/blueprints/:id/git-remote': record,
  'DELETE /api/v1/blueprints/:id/git-remote': record,
  'GET /api/v1/workspaces': none,
  'POST /api/v1/workspaces': none,
  'GET /api/v1/admin/workspaces': none,
  'GET /api/v1/workspaces/:id': ws('read'),
  'PATCH /api/v1/workspaces/:id': ws('operate'),
  'POST /api/v1/workspaces/:id/start': ws('operate'),
  'POST /api/v1/workspaces/:id/stop': ws('operate'),
  'POST /api/v1/workspaces/:id/keep-alive': ws('operate'),
  'DELETE /api/v1/workspaces/:id': ws('operate'),
  'POST /api/v1/workspaces/:id/terminal-tickets': ws('connect', 'running'),
  'POST /api/v1/workspaces/:id/previews': ws('connect', 'running'),
  'GET /api/v1/workspaces/:id/previews': ws('read'),
  'GET /api/v1/workspaces/:id/files': ws('read', 'running'),
  'GET /api/v1/workspaces/:id/files/content': ws('read', 'running'),
  'PUT /api/v1/workspaces/:id/files/content': ws('operate', 'running'),
  'DELETE /api/v1/workspaces/:id/files': ws('operate', 'running'),
  'POST /api/v1/workspaces/:id/files/rename': ws('operate', 'running'),
  'GET /api/v1/workspaces/:id/ai/model': ws('read', 'ai'),
  'GET /api/v1/workspaces/:id/ai/sessions': ws('read', 'ai'),
  'POST /api/v1/workspaces/:id/ai/sessions': ws('operate', 'ai'),
  'GET /api/v1/workspaces/:id/ai/status': ws('read', 'ai'),
  'GET /api/v1/workspaces/:id/ai/sessions/:sessionId/messages': ws('read', 'ai'),
  'POST /api/v1/workspaces/:id/ai/sessions/:sessionId/prompt': ws('operate', 'ai'),
  'POST /api/v1/workspaces/:id/ai/sessions/:sessionId/abort': ws('operate', 'ai'),
  'GET /api/v1/workspaces/:id/ai/events': ws('read', 'ai'),
  // Every workspace event, and every governance event naming a workspace, is filtered by the subscriber's `read` (eventRoutes.ts).
  'GET /api/v1/events': none,
  'GET /api/v1/branding': none,
  'PUT /api/v1/admin/branding': none,
  'PUT /api/v1/admin/branding/:slot': none,
  'DELETE /api/v1/admin/branding/:slot': none,
  'GET /api/v1/branding/assets/:slot/:hash': none,
  'GET /api/v1/audit': none,
  'GET /api/v1/audit/verify': none,
  'GET /api/v1/audit/export': none,
  'GET /api/v1/audit/activity': none,
  'GET /api/v1/admin/backups': none,
  'POST /api/v1/admin/backups': none,
  'GET /api/v1/admin/ip-allowlist': none,
  'PUT /api/v1/admin/ip-allowlist': none,
  'GET /api/v1/admin/ip-allowlist/blocked': none,
  'GET /api/v1/admin/security': none,
  // A live connection held open through this portal (relay/connections.ts): admins end anyone's.
  'DELETE /api/v1/admin/connections/:id': record,
  'GET /api/v1/agents': none,
  'POST /api/v1/agents/enrollment-tokens': none,
  'GET /api/v1/usage': none,
  'GET /api/v1/usage/summary': none,
  'GET /api/v1/usage/compute': none,
  'GET /api/v1/admin/model-prices': none,
  'PUT /api/v1/admin/model-prices': none,
  'GET /api/v1/admin/budgets': none,
  'PUT /api/v1/admin/budgets': none,
  'GET /api/v1/usage/budget': none,
  'GET /api/v1/admin/policies': none,
  'PUT /api/v1/admin/policies': none,
  'GET /api/v1/blueprints/:id/policies': record,
  'PUT /api/v1/blueprints/:id/policies': record,
  'POST /api/v1/admin/policies/impact': none,
  'POST /api/v1/blueprints/:id/policies/impact': record,
  'GET /api/v1/governance/policy': none,
  'PUT /api/v1/governance/policy': none,
  'GET /api/v1/blueprints/:id/governance': record,
  'PUT /api/v1/blueprints/:id/governance': record,
  'POST /api/v1/governance/simulate': none,
  'GET /api/v1/blueprints/:id/governance/suggestions': record,
  'GET /api/v1/governance/events': none,
  'GET /api/v1/governance/health': none,
  'GET /api/v1/governance/approvals': none,
  'POST /api/v1/governance/approvals/:id': record,
  'GET /api/v1/governance/kill-switch': none,
  'PUT /api/v1/governance/kill-switch': none,
  'GET /api/v1/workspaces/:id/governance': ws('read'),
  'POST /api/v1/workspaces/:id/publish-requests': ws('publish', 'running'),
  // Read, not publish: an admin or auditor looking at the workspace may ask whether it has anything new.
  'GET /api/v1/workspaces/:id/publish-status': ws('read', 'running'),
  // Each subscriber's own requests, or all for admins and auditors (publishRequestScope).
  'GET /api/v1/publish-requests': none,
  'GET /api/v1/publish-requests/:id': { object: 'publishRequest' },
  'POST /api/v1/publish-requests/:id/approve': { object: 'publishRequest' },
  'POST /api/v1/publish-requests/:id/reject': { object: 'publishRequest' },
  // Each caller's own apps, or all for admins and auditors (appScope).
  'GET /api/v1/apps': none,
  'GET /api/v1/apps/:subdomain': { object: 'app' },
  'GET /api/v1/apps/:subdomain/versions': { object: 'app' },
  'POST /api/v1/apps/:subdomain/rollback': { object: 'app' },
  'POST /api/v1/apps/:subdomain/unpublish': { object: 'app' },
  // Any member may open any published app: the subdomain names something, but nobody's to keep from them.
  'GET /api/v1/apps/:subdomain/sign-in-link': record,
  'POST /api/v1/admin/scim-tokens': none,
  'GET /scim/v2/ServiceProviderConfig': none,
  'GET /scim/v2/ResourceTypes': none,
  'GET /scim/v2/ResourceTypes/:id': record,
  'GET /scim/v2/Schemas': none,
  'GET /scim/v2/Schemas/:id': record,
  'GET /scim/v2/Users': none,
  'POST /scim/v2/Users': none,
  'GET /scim/v2/Users/:id': record,
  'PUT /scim/v2/Users/:id': record,
  'PATCH /scim/v2/Users/:id': record,
  'DELETE /scim/v2/Users/:id': record,
  'GET /scim/v2/Groups': none,
  'POST /scim/v2/Groups': none,
  'GET /scim/v2/Groups/:id': record,
  'PUT /scim/v2/Groups/:id': record,
  'PATCH /scim/v2/Groups/:id': record,
  'DELETE /scim/v2/Groups/:id': record,
  'WS /api/v1/workspaces/:id/terminal': ws('connect', 'running'),
  'WS /api/v1/governance/feed': none,
  // The preview origin (<port>--<workspace>.<preview domain>, preview/): the sign-in, then the app itself.
  'PREVIEW /__paddock/auth': ws('connect'),
  'PREVIEW /*': ws('connect', 'running'),
};

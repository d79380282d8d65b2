import { z } from 'zod';
import { wellFormedString } from './strings.js';
import { blueprintWorkspaceConfigFields, blueprintWorkspaceConfigPatchSchema, checkBlueprintTabs, workspaceLimitsSchema } from './blueprintConfig.js';
import { stopReasonSchema } from './policyApi.js';

/** The one error body of the whole API. */
export const apiErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

export const roleSchema = z.enum(['admin', 'builder', 'auditor']);
export type Role = z.infer<typeof roleSchema>;

export const workspaceStateSchema = z.enum([
  'pending', 'starting', 'running', 'stopping', 'stopped', 'failed', 'deleted',
]);
export type WorkspaceState = z.infer<typeof workspaceStateSchema>;

/** What the owner asked for; the reconciler drives `state` toward it. */
export const desiredStateSchema = z.enum(['running', 'stopped', 'deleted']);
export type DesiredState = z.infer<typeof desiredStateSchema>;

/** Where an account or a group comes from: made here, just in time from single sign-on, or provisioned by SCIM. */
export const identitySourceSchema = z.enum(['local', 'oidc', 'scim']);
export type IdentitySource = z.infer<typeof identitySourceSchema>;

/** Who deactivated an account: an admin (the Members page or the API) or the identity provider (SCIM). */
export const deactivatedBySchema = z.enum(['admin', 'scim']);
export type DeactivatedBy = z.infer<typeof deactivatedBySchema>;

const id = wellFormedString().min(1).max(64);
const name = wellFormedString().trim().min(1).max(64);
/** An email address as we keep it: trimmed and lower-cased. */
const email = () => wellFormedString().trim().toLowerCase().pipe(z.email().max(254));

export const userSchema = z.object({
  id,
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  /** Trusted builders publish without waiting for approval. */
  trusted: z.boolean(),
  /** False once deactivated (SCIM or an admin): no sign-in, sessions and tokens gone. */
  active: z.boolean(),
  /**
   * Who deactivated an inactive account: `admin` (the Members page or the API: an admin
   * may reactivate it) or `scim` (the identity provider: only it may); null while active.
   */
  deactivatedBy: deactivatedBySchema.nullable(),
  /** Whether the account has a Paddock password (SSO-only accounts don't: their provider manages it). */
  hasPassword: z.boolean(),
  /** Where the account came from. */
  source: identitySourceSchema,
  createdAt: z.string(),
  lastLoginAt: z.string().nullable(),
});
export type User = z.infer<typeof userSchema>;

export const loginRequestSchema = z.object({
  email: email(),
  password: wellFormedString().min(1).max(1024),
});
export type LoginRequest = z.input<typeof loginRequestSchema>;
export const meResponseSchema = z.object({ user: userSchema, csrfToken: z.string().nullable() });
export type MeResponse = z.infer<typeof meResponseSchema>;

/** The one rule for a password someone chooses (bootstrap, new users, invites, changes, resets). */
export const MIN_PASSWORD_LENGTH = 12;
export const newPasswordSchema = wellFormedString().min(MIN_PASSWORD_LENGTH, `a password has at least ${MIN_PASSWORD_LENGTH} characters`).max(1024);

export const createUserRequestSchema = z.object({
  email: email(),
  name: wellFormedString().trim().min(1).max(128),
  role: roleSchema,
  password: newPasswordSchema,
});

/** POST /api/v1/auth/password: change my own password. */
export const changePasswordRequestSchema = z.object({
  currentPassword: wellFormedString().min(1).max(1024),
  newPassword: newPasswordSchema,
});
export type ChangePasswordRequest = z.input<typeof changePasswordRequestSchema>;
/** Other sessions of mine that the change signed out (API tokens stay). */
export const changePasswordResponseSchema = z.object({ endedSessions: z.number().int() });
export type ChangePasswordResponse = z.infer<typeof changePasswordResponseSchema>;

/** POST /api/v1/users/:id/password-reset: the single-use link, shown only in this response. */
export const createdPasswordResetSchema = z.object({ url: z.string(), expiresAt: z.string() });
export const passwordResetTokenSchema = z.object({ token: wellFormedString().min(1).max(256) });
export type CreatedPasswordReset = z.infer<typeof createdPasswordResetSchema>;
export const passwordResetLookupSchema = z.object({ email: z.string(), expiresAt: z.string() });
export type PasswordResetLookup = z.infer<typeof passwordResetLookupSchema>;
export const redeemPasswordResetRequestSchema = z.object({
  token: wellFormedString().min(1).max(256),
  password: newPasswordSchema,
});
export type RedeemPasswordResetRequest = z.input<typeof redeemPasswordResetRequestSchema>;

export const sessionInfoSchema = z.object({
  id: z.string(), current: z.boolean(), ip: z.string(), userAgent: z.string(),
  createdAt: z.string(), lastSeenAt: z.string(), expiresAt: z.string(),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export const updateUserRequestSchema = z.object({
  name: wellFormedString().trim().min(1).max(128).optional(),
  role: roleSchema.optional(),
  trusted: z.boolean().optional(),
  /** false removes the member (as DELETE does); true brings back one an admin removed. */
  active: z.boolean().optional(),
}).refine((v) => Object.keys(v).length > 0, 'nothing to change');
export type UpdateUserRequest = z.input<typeof updateUserRequestSchema>;

export const createInviteRequestSchema = z.object({
  email: email(),
  role: roleSchema.default('builder'),
});
export type CreateInviteRequest = z.input<typeof createInviteRequestSchema>;
export const inviteSchema = z.object({
  id, email: z.string(), role: roleSchema, createdAt: z.string(), expiresAt: z.string(), invitedBy: z.string().nullable(),
  /** The address belongs to a removed member: accepting reactivates that account (with the invite's role). */
  reactivates: z.boolean(),
});
export type Invite = z.infer<typeof inviteSchema>;
/** Returned once, when the invite is made: the link carries the single-use token. */
export const createdInviteSchema = inviteSchema.extend({ token: z.string(), url: z.string() });
export type CreatedInvite = z.infer<typeof createdInviteSchema>;
/** POST /api/v1/invites/lookup: what an invite link is for, while it is usable. */
export const inviteLookupSchema = z.object({
  email: z.string(), role: roleSchema, expiresAt: z.string(),
  /** A removed member's address: accepting reactivates their account. */
  reactivates: z.boolean(),
});
export type InviteLookup = z.infer<typeof inviteLookupSchema>;
export const acceptInviteRequestSchema = z.object({
  token: wellFormedString().min(1).max(256),
  name: wellFormedString().trim().min(1).max(128),
  password: newPasswordSchema,
});
export type AcceptInviteRequest = z.input<typeof acceptInviteRequestSchema>;

export const createTokenRequestSchema = z.object({ name: name.default('api') });
export const tokenSchema = z.object({ id, name: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable() });
export type ApiToken = z.infer<typeof tokenSchema>;
export const createdTokenSchema = tokenSchema.extend({ token: z.string() });
/** POST /api/v1/admin/scim-tokens: the identity provider's SCIM bearer token, shown once. */
export const scimTokenResponseSchema = z.object({ token: z.string() });
export type ScimTokenResponse = z.infer<typeof scimTokenResponseSchema>;

export const blueprintAccessKindSchema = z.enum(['email', 'domain', 'role', 'group', 'user']);
export type BlueprintAccessKind = z.infer<typeof blueprintAccessKindSchema>;
/** Open: everyone. Restricted: users matching any rule (admins always). */
export const blueprintAccessLevelSchema = z.enum(['open', 'restricted']);
export type BlueprintAccessLevel = z.infer<typeof blueprintAccessLevelSchema>;
export const blueprintAccessRuleSchema = z.object({
  kind: blueprintAccessKindSchema,
  value: wellFormedString().trim().toLowerCase().min(1).max(254),
});
export type BlueprintAccessRule = z.infer<typeof blueprintAccessRuleSchema>;
export const blueprintAccessSchema = z.object({
  access: blueprintAccessLevelSchema,
  rules: z.array(blueprintAccessRuleSchema).max(500),
});
export type BlueprintAccess = z.infer<typeof blueprintAccessSchema>;

/** A group of members, as SCIM or SSO sign-in keeps it. */
export const groupSchema = z.object({ id: z.string(), displayName: z.string(), source: identitySourceSchema, members: z.number().int() });
export type Group = z.infer<typeof groupSchema>;

/** The built-in pictures a blueprint's catalog card can show (web: modules/blueprints/illustrations.tsx). */
export const blueprintIllustrationSchema = z.enum(['spark', 'website', 'app', 'data', 'chart', 'code', 'document', 'chat']);
export type BlueprintIllustration = z.infer<typeof blueprintIllustrationSchema>;

export const blueprintSchema = z.object({
  id, name: z.string(), description: z.string(), access: blueprintAccessLevelSchema, createdAt: z.string(), updatedAt: z.string(),
  /** Disabled: hidden from builders, and only admins may create workspaces from it (to try it); existing workspaces keep working. */
  enabled: z.boolean(),
  /** Set while archived: out of every catalog, no new workspaces; existing ones keep running. */
  archivedAt: z.string().nullable(),
  /** Its card's picture; null: the generic one. */
  illustration: blueprintIllustrationSchema.nullable(),
  /** Its apps may be published for anyone, signed in or not (publishing; default false). */
  allowPublicApps: z.boolean(),
  /** Its trusted builders skip review when every check of a publish passes (default true; false revokes it for this blueprint). */
  trustedPublishing: z.boolean(),
  /** Its published apps get its secrets as environment (default false: apps get none). */
  appsGetCredentials: z.boolean(),
  // Workspace setup (model, AGENTS.md, tabs): see blueprintConfig.ts.
  ...blueprintWorkspaceConfigFields,
});
export type Blueprint = z.infer<typeof blueprintSchema>;
export const createBlueprintRequestSchema = z.object({
  name, description: wellFormedString().trim().max(2000).default(''),
  enabled: z.boolean().default(true), illustration: blueprintIllustrationSchema.nullable().default(null),
  ...blueprintWorkspaceConfigFields,
}).superRefine(checkBlueprintTabs);
export type CreateBlueprintRequest = z.input<typeof createBlueprintRequestSchema>;
export const updateBlueprintRequestSchema = z.object({
  name: name.optional(), description: wellFormedString().trim().max(2000).optional(),
  allowPublicApps: z.boolean().optional(), trustedPublishing: z.boolean().optional(), appsGetCredentials: z.boolean().optional(),
  enabled: z.boolean().optional(), illustration: blueprintIllustrationSchema.nullable().optional(),
  ...blueprintWorkspaceConfigPatchSchema.shape,
}).refine((v) => Object.keys(v).length > 0, 'nothing to change');
export type UpdateBlueprintRequest = z.input<typeof updateBlueprintRequestSchema>;
/**
 * POST /api/v1/blueprints/:id/duplicate: a new blueprint with the setup, access rules and
 * policies of this one, under a new name. Its credentials and provider key are not copied
 * (a copy is often made for another team, whose secrets differ); the copy starts disabled,
 * so builders see it only once an admin has finished it and enabled it.
 */
export const duplicateBlueprintRequestSchema = z.object({ name });
export type DuplicateBlueprintRequest = z.input<typeof duplicateBlueprintRequestSchema>;

/** How a runtime holds workspaces to their limits: 'none' means it doesn't (the agent's log says why). */
export const resourceMechanismSchema = z.enum(['cgroup-v2', 'cgroup-v1', 'none']);
export type ResourceMechanism = z.infer<typeof resourceMechanismSchema>;

/** What a workspace may take and what it takes, as its agent last reported (limits are those it started with). */
export const workspaceResourceStatusSchema = z.object({
  /** null until the workspace's agent first reports (or for a sandbox started before limits existed). */
  limits: workspaceLimitsSchema.nullable(),
  mechanism: resourceMechanismSchema.nullable(),
  /** Disk use of /workspace, measured by the agent now and then. */
  diskUsedBytes: z.number().nullable(),
  diskMeasuredAt: z.string().nullable(),
  /** Whether the runtime's filesystem enforces limits.diskMiB (else it is only measured against). */
  diskLimitEnforced: z.boolean(),
  /** Processes the kernel ended for going past the memory limit, since the workspace started. */
  oomKills: z.number(),
  /** Process or thread creations refused at the process limit, since the workspace started. */
  processLimitHits: z.number(),
  /** What the builder should know, in words ('' when nothing): a limit that bit, a disk over its limit, limits not enforced. */
  notice: z.string(),
  reportedAt: z.string().nullable(),
});
export type WorkspaceResourceStatus = z.infer<typeof workspaceResourceStatusSchema>;

/** The longest display name, in characters (code points: an emoji or an accented letter is one). */
export const WORKSPACE_DISPLAY_NAME_MAX = 80;

/**
 * Characters a display name may not hold: control characters (a newline, a tab, an escape), line
 * and paragraph separators, and the bidirectional overrides and isolates, which make a name read
 * differently from what it is (a spoofed "invoice‮fdp"). Joiners and variation selectors stay:
 * emoji need them.
 */
const DISPLAY_NAME_FORBIDDEN = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/**
 * What a builder calls a workspace: free text, unicode kept (NFC), trimmed, 1-80 characters,
 * no control characters. Refused with a message otherwise, never cut: the builder decides
 * what a shorter name is.
 */
export const workspaceDisplayNameSchema = wellFormedString()
  .overwrite((s) => s.trim().normalize('NFC'))
  .refine((s) => s.length > 0, 'a workspace name cannot be empty')
  .refine((s) => [...s].length <= WORKSPACE_DISPLAY_NAME_MAX, `a workspace name is at most ${WORKSPACE_DISPLAY_NAME_MAX} characters`)
  .refine((s) => !DISPLAY_NAME_FORBIDDEN.test(s), 'a workspace name cannot contain line breaks, tabs or other control characters');

export const workspaceSchema = z.object({
  id,
  /** The internal slug: unique per owner, in the preview's host name; fixed for its life. */
  name: z.string(),
  /** What its builder calls it (workspaceDisplayNameSchema): show this, not `name`. */
  displayName: z.string(),
  ownerId: id,
  ownerEmail: z.string(),
  blueprintId: id,
  blueprintName: z.string(),
  state: workspaceStateSchema,
  desiredState: desiredStateSchema,
  stateMessage: z.string(),
  resources: workspaceResourceStatusSchema,
  /**
   * While it is meant to run: when the resource policy stops it (ISO time), and why, the
   * nearer of its idle deadline and its lifetime's end. Once the policy stopped it,
   * stopsAt is null and stopReason says why it stopped; null when a person stopped it.
   */
  stopsAt: z.string().nullable(),
  stopReason: stopReasonSchema.nullable(),
  /** While stopped: when the cleanup policy deletes it with its files; null when none applies. */
  deletesAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Workspace = z.infer<typeof workspaceSchema>;
export const createWorkspaceRequestSchema = z.object({
  blueprintId: id,
  name: wellFormedString().trim().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a workspace name is 1-40 lowercase letters, digits or -'),
  /** What its builder calls it; without one, its name. */
  displayName: workspaceDisplayNameSchema.optional(),
});

export type CreateWorkspaceRequest = z.input<typeof createWorkspaceRequestSchema>;

/** PATCH /api/v1/workspaces/:id: rename it (its display name; the internal name stays). */
export const updateWorkspaceRequestSchema = z.object({ displayName: workspaceDisplayNameSchema });
export type UpdateWorkspaceRequest = z.input<typeof updateWorkspaceRequestSchema>;

export const terminalTicketSchema = z.object({ ticket: z.string(), expiresAt: z.string() });
export type TerminalTicket = z.infer<typeof terminalTicketSchema>;

/**
 * `attempt`: recorded before a change made outside the database (in a workspace),
 * followed by a record with its outcome; alone, it says the change may have happened.
 */
export const auditOutcomeSchema = z.enum(['success', 'failure', 'attempt']);
export type AuditOutcome = z.infer<typeof auditOutcomeSchema>;

/**
 * Who did it: a person; a named part of Paddock (reconciler, policy-sweeper, agent,
 * scim, sso, operator, bootstrap; `id` says which agent, or the operator's host
 * account; rows from before actors had names say just `system`); or someone who
 * proved no identity (a failed sign-in, with the email it claimed).
 */
/** Who did it, by kind: the audit_log.actor_kind column's values. */
export const auditActorKindSchema = z.enum(['user', 'system', 'anonymous']);
export type AuditActorKind = z.infer<typeof auditActorKindSchema>;
export const auditActorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), id: z.string(), email: z.string() }),
  z.object({ kind: z.literal('system'), name: z.string(), id: z.string().optional() }),
  z.object({ kind: z.literal('anonymous'), email: z.string().nullable() }),
]);
export type AuditActor = z.infer<typeof auditActorSchema>;

export const auditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: auditActorSchema,
  /** The stored columns the actor is read from (a user's id and email; the email a failed sign-in claimed). */
  actorId: z.string().nullable(),
  actorEmail: z.string().nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  blueprintId: z.string().nullable(),
  outcome: auditOutcomeSchema,
  detail: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;
export const auditVerifySchema = z.union([
  z.object({ ok: z.literal(true), checked: z.number() }),
  z.object({ ok: z.literal(false), checked: z.number(), firstBadId: z.string(), reason: z.string() }),
]);
export type AuditVerifyResult = z.infer<typeof auditVerifySchema>;
/** GET /api/v1/audit: newest first; `nextBefore` pages back. */
export const auditPageSchema = z.object({
  entries: z.array(auditEntrySchema),
  nextBefore: z.string().nullable(),
  /** The names of the people, blueprints and workspaces the page's entries name by id (actorId, targetId, blueprintId), where they still exist. */
  names: z.record(z.string(), z.string()).optional(),
});
export type AuditPage = z.infer<typeof auditPageSchema>;

/** How an agent holds workspaces to their limits, in its own words while connected ('none': not at all, `note` says why). */
export const resourceControlSchema = z.object({ mechanism: resourceMechanismSchema, note: z.string(), diskEnforced: z.boolean() });
export type ResourceControl = z.infer<typeof resourceControlSchema>;
export const agentSchema = z.object({
  id: z.string(), name: z.string(), version: z.string(), connected: z.boolean(), lastSeenAt: z.string().nullable(),
  /** Its tunnel protocol (major.minor), and why the portal refused it, when it did. */
  protocol: z.string(), refused: z.object({ reason: z.string(), at: z.string() }).nullable(),
  /** From the agent's Hello while it is connected: mechanism 'none' means workspaces there run without CPU, memory and process limits. */
  resourceControl: resourceControlSchema.nullable(),
});
export type Agent = z.infer<typeof agentSchema>;
/** POST /api/v1/agents/enrollment-tokens: shown once. */
export const enrollmentTokenSchema = z.object({ token: z.string(), expiresInSeconds: z.number() });
export type EnrollmentToken = z.infer<typeof enrollmentTokenSchema>;

/** Server-sent events on GET /api/v1/events (text/event-stream). */
export const workspaceEventSchema = z.object({ type: z.literal('workspace'), workspace: workspaceSchema });
export type WorkspaceEvent = z.infer<typeof workspaceEventSchema>;

export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_COOKIE = 'paddock_session';

import { z } from 'zod';
import { wellFormedString } from './strings.js';
import type { BlueprintWorkspaceConfig } from './blueprintConfig.js';
import { RESERVED_PORTS } from './daemon.js';

/**
 * Publishing (issue 10), in two parts: what the agent's version store answers
 * over a `versions` dial (the portal is its only caller), and the portal's
 * publish-request API. Versions and their contents stay on the agent; the
 * portal keeps the request, its state and the checks' summary.
 */

/** A version's id: the commit id in the agent's store for the workspace. */
export const versionIdSchema = z.string().regex(/^[0-9a-f]{40}$/, 'a version id is 40 hex digits');
/** The left side of a diff or of the checks: an earlier version, or nothing (a first publish). */
export const versionBaseSchema = z.union([versionIdSchema, z.literal('empty')]);

export const checkStatusSchema = z.enum(['passed', 'warning', 'failed']);
export type CheckStatus = z.infer<typeof checkStatusSchema>;

/**
 * A finding as the checks report it: masked secrets with file and line, dependency changes,
 * files not scanned. Small records of short strings and numbers; never a file's contents.
 */
export const checkFindingSchema = z.record(z.string().max(64), z.union([z.string().max(2000), z.number(), z.boolean()]));
export const publishCheckSchema = z.object({
  name: z.string().max(64),
  status: checkStatusSchema,
  findings: z.array(checkFindingSchema),
});
export type PublishCheckResult = z.infer<typeof publishCheckSchema>;

// ---- The agent's version store, over a `versions` dial ----

/** POST /snapshot: takes the workspace's files as a version and runs the checks on exactly it. */
export const snapshotRequestSchema = z.object({
  message: wellFormedString().max(2000),
  author: z.object({ name: wellFormedString().min(1).max(200), email: wellFormedString().min(3).max(254) }),
  includeNodeModules: z.boolean().default(false),
  /** What the checks compare with: the version published before, or 'empty'. */
  since: versionBaseSchema,
}).strict();
export type SnapshotRequest = z.input<typeof snapshotRequestSchema>;
export const snapshotResponseSchema = z.object({
  version: versionIdSchema,
  parent: versionIdSchema.optional(),
  files: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  checks: z.array(publishCheckSchema),
});
export type SnapshotResponse = z.infer<typeof snapshotResponseSchema>;

/** GET /diff?from=&to= */
export const diffQuerySchema = z.object({ from: versionBaseSchema, to: versionIdSchema }).strict();
export const diffFileSchema = z.object({
  path: z.string(),
  from: z.string().optional(),
  status: z.enum(['added', 'modified', 'deleted', 'renamed']),
  additions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
  binary: z.boolean(),
});
export const versionDiffSchema = z.object({ files: z.array(diffFileSchema), patch: z.string(), truncated: z.boolean() });
export type VersionDiffResult = z.infer<typeof versionDiffSchema>;

/** GET /versions: newest first. */
export const versionInfoSchema = z.object({
  version: versionIdSchema,
  parent: versionIdSchema.optional(),
  author: z.object({ name: z.string(), email: z.string() }),
  createdAt: z.string(),
  message: z.string(),
});
export const versionListSchema = z.object({ items: z.array(versionInfoSchema) });

/**
 * GET /changed?since=: whether the workspace's files, taken as a snapshot would take them
 * now, differ from the version `since` (or, for 'empty', are any files at all). No version
 * is written: what the Publish button asks to know whether there is anything to publish.
 */
export const changedQuerySchema = z.object({ since: versionBaseSchema }).strict();
export const changedResponseSchema = z.object({ changed: z.boolean() });
export type ChangedResponse = z.infer<typeof changedResponseSchema>;

/**
 * A git remote a blueprint's approved versions are pushed to: http(s) only (no ssh, no
 * `file:`, no `ext::` transport that would run a command), and no user or password in
 * the URL: credentials are given apart, held encrypted by the portal and handed to git
 * in its environment, so they are never stored in a URL, a git config or an audit record.
 */
export const gitRemoteUrlSchema = wellFormedString().trim().min(1).max(2048).superRefine((text, ctx) => {
  let url: URL;
  try { url = new URL(text); } catch { return void ctx.addIssue({ code: 'custom', message: 'not a URL: give the https:// address of the repository' }); }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return void ctx.addIssue({ code: 'custom', message: `only http(s) remotes are pushed to: ${url.protocol.replace(/:$/, '')} is not allowed` });
  if (url.username || url.password || /^[a-z]+:\/\/[^/]*@/i.test(text)) return void ctx.addIssue({ code: 'custom', message: 'put no user or password in the URL: give them as username and token' });
  if (!url.hostname) return void ctx.addIssue({ code: 'custom', message: 'the URL names no host' });
  if (url.hash || url.search) return void ctx.addIssue({ code: 'custom', message: 'the URL of a repository has no query or fragment' });
  // Control characters and spaces would reach git's URL handling (and its error messages) as they are.
  if (/[\s\x00-\x1f\x7f]/.test(text)) return void ctx.addIssue({ code: 'custom', message: 'the URL holds a space or a control character' });
});

/**
 * A branch name as `git check-ref-format --branch` takes it, checked here so the
 * portal refuses a bad one when it is saved (the agent asks git itself before it
 * pushes): no `..`, `@{`, control characters, space, `~^:?*[\`, no component that
 * starts with `.` or ends with `.lock`, no leading `-` or `/`, no trailing `/` or `.`.
 */
export const isGitBranchName = (name: string): boolean =>
  name.length > 0 && name.length <= 200 && name !== '@' && !name.startsWith('-')
  && !/[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{|\/\/|^\/|\/$|\.$/.test(name)
  && name.split('/').every((part) => part.length > 0 && !part.startsWith('.') && !part.endsWith('.lock'));
export const gitBranchSchema = wellFormedString().trim().min(1).max(200)
  .refine(isGitBranchName, 'not a git branch name (letters, digits, -, _, . and / between parts, no "..", no part starting with "." or ending with ".lock")');

/** The user git authenticates as (with the token as its password); a forge's token alone often needs none. */
export const gitUsernameSchema = wellFormedString().trim().min(1).max(200).regex(/^[^:\s\x00-\x1f\x7f]+$/, 'a username has no colon, space or control character');
/** An access token or password: sent to the remote as HTTP Basic credentials, never stored in the clear. */
export const gitTokenSchema = wellFormedString().min(1).max(4096).regex(/^[^\s\x00-\x1f\x7f]+$/, 'a token has no space or control character');

/**
 * POST /push: the version, pushed to `refs/heads/<branch>` of the remote without force.
 * Only the portal sends it; the credentials live for the one push, in git's environment.
 */
export const pushRequestSchema = z.object({
  version: versionIdSchema,
  url: gitRemoteUrlSchema,
  branch: gitBranchSchema,
  username: gitUsernameSchema.optional(),
  token: gitTokenSchema.optional(),
}).strict();
export type PushRequest = z.input<typeof pushRequestSchema>;
export const pushResponseSchema = z.object({ pushed: z.literal(true), commit: versionIdSchema, branch: z.string() });
export type PushResponse = z.infer<typeof pushResponseSchema>;

/** What the version store answers when it refuses: its PublishError's code and message. */
export const versionsErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

// ---- The portal's publish requests ----

export const publishAccessSchema = z.enum(['organization', 'public']);
export type PublishAccess = z.infer<typeof publishAccessSchema>;
export const publishStateSchema = z.enum(['pending', 'approved', 'publishing', 'live', 'rejected', 'failed']);
export type PublishState = z.infer<typeof publishStateSchema>;

/** Names an app may not take: the portal's own hosts and ones that would mislead. */
export const RESERVED_SUBDOMAINS: ReadonlySet<string> = new Set([
  'www', 'api', 'app', 'apps', 'admin', 'portal', 'paddock', 'auth', 'login', 'sso', 'mail', 'static', 'assets', 'cdn', 'preview', 'previews', 'status', 'metrics', 'localhost',
]);

/** A DNS label: lowercase letters, digits and hyphens, 1–63, no hyphen first or last. */
export const subdomainSchema = z.string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a subdomain is a DNS label: 1 to 63 lowercase letters, digits or hyphens, not starting or ending with a hyphen')
  .refine((s) => !RESERVED_SUBDOMAINS.has(s), 'this subdomain is reserved');

export const createPublishRequestSchema = z.object({
  subdomain: subdomainSchema,
  access: publishAccessSchema,
  command: wellFormedString().trim().min(1).max(1000).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  note: wellFormedString().trim().max(2000).optional(),
}).strict();
export type CreatePublishRequest = z.input<typeof createPublishRequestSchema>;

export const publishRequestSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  ownerId: z.string(),
  blueprintId: z.string(),
  subdomain: z.string(),
  access: publishAccessSchema,
  command: z.string().nullable(),
  port: z.number().int().nullable(),
  note: z.string().nullable(),
  version: versionIdSchema,
  /** What the checks and the diff compare with: the version approved before, or 'empty'. */
  baseVersion: versionBaseSchema,
  state: publishStateSchema,
  checks: z.array(publishCheckSchema),
  /** The owner was trusted (per user and per blueprint) when they asked. */
  trusted: z.boolean(),
  requestedAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  feedback: z.string().nullable(),
  /** Why it failed to go live (state `failed`); null otherwise. */
  message: z.string().nullable(),
});
export type PublishRequest = z.infer<typeof publishRequestSchema>;

/** POST /api/v1/workspaces/:id/publish-requests → 201: the contract's fields first, and the rest of the request. */
export const createdPublishRequestSchema = publishRequestSchema;
/** GET /api/v1/publish-requests/:id: the request, and what changed, read from the agent as it is asked. */
export const publishRequestDetailSchema = publishRequestSchema.extend({ diff: versionDiffSchema });
export type PublishRequestDetail = z.infer<typeof publishRequestDetailSchema>;
export const publishRequestListSchema = z.object({ items: z.array(publishRequestSchema) });
export const publishRequestListQuerySchema = z.object({ state: publishStateSchema.optional() });
export const rejectPublishRequestSchema = z.object({ feedback: wellFormedString().trim().min(1).max(4000) }).strict();

/**
 * GET /api/v1/workspaces/:id/publish-status (a running workspace): whether its files changed
 * since the version last published (approved, publishing or live), or at all before a first
 * publish, and that request. The Publish button is disabled while `changed` is false.
 */
export const publishStatusSchema = z.object({
  changed: z.boolean(),
  lastPublished: z.object({ version: versionIdSchema, subdomain: z.string(), requestId: z.string() }).nullable(),
});
export type PublishStatus = z.infer<typeof publishStatusSchema>;

/**
 * PUT /api/v1/blueprints/:id/git-remote: where the blueprint's approved versions are pushed.
 * `branch` left out pushes each app to `paddock/<subdomain>`. `token` is write-only: left
 * out, the saved one is kept (unless the URL now names another host: a token is never
 * sent to a host it was not given for); null removes it.
 */
export const putGitRemoteSchema = z.object({
  url: gitRemoteUrlSchema,
  branch: gitBranchSchema.nullable().optional(),
  username: gitUsernameSchema.nullable().optional(),
  token: gitTokenSchema.nullable().optional(),
}).strict();
export type PutGitRemote = z.input<typeof putGitRemoteSchema>;
/** GET: the remote as saved, with whether a token is saved, never the token. */
export const gitRemoteSchema = z.object({
  url: z.string(),
  branch: z.string().nullable(),
  username: z.string().nullable(),
  hasToken: z.boolean(),
  updatedAt: z.string(),
});
export type GitRemote = z.infer<typeof gitRemoteSchema>;
/** A blueprint with no remote answers `{remote: null}` rather than 404, so a page can tell "none" from "no blueprint". */
export const gitRemoteStatusSchema = z.object({ remote: gitRemoteSchema.nullable() });
export type GitRemoteStatus = z.infer<typeof gitRemoteStatusSchema>;

/** On GET /api/v1/events: a publish request of a workspace you can see changed (read it again). */
export const publishRequestEventSchema = z.object({ type: z.literal('publish'), requestId: z.string(), workspaceId: z.string() });
export type PublishRequestEvent = z.infer<typeof publishRequestEventSchema>;

// ---- Published apps ----

/**
 * - publishing: its version is starting (an earlier one, if any, serves meanwhile)
 * - live: it serves `version`
 * - failed: its version did not start (`message` says why); an earlier one, if any, still serves
 * - unpublished: it serves nothing (its builder, an admin or a governance kill switch took it down)
 */
export const appStateSchema = z.enum(['publishing', 'live', 'failed', 'unpublished']);
export type AppState = z.infer<typeof appStateSchema>;

export const publishedAppSchema = z.object({
  subdomain: z.string(),
  url: z.string(),
  ownerId: z.string(),
  ownerEmail: z.string(),
  workspaceId: z.string(),
  blueprintId: z.string(),
  /** The version it serves, or is starting (`state` publishing). */
  version: versionIdSchema,
  /** The version that answers now; null until one did (or once unpublished). */
  liveVersion: versionIdSchema.nullable(),
  access: publishAccessSchema,
  state: appStateSchema,
  message: z.string(),
  command: z.string(),
  port: z.number().int(),
  requestId: z.string(),
  updatedAt: z.string(),
});
export type PublishedApp = z.infer<typeof publishedAppSchema>;
export const appListSchema = z.object({ items: z.array(publishedAppSchema) });
export const appListQuerySchema = z.object({ state: appStateSchema.optional() });

/** GET /api/v1/apps/:subdomain/versions: every approved version of the app, newest first; one a rollback may take. */
export const appVersionSchema = z.object({
  version: versionIdSchema,
  requestId: z.string(),
  note: z.string().nullable(),
  requestedAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  /** It serves now. */
  live: z.boolean(),
});
export type AppVersion = z.infer<typeof appVersionSchema>;
export const appVersionListSchema = z.object({ items: z.array(appVersionSchema) });

export const rollbackAppSchema = z.object({ version: versionIdSchema }).strict();


/**
 * How a published app starts when its request doesn't say: the blueprint's first command tab
 * (the dev server its workspaces run) on its first preview port. What the Publish dialog
 * pre-fills, and what the portal takes for a request without a command or port.
 */
export function defaultAppStart(config: Pick<BlueprintWorkspaceConfig, 'tabs' | 'previewPorts'>): { command?: string; port?: number } {
  const command = config.tabs.find((t) => t.kind === 'command' && t.command)?.command;
  const port = config.previewPorts[0];
  return { ...(command ? { command } : {}), ...(port ? { port } : {}) };
}

/** Why an app can't listen on this port ('' when it can): its sandbox's own services and the privileged ports are not an app's. */
export function appPortProblem(port: number): string {
  if (port < 1024) return `port ${port} is privileged: an app listens on 1024 or above`;
  if (RESERVED_PORTS.has(port)) return `port ${port} is the workspace's own service: choose another`;
  return '';
}

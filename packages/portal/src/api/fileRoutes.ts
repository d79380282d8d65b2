import type { FastifyReply } from 'fastify';
import {
  FILE_CONTENT_MAX_BYTES, filePathQuerySchema, fileContentSchema, fileListingSchema, fileWrittenSchema, renameFileRequestSchema,
  type AuditOutcome, type Workspace,
} from '@paddock/protocol';
import type { UserActor } from '../auth/actor.js';
import type { WorkspaceAction } from '../authz/policy.js';
import { ApiError, UnavailableError } from '../errors.js';
import type { PortalServices } from '../services.js';
import { readBody, workspaceHttpError } from '../tunnel/workspaceHttp.js';
import { parseInput } from './parse.js';
import { route } from './route.js';

/**
 * The code editor's files, served by the workspace daemon (/v1/files…) and
 * forwarded unchanged through the tunnel (WorkspaceHttp). Owners and admins read and write,
 * auditors read (the route table's `user` access), anyone else gets 404.
 * Writes are audited with their path, never their content.
 */
export const fileRoutes = [
  route({
    method: 'GET', url: '/api/v1/workspaces/:id/files', access: 'user',
    summary: 'A folder of the workspace (?path= relative to /workspace): its entries, at most 2,000',
    query: filePathQuerySchema, response: fileListingSchema,
    handler: async ({ actor, params, query, reply, services }) => {
      const w = await editableWorkspace(services, actor, params.id, 'read');
      return forward(services, w, reply, { method: 'GET', path: `/v1/files?path=${encodeURIComponent(query.path)}` });
    },
  }),
  route({
    method: 'GET', url: '/api/v1/workspaces/:id/files/content', access: 'user',
    summary: 'A text file (at most 2 MiB) with its etag; binary files answer 415',
    query: filePathQuerySchema, response: fileContentSchema,
    handler: async ({ actor, params, query, reply, services }) => {
      const w = await editableWorkspace(services, actor, params.id, 'read');
      return forward(services, w, reply, { method: 'GET', path: `/v1/files/content?path=${encodeURIComponent(query.path)}` });
    },
  }),
  route({
    method: 'PUT', url: '/api/v1/workspaces/:id/files/content', access: 'user',
    summary: 'Writes a text file (body: text/plain, at most 2 MiB); If-Match: <etag> answers 409 when it changed since, If-None-Match: * when it exists',
    query: filePathQuerySchema, response: fileWrittenSchema,
    bodyLimit: FILE_CONTENT_MAX_BYTES * 4 + 1024, // the limit counts bytes; the daemon enforces 2 MiB of content
    handler: async ({ actor, params, query, req, reply, services }) => {
      const w = await editableWorkspace(services, actor, params.id, 'operate');
      if (typeof req.body !== 'string') throw new ApiError(415, 'unsupported_media_type', 'send the file\'s content as text/plain');
      const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
      const ifMatch = req.headers['if-match'];
      const ifNoneMatch = req.headers['if-none-match'];
      if (typeof ifMatch === 'string') headers['if-match'] = ifMatch;
      if (typeof ifNoneMatch === 'string') headers['if-none-match'] = ifNoneMatch;
      await services.activity.touch(w.id);
      return forward(services, w, reply, {
        method: 'PUT', path: `/v1/files/content?path=${encodeURIComponent(query.path)}`, headers, body: Buffer.from(req.body, 'utf8'),
        audit: { actor, action: 'workspace.file.write', detail: { path: query.path } },
      });
    },
  }),
  route({
    method: 'DELETE', url: '/api/v1/workspaces/:id/files', access: 'user', response: 'no-content', status: 204,
    summary: 'Deletes a file, or a folder with everything in it',
    query: filePathQuerySchema,
    handler: async ({ actor, params, query, reply, services }) => {
      const w = await editableWorkspace(services, actor, params.id, 'operate');
      return forward(services, w, reply, {
        method: 'DELETE', path: `/v1/files?path=${encodeURIComponent(query.path)}`,
        audit: { actor, action: 'workspace.file.delete', detail: { path: query.path } },
      });
    },
  }),
  route({
    method: 'POST', url: '/api/v1/workspaces/:id/files/rename', access: 'user', response: 'no-content', status: 204,
    summary: 'Renames or moves a file or folder ({from, to}); 409 when `to` exists',
    handler: async ({ actor, params, req, reply, services }) => {
      const w = await editableWorkspace(services, actor, params.id, 'operate');
      // Parsed after the workspace check, so someone else's workspace is 404 whatever the body's fields
      // (the route layer refuses NUL and lone surrogates in any body before that, workspace or not).
      const body = parseInput(renameFileRequestSchema, req.body, 'request body');
      return forward(services, w, reply, {
        method: 'POST', path: '/v1/files/rename', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)),
        audit: { actor, action: 'workspace.file.rename', detail: { from: body.from, to: body.to } },
      });
    },
  }),
];

/** The workspace, if the actor may do `action` to it (read its files, or change them), its blueprint allows the editor, and it runs. */
async function editableWorkspace(services: PortalServices, actor: UserActor, id: string, action: WorkspaceAction): Promise<Workspace> {
  const w = await services.workspaces.get(actor, id, action);
  if ((await services.blueprints.setupOf(w))?.editorEnabled === false) {
    throw new ApiError(403, 'editor_disabled', 'this workspace\'s blueprint turns the code editor off');
  }
  if (w.state !== 'running') throw new ApiError(409, 'not_running', `the workspace is ${w.state}; start it first`);
  return w;
}

interface DaemonCall {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  audit?: { actor: UserActor; action: string; detail: Record<string, unknown> };
}

const RESPONSE_MAX_BYTES = FILE_CONTENT_MAX_BYTES * 8; // JSON escaping can grow text several times

/**
 * One HTTP request to the workspace daemon; its answer goes back as is. A change is audited
 * twice: its attempt before the daemon is asked (no record, no change: the change happens in
 * the workspace, outside any transaction of ours), and its outcome after. If the outcome can't
 * be recorded, the attempt is on record and the caller still learns what happened.
 */
async function forward(services: PortalServices, w: Workspace, reply: FastifyReply, call: DaemonCall): Promise<FastifyReply> {
  const agentId = await services.workspaces.agentOf(w.id);
  if (!agentId) throw new ApiError(409, 'not_running', 'the workspace is not placed on an agent');
  const audited = call.audit;
  const record = (outcome: AuditOutcome, result: Record<string, unknown> = {}) => audited && services.audit.append({
    actor: audited.actor, action: audited.action,
    targetType: 'workspace', targetId: w.id, blueprintId: w.blueprintId, outcome, detail: { ...audited.detail, ...result },
  });
  await record('attempt')?.catch((err: unknown) => {
    reply.log.error({ err, action: audited!.action }, 'recording a change before making it failed; the change was not made');
    throw new UnavailableError('the audit trail could not record the change, so nothing was changed; try again');
  });
  const recordOutcome = (outcome: AuditOutcome, result: Record<string, unknown>) => record(outcome, result)?.catch((err: unknown) => {
    reply.log.error({ err, action: audited!.action, ...result }, 'recording the outcome of a change failed; its attempt is on record');
  });

  let answer: DaemonAnswer;
  try {
    answer = await askDaemon(services, agentId, w.id, call);
  } catch (err) {
    const failure = workspaceHttpError(err, PEER);
    await recordOutcome('failure', { error: failure.code });
    throw failure;
  }
  await recordOutcome(answer.status < 400 ? 'success' : 'failure', { status: answer.status });
  if (answer.etag) void reply.header('etag', answer.etag);
  void reply.status(answer.status);
  if (answer.status === 204 || answer.body.length === 0) return reply.send();
  return reply.type('application/json').send(answer.body);
}

interface DaemonAnswer { status: number; etag: string | undefined; body: Buffer }

const PEER = 'the workspace';

async function askDaemon(services: PortalServices, agentId: string, workspaceId: string, call: DaemonCall): Promise<DaemonAnswer> {
  const timeoutMs = services.config.tunnelHttp.filesMs;
  const res = await services.workspaceHttp.request({ agentId, workspaceId, target: { daemon: true } }, {
    peer: PEER, method: call.method, path: call.path, body: call.body, headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs,
    headers: { host: 'workspace', ...call.headers, ...(call.body ? { 'content-length': String(call.body.length) } : {}) },
  });
  const body = await readBody(res, RESPONSE_MAX_BYTES, PEER);
  return { status: res.statusCode ?? 502, etag: res.headers.etag, body };
}

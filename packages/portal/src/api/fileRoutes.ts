import { request } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply } from 'fastify';
import {
  FILE_CONTENT_MAX_BYTES, filePathQuerySchema, fileContentSchema, fileListingSchema, fileWrittenSchema, renameFileRequestSchema,
  type Workspace,
} from '@paddock/protocol';
import type { UserActor } from '../auth/actor.js';
import { readWorkspaceConfig } from '../blueprints/workspaceSetup.js';
import { ApiError } from '../errors.js';
import type { PortalServices } from '../services.js';
import { parseInput } from './parse.js';
import { route } from './route.js';

/**
 * The code editor's files, served by the workspace daemon (/v1/files…) and
 * forwarded unchanged over a dialed stream. Owners and admins read and write,
 * auditors read (the route table's `user` access), anyone else gets 404.
 * Writes are audited with their path, never their content.
 */
export const fileRoutes = [
  route({
    method: 'GET', url: '/api/v1/workspaces/:id/files', access: 'user',
    summary: 'A folder of the workspace (?path= relative to /workspace): its entries, at most 2,000',
    query: filePathQuerySchema, response: fileListingSchema,
    handler: async ({ actor, params, query, reply, services }) => {
      const w = await editableWorkspace(services, actor, params.id!);
      return forward(services, w, reply, { method: 'GET', path: `/v1/files?path=${encodeURIComponent(query.path)}` });
    },
  }),
  route({
    method: 'GET', url: '/api/v1/workspaces/:id/files/content', access: 'user',
    summary: 'A text file (at most 2 MiB) with its etag; binary files answer 415',
    query: filePathQuerySchema, response: fileContentSchema,
    handler: async ({ actor, params, query, reply, services }) => {
      const w = await editableWorkspace(services, actor, params.id!);
      return forward(services, w, reply, { method: 'GET', path: `/v1/files/content?path=${encodeURIComponent(query.path)}` });
    },
  }),
  route({
    method: 'PUT', url: '/api/v1/workspaces/:id/files/content', access: 'user',
    summary: 'Writes a text file (body: text/plain, at most 2 MiB); If-Match: <etag> answers 409 when it changed since, If-None-Match: * when it exists',
    query: filePathQuerySchema, response: fileWrittenSchema,
    bodyLimit: FILE_CONTENT_MAX_BYTES * 4 + 1024, // the limit counts bytes; the daemon enforces 2 MiB of content
    handler: async ({ actor, params, query, req, reply, services }) => {
      const w = await editableWorkspace(services, actor, params.id!);
      if (typeof req.body !== 'string') throw new ApiError(415, 'unsupported_media_type', 'send the file\'s content as text/plain');
      const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
      const ifMatch = req.headers['if-match'];
      const ifNoneMatch = req.headers['if-none-match'];
      if (typeof ifMatch === 'string') headers['if-match'] = ifMatch;
      if (typeof ifNoneMatch === 'string') headers['if-none-match'] = ifNoneMatch;
      return forward(services, w, reply, {
        method: 'PUT', path: `/v1/files/content?path=${encodeURIComponent(query.path)}`, headers, body: Buffer.from(req.body, 'utf8'),
        audit: { actor, action: 'workspace.file.write', detail: { path: query.path } },
      });
    },
  }),
  route({
    method: 'DELETE', url: '/api/v1/workspaces/:id/files', access: 'user', status: 204,
    summary: 'Deletes a file, or a folder with everything in it',
    query: filePathQuerySchema,
    handler: async ({ actor, params, query, reply, services }) => {
      const w = await editableWorkspace(services, actor, params.id!);
      return forward(services, w, reply, {
        method: 'DELETE', path: `/v1/files?path=${encodeURIComponent(query.path)}`,
        audit: { actor, action: 'workspace.file.delete', detail: { path: query.path } },
      });
    },
  }),
  route({
    method: 'POST', url: '/api/v1/workspaces/:id/files/rename', access: 'user', status: 204,
    summary: 'Renames or moves a file or folder ({from, to}); 409 when `to` exists',
    handler: async ({ actor, params, req, reply, services }) => {
      const w = await editableWorkspace(services, actor, params.id!);
      // Parsed after the workspace check, so someone else's workspace is 404 whatever the body.
      const body = parseInput(renameFileRequestSchema, req.body, 'request body');
      return forward(services, w, reply, {
        method: 'POST', path: '/v1/files/rename', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)),
        audit: { actor, action: 'workspace.file.rename', detail: { from: body.from, to: body.to } },
      });
    },
  }),
];

/** The workspace, if the actor may see it, its blueprint allows the editor, and it runs. */
async function editableWorkspace(services: PortalServices, actor: UserActor, id: string): Promise<Workspace> {
  const w = await services.workspaces.get(actor, id);
  const row = await services.db.selectFrom('blueprints').select('workspace_config').where('id', '=', w.blueprintId).executeTakeFirst();
  if (readWorkspaceConfig(row?.workspace_config).editorEnabled === false) {
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

/** One HTTP request to the workspace daemon over a fresh dialed stream; its answer goes back as is. */
async function forward(services: PortalServices, w: Workspace, reply: FastifyReply, call: DaemonCall): Promise<FastifyReply> {
  const agentId = await services.workspaces.agentOf(w.id);
  if (!agentId) throw new ApiError(409, 'not_running', 'the workspace is not placed on an agent');
  const stream = await services.hub.dial(agentId, w.id, { daemon: true });
  const answer = await new Promise<{ status: number; etag: string | undefined; body: Buffer }>((resolve, reject) => {
    const headers = { host: 'workspace', connection: 'close', ...call.headers, ...(call.body ? { 'content-length': String(call.body.length) } : {}) };
    const r = request({ method: call.method, path: call.path, headers, createConnection: () => stream as Socket }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > RESPONSE_MAX_BYTES) return r.destroy(new Error('the daemon answered too much'));
        chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 502, etag: res.headers.etag, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    r.setTimeout(30_000, () => r.destroy(new Error('the daemon did not answer in time')));
    r.on('error', reject);
    r.end(call.body);
  }).catch((err: unknown) => {
    throw new ApiError(502, 'workspace_unreachable', `the workspace did not answer: ${err instanceof Error ? err.message : String(err)}`);
  }).finally(() => stream.destroy());

  if (call.audit) {
    await services.audit.append({
      actorId: call.audit.actor.user.id, actorEmail: call.audit.actor.user.email, action: call.audit.action,
      targetType: 'workspace', targetId: w.id, blueprintId: w.blueprintId,
      outcome: answer.status < 400 ? 'success' : 'failure', detail: { ...call.audit.detail, status: answer.status },
    });
  }
  if (answer.etag) void reply.header('etag', answer.etag);
  void reply.status(answer.status);
  if (answer.status === 204 || answer.body.length === 0) return reply.send();
  return reply.type('application/json').send(answer.body);
}

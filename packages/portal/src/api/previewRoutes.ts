import type { FastifyRequest } from 'fastify';
import { createPreviewRequestSchema, listeningPortSchema, previewLinkSchema, previewPortsSchema, type PreviewPort } from '@paddock/protocol';
import { z } from 'zod';
import { ApiError, WorkspaceUnreachableError } from '../errors.js';
import { PREVIEW_AUTH_PATH } from '../preview/previewProxy.js';
import { previewOrigin } from '../preview/previewHost.js';
import type { UserActor } from '../auth/actor.js';
import type { PortalServices } from '../services.js';
import { readBody, workspaceHttpError } from '../tunnel/workspaceHttp.js';
import { route } from './route.js';

export const previewRoutes = [
  route({
    method: 'POST', url: '/api/v1/workspaces/:id/previews', access: 'user',
    summary: 'A one-time link (60 s) that signs the browser in to the preview of one workspace port and lands on the app',
    status: 201, body: createPreviewRequestSchema, response: previewLinkSchema,
    handler: async ({ actor, params, body, services }) => {
      const w = await services.workspaces.get(actor, params.id, 'connect');
      if (w.state !== 'running') throw new ApiError(409, 'not_running', `the workspace is ${w.state}; start it first`);
      const { token, expiresAt } = await services.previews.issue({
        userId: actor.user.id, workspaceId: w.id, port: body.port, portalSessionHash: actor.sessionHash ?? null,
      });
      const origin = previewOrigin(services.config.publicUrl, services.config.previewDomain, w.id, body.port);
      await services.activity.record(actor, w, 'workspace.preview.open', { port: body.port });
      return { url: `${origin}${PREVIEW_AUTH_PATH}?token=${encodeURIComponent(token)}`, expiresAt: expiresAt.toISOString() };
    },
  }),
  route({
    method: 'GET', url: '/api/v1/workspaces/:id/previews', access: 'user',
    summary: 'Ports a preview can show: dev servers listening in the workspace, and the blueprint\'s preview ports',
    response: previewPortsSchema,
    handler: async ({ actor, params, req, services }) => {
      const w = await services.workspaces.get(actor, params.id);
      const blueprintPorts = await declaredPorts(services, actor, w.blueprintId);
      const agentId = await services.workspaces.agentOf(w.id);
      const detected = w.state === 'running' && agentId ? await detectedPorts(services, agentId, w.id, req) : [];
      const ports = new Map<number, PreviewPort>();
      for (const port of detected) ports.set(port, { port, listening: true, sources: ['detected'] });
      for (const port of blueprintPorts) {
        const known = ports.get(port);
        if (known) known.sources.push('blueprint');
        else ports.set(port, { port, listening: false, sources: ['blueprint'] });
      }
      return { ports: [...ports.values()].sort((a, b) => a.port - b.port) };
    },
  }),
];

/** The blueprint's declared preview ports (none when the blueprint is no longer usable by this actor). */
async function declaredPorts(services: PortalServices, actor: UserActor, blueprintId: string): Promise<number[]> {
  const bp = await services.blueprints.get(actor, blueprintId).catch(() => null);
  return bp?.previewPorts ?? [];
}

const daemonPortsSchema = z.object({ ports: z.array(listeningPortSchema) });

const PEER = 'the workspace';

/**
 * Asks the workspace daemon which ports listen (GET /v1/ports). The list still answers when the
 * daemon doesn't (with the blueprint's ports, none of them listening); the failure goes to the log.
 */
async function detectedPorts(services: PortalServices, agentId: string, workspaceId: string, req: FastifyRequest): Promise<number[]> {
  const timeoutMs = services.config.tunnelHttp.portsMs;
  try {
    const res = await services.workspaceHttp.request({ agentId, workspaceId, target: { daemon: true } }, {
      peer: PEER, method: 'GET', path: '/v1/ports', headers: { host: 'workspace' }, headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs,
    });
    const text = (await readBody(res, 1024 * 1024, PEER)).toString('utf8');
    if (res.statusCode !== 200) throw new WorkspaceUnreachableError(`${PEER} answered ${res.statusCode} when asked for its ports`);
    let listed: unknown;
    try { listed = JSON.parse(text); } catch { listed = undefined; }
    const parsed = daemonPortsSchema.safeParse(listed);
    if (!parsed.success) throw new WorkspaceUnreachableError(`${PEER} answered its port list with something that is not one`);
    return parsed.data.ports.map((p) => p.port);
  } catch (err) {
    const failure = workspaceHttpError(err, PEER);
    req.log.warn({ error: { code: failure.code, message: failure.message } }, 'listing preview ports failed');
    return [];
  }
}

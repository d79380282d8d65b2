import { request } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { createPreviewRequestSchema, listeningPortSchema, previewLinkSchema, previewPortsSchema, type PreviewPort } from '@paddock/protocol';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import { PREVIEW_AUTH_PATH } from '../preview/previewProxy.js';
import { previewOrigin } from '../preview/previewHost.js';
import type { UserActor } from '../auth/actor.js';
import type { PortalServices } from '../services.js';
import { route } from './route.js';

export const previewRoutes = [
  route({
    method: 'POST', url: '/api/v1/workspaces/:id/previews', access: 'user',
    summary: 'A one-time link (60 s) that signs the browser in to the preview of one workspace port and lands on the app',
    status: 201, body: createPreviewRequestSchema, response: previewLinkSchema,
    handler: async ({ actor, params, body, services }) => {
      const w = await services.workspaces.get(actor, params.id!, 'connect');
      if (w.state !== 'running') throw new ApiError(409, 'not_running', `the workspace is ${w.state}; start it first`);
      const { token, expiresAt } = await services.previews.issue({
        userId: actor.user.id, workspaceId: w.id, port: body.port, portalSessionHash: actor.sessionHash ?? null,
      });
      const origin = previewOrigin(services.config.publicUrl, services.config.previewDomain, w.id, body.port);
      await services.audit.append({
        actor, action: 'workspace.preview.open', targetType: 'workspace',
        targetId: w.id, blueprintId: w.blueprintId, outcome: 'success', detail: { port: body.port },
      });
      return { url: `${origin}${PREVIEW_AUTH_PATH}?token=${encodeURIComponent(token)}`, expiresAt: expiresAt.toISOString() };
    },
  }),
  route({
    method: 'GET', url: '/api/v1/workspaces/:id/previews', access: 'user',
    summary: 'Ports a preview can show: dev servers listening in the workspace, and the blueprint\'s preview ports',
    response: previewPortsSchema,
    handler: async ({ actor, params, req, services }) => {
      const w = await services.workspaces.get(actor, params.id!);
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

/** Asks the workspace daemon which ports listen (GET /v1/ports over a dialed stream). */
async function detectedPorts(services: PortalServices, agentId: string, workspaceId: string, req: FastifyRequest): Promise<number[]> {
  try {
    const stream = await services.hub.dial(agentId, workspaceId, { daemon: true });
    const text = await new Promise<string>((resolve, reject) => {
      const r = request({ path: '/v1/ports', headers: { host: 'workspace', connection: 'close' }, createConnection: () => stream as Socket }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`daemon answered ${res.statusCode}`))));
      });
      r.setTimeout(5000, () => r.destroy(new Error('the daemon did not answer in time')));
      r.on('error', reject);
      r.end();
    }).finally(() => stream.destroy());
    return daemonPortsSchema.parse(JSON.parse(text)).ports.map((p) => p.port);
  } catch (err) {
    req.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'listing preview ports failed');
    return [];
  }
}

import { z } from 'zod';
import { agentSchema, enrollmentTokenSchema, resourceMechanismSchema, type ResourceControl } from '@paddock/protocol';
import type { ResourceControl__Output } from '@paddock/protocol/tunnel';
import { route } from './route.js';

/** An agent's own words on its limits; an unknown mechanism reads as none (nothing this portal knows to be enforced). */
function resourceControlOf(hello: ResourceControl__Output | null | undefined): ResourceControl | null {
  if (!hello) return null;
  const mechanism = resourceMechanismSchema.safeParse(hello.mechanism);
  return { mechanism: mechanism.success ? mechanism.data : 'none', note: hello.note, diskEnforced: hello.diskEnforced };
}

export const agentRoutes = [
  route({
    method: 'GET', url: '/api/v1/agents', access: 'auditor', summary: 'Runtime agents, whether they are connected, their tunnel protocol, and how they hold workspaces to their resource limits',
    response: z.object({ agents: z.array(agentSchema) }),
    handler: async ({ services }) => {
      return { agents: (await services.enrollment.list()).map((r) => ({
        id: r.id, name: r.name, version: r.version, connected: services.hub.isConnected(r.id), lastSeenAt: r.lastSeenAt?.toISOString() ?? null,
        protocol: r.protocol, refused: r.refusedReason && r.refusedAt ? { reason: r.refusedReason, at: r.refusedAt.toISOString() } : null,
        resourceControl: resourceControlOf(services.hub.resourceControlOf(r.id)),
      })) };
    },
  }),
  route({
    method: 'POST', url: '/api/v1/agents/enrollment-tokens', access: 'admin', status: 201,
    summary: 'A one-time token (valid 1 hour) for enrolling a new runtime agent; shown only in this response',
    response: enrollmentTokenSchema,
    handler: async ({ actor, services }) => {
      const token = await services.enrollment.createToken();
      await services.audit.append({ actor, action: 'agent.enrollment_token.create', outcome: 'success' });
      return { token, expiresInSeconds: 3600 };
    },
  }),
];

import { z } from 'zod';
import { resourceMechanismSchema } from '@paddock/protocol';
import type { ResourceControl__Output } from '@paddock/protocol/tunnel';
import { route } from './route.js';

const resourceControlSchema = z.object({ mechanism: resourceMechanismSchema, note: z.string(), diskEnforced: z.boolean() });

/** An agent's own words on its limits; an unknown mechanism reads as none (nothing this portal knows to be enforced). */
function resourceControlOf(hello: ResourceControl__Output | null | undefined): z.infer<typeof resourceControlSchema> | null {
  if (!hello) return null;
  const mechanism = resourceMechanismSchema.safeParse(hello.mechanism);
  return { mechanism: mechanism.success ? mechanism.data : 'none', note: hello.note, diskEnforced: hello.diskEnforced };
}

export const agentRoutes = [
  route({
    method: 'GET', url: '/api/v1/agents', access: 'auditor', summary: 'Runtime agents, whether they are connected, their tunnel protocol, and how they hold workspaces to their resource limits',
    response: z.object({ agents: z.array(z.object({
      id: z.string(), name: z.string(), version: z.string(), connected: z.boolean(), lastSeenAt: z.string().nullable(),
      /** Its tunnel protocol (major.minor), and why the portal refused it, when it did. */
      protocol: z.string(), refused: z.object({ reason: z.string(), at: z.string() }).nullable(),
      /** From the agent's Hello while it is connected: mechanism 'none' means workspaces there run without CPU, memory and process limits. */
      resourceControl: resourceControlSchema.nullable(),
    })) }),
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
    response: z.object({ token: z.string(), expiresInSeconds: z.number() }),
    handler: async ({ actor, services }) => {
      const token = await services.enrollment.createToken();
      await services.audit.append({ actor, action: 'agent.enrollment_token.create', outcome: 'success' });
      return { token, expiresInSeconds: 3600 };
    },
  }),
];

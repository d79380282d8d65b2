import { z } from 'zod';
import { blockedAttemptsSchema, ipAllowlistResponseSchema, ipAllowlistSchema } from '@paddock/protocol';
import { route } from './route.js';

export const ipAllowlistRoutes = [
  route({
    method: 'GET', url: '/api/v1/admin/ip-allowlist', access: 'auditor', summary: 'The IP allowlist (empty: everyone may connect)',
    response: ipAllowlistResponseSchema,
    handler: async ({ services }) => {
      await services.ipAllowlist.load();
      return services.ipAllowlist.rules;
    },
  }),
  route({
    method: 'PUT', url: '/api/v1/admin/ip-allowlist', access: 'admin',
    summary: "Replace the IP allowlist; refused (409) if it would block the caller's own address",
    body: ipAllowlistSchema, response: ipAllowlistResponseSchema,
    handler: async ({ body, req, actor, services }) => services.ipAllowlist.update(
      body, { peer: req.raw.socket.remoteAddress ?? '', forwardedFor: req.headers['x-forwarded-for'] }, actor,
    ),
  }),
  route({
    method: 'GET', url: '/api/v1/admin/ip-allowlist/blocked', access: 'auditor', summary: 'Recent requests refused by the IP allowlist, newest first',
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }), response: blockedAttemptsSchema,
    handler: async ({ query, services }) => ({ attempts: await services.ipAllowlist.listBlocked(query.limit) }),
  }),
];

import { securityOverviewSchema } from '@paddock/protocol';
import { route } from './route.js';

/** Admin → Security (security/securityOverview.ts). */
export const securityRoutes = [
  route({
    method: 'GET', url: '/api/v1/admin/security', access: 'auditor',
    summary: 'The Security dashboard: live connections, IP-allowlist blocks per hour, widely open blueprints, governance denials and held actions, admins and trusted builders',
    response: securityOverviewSchema,
    handler: async ({ services }) => services.security.overview(),
  }),
  route({
    method: 'DELETE', url: '/api/v1/admin/connections/:id', access: 'admin',
    summary: 'End a live connection (a terminal, an AI chat stream, a preview WebSocket) held open through this portal; audited',
    status: 204, response: 'no-content',
    handler: async ({ actor, params, services }) => { await services.security.endConnection(actor, params.id); },
  }),
];

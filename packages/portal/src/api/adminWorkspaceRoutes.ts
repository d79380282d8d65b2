import { adminWorkspacesQuerySchema, adminWorkspacesResponseSchema } from '@paddock/protocol';
import { route } from './route.js';

/**
 * Admin → Workspaces: the list of everyone's workspaces. Starting, stopping and deleting
 * them goes through the workspace routes (workspaceRoutes.ts), which admins may call on
 * anyone's workspace (authz/policy.ts, `operate`), each call audited as the admin.
 */
export const adminWorkspaceRoutes = [
  route({
    method: 'GET', url: '/api/v1/admin/workspaces', access: 'auditor',
    summary: 'Every workspace with its owner, blueprint, agent, last activity and deadline, filtered (?state=&blueprintId=&ownerId=&q=), and how many are in each state',
    query: adminWorkspacesQuerySchema, response: adminWorkspacesResponseSchema,
    handler: async ({ actor, query, services }) => services.workspaceDirectory.list(actor, query),
  }),
];

import { blueprintResourcePolicySchema, resourcePolicySchema } from '@paddock/protocol';
import { route } from './route.js';

export const policyRoutes = [
  route({
    method: 'GET', url: '/api/v1/admin/policies', access: 'auditor',
    summary: 'The org resource policy: running workspaces per person, idle stop, maximum lifetime, cleanup of stopped workspaces, compute limits',
    response: resourcePolicySchema,
    handler: async ({ services }) => services.resourcePolicies.org(),
  }),
  route({
    method: 'PUT', url: '/api/v1/admin/policies', access: 'admin',
    summary: 'Replace the org resource policy; it applies to existing workspaces at once (limits when each next starts)',
    body: resourcePolicySchema, response: resourcePolicySchema,
    handler: async ({ actor, body, services }) => services.resourcePolicies.putOrg(body, actor),
  }),
  route({
    method: 'GET', url: '/api/v1/blueprints/:id/policies', access: 'auditor',
    summary: "A blueprint's overrides of the org resource policy; null where it inherits",
    response: blueprintResourcePolicySchema,
    handler: async ({ params, services }) => services.resourcePolicies.forBlueprint(params.id),
  }),
  route({
    method: 'PUT', url: '/api/v1/blueprints/:id/policies', access: 'admin',
    summary: "Replace a blueprint's overrides of the org resource policy (null or absent: inherit)",
    body: blueprintResourcePolicySchema, response: blueprintResourcePolicySchema,
    handler: async ({ actor, body, params, services }) => services.resourcePolicies.putBlueprint(params.id, body, actor),
  }),
];

import { putSecretRequestSchema, secretInfoSchema, secretListSchema } from '@paddock/protocol';
import { route } from './route.js';

/** Blueprint credentials: admins write them and see their names; nobody reads a value back. */
export const blueprintSecretRoutes = [
  route({
    method: 'GET', url: '/api/v1/blueprints/:id/secrets', access: 'admin', summary: "A blueprint's secrets (names and masks only)",
    response: secretListSchema,
    handler: async ({ params, services }) => ({ secrets: await services.blueprintSecrets.list(params.id) }),
  }),
  route({
    method: 'PUT', url: '/api/v1/blueprints/:id/secrets/:name', access: 'admin',
    summary: "Set a blueprint secret; its workspaces get it as an environment variable of the same name",
    body: putSecretRequestSchema, response: secretInfoSchema,
    handler: async ({ body, params, actor, services }) => services.blueprintSecrets.put(params.id, params.name, body.value, actor),
  }),
  route({
    method: 'DELETE', url: '/api/v1/blueprints/:id/secrets/:name', access: 'admin', response: 'no-content', summary: 'Remove a blueprint secret', status: 204,
    handler: async ({ params, actor, services }) => { await services.blueprintSecrets.delete(params.id, params.name, actor); },
  }),
];

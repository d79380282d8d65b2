import { z } from 'zod';
import { blueprintAccessSchema, blueprintSchema, createBlueprintRequestSchema, updateBlueprintRequestSchema } from '@paddock/protocol';
import { route } from './route.js';

export const blueprintRoutes = [
  route({
    method: 'GET', url: '/api/v1/blueprints', access: 'user', summary: 'The blueprint catalog: the blueprints you may use',
    response: z.object({ blueprints: z.array(blueprintSchema) }),
    handler: async ({ actor, services }) => ({ blueprints: await services.blueprints.list(actor) }),
  }),
  route({
    method: 'GET', url: '/api/v1/blueprints/:id', access: 'user', summary: 'One blueprint', response: blueprintSchema,
    handler: async ({ actor, params, services }) => services.blueprints.get(actor, params.id),
  }),
  route({
    method: 'POST', url: '/api/v1/blueprints', access: 'admin', summary: 'Create a blueprint', status: 201,
    body: createBlueprintRequestSchema, response: blueprintSchema,
    handler: async ({ body, actor, services }) => services.blueprints.create(body, actor),
  }),
  route({
    method: 'PATCH', url: '/api/v1/blueprints/:id', access: 'admin', summary: 'Change a blueprint',
    body: updateBlueprintRequestSchema, response: blueprintSchema,
    handler: async ({ body, actor, params, services }) => services.blueprints.update(params.id, body, actor),
  }),
  route({
    method: 'GET', url: '/api/v1/blueprints/:id/access', access: 'auditor', summary: 'Who may use a blueprint', response: blueprintAccessSchema,
    handler: async ({ params, services }) => services.blueprints.access.get(params.id),
  }),
  route({
    method: 'PUT', url: '/api/v1/blueprints/:id/access', access: 'admin',
    summary: 'Set who may use a blueprint: open, or restricted to rules on email, domain, role, group or user id',
    body: blueprintAccessSchema, response: blueprintAccessSchema,
    handler: async ({ actor, body, params, services }) => services.blueprints.access.set(params.id, body, actor),
  }),
];

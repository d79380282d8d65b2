import { z } from 'zod';
import { blueprintAccessSchema, blueprintSchema, createBlueprintRequestSchema, duplicateBlueprintRequestSchema, updateBlueprintRequestSchema } from '@paddock/protocol';
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
    method: 'POST', url: '/api/v1/blueprints/:id/duplicate', access: 'admin', status: 201,
    summary: 'Copy a blueprint: its setup, access rules and policies, not its credentials, provider key or git remote; the copy starts disabled',
    body: duplicateBlueprintRequestSchema, response: blueprintSchema,
    handler: async ({ body, actor, params, services }) => services.blueprints.duplicate(params.id, body.name, actor),
  }),
  route({
    method: 'POST', url: '/api/v1/blueprints/:id/archive', access: 'admin',
    summary: 'Archive a blueprint: out of the catalog, no new workspaces; existing ones keep running', response: blueprintSchema,
    handler: async ({ actor, params, services }) => services.blueprints.archive(params.id, actor),
  }),
  route({
    method: 'POST', url: '/api/v1/blueprints/:id/unarchive', access: 'admin', summary: 'Bring an archived blueprint back to the catalog', response: blueprintSchema,
    handler: async ({ actor, params, services }) => services.blueprints.unarchive(params.id, actor),
  }),
  route({
    method: 'DELETE', url: '/api/v1/blueprints/:id', access: 'admin', response: 'no-content', status: 204,
    summary: 'Delete a blueprint no workspace was ever made from (409 otherwise: archive it instead)',
    handler: async ({ actor, params, services }) => { await services.blueprints.delete(params.id, actor); },
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

import { z } from 'zod';
import { createWorkspaceRequestSchema, terminalTicketSchema, updateWorkspaceRequestSchema, workspaceSchema } from '@paddock/protocol';
import { ApiError } from '../errors.js';
import { route } from './route.js';

const listQuery = z.object({ all: z.enum(['true', 'false']).optional() });

export const workspaceRoutes = [
  route({
    method: 'GET', url: '/api/v1/workspaces', access: 'user', summary: 'My workspaces (admins: ?all=true for everyone\'s)',
    query: listQuery, response: z.object({ workspaces: z.array(workspaceSchema) }),
    handler: async ({ actor, query, services }) => ({ workspaces: await services.workspaces.list(actor, { all: query.all === 'true' }) }),
  }),
  route({
    method: 'POST', url: '/api/v1/workspaces', access: 'user', summary: 'Create a workspace from a blueprint; it starts at once',
    status: 201, body: createWorkspaceRequestSchema, response: workspaceSchema,
    handler: async ({ actor, body, services }) => services.workspaces.create(actor, body),
  }),
  route({
    method: 'GET', url: '/api/v1/workspaces/:id', access: 'user', summary: 'One workspace', response: workspaceSchema,
    handler: async ({ actor, params, services }) => services.workspaces.get(actor, params.id),
  }),
  route({
    method: 'PATCH', url: '/api/v1/workspaces/:id', access: 'user', summary: 'Rename a workspace: its display name (its internal name stays)',
    body: updateWorkspaceRequestSchema, response: workspaceSchema,
    handler: async ({ actor, body, params, services }) => services.workspaces.rename(actor, params.id, body.displayName),
  }),
  route({
    method: 'POST', url: '/api/v1/workspaces/:id/start', access: 'user', summary: 'Start a workspace', status: 202, response: workspaceSchema,
    handler: async ({ actor, params, services }) => services.workspaces.setDesired(actor, params.id, 'running'),
  }),
  route({
    method: 'POST', url: '/api/v1/workspaces/:id/stop', access: 'user', summary: 'Stop a workspace (its files stay)', status: 202, response: workspaceSchema,
    handler: async ({ actor, params, services }) => services.workspaces.setDesired(actor, params.id, 'stopped'),
  }),
  route({
    method: 'POST', url: '/api/v1/workspaces/:id/keep-alive', access: 'user',
    summary: 'Keep running: push the idle stop from now (the maximum lifetime still bounds it); answers the workspace with its new stopsAt',
    response: workspaceSchema,
    handler: async ({ actor, params, services }) => services.workspaces.keepAlive(actor, params.id),
  }),
  route({
    method: 'DELETE', url: '/api/v1/workspaces/:id', access: 'user', summary: 'Delete a workspace and its files', status: 202, response: workspaceSchema,
    handler: async ({ actor, params, services }) => services.workspaces.setDesired(actor, params.id, 'deleted'),
  }),
  route({
    method: 'POST', url: '/api/v1/workspaces/:id/terminal-tickets', access: 'user',
    summary: 'A single-use ticket (30 s) for opening the workspace\'s terminal WebSocket', status: 201, response: terminalTicketSchema,
    handler: async ({ actor, params, services }) => {
      const w = await services.workspaces.get(actor, params.id, 'connect');
      if (w.state !== 'running') throw new ApiError(409, 'not_running', `the workspace is ${w.state}; start it first`);
      return services.tickets.issue(actor.user.id, w.id);
    },
  }),
];

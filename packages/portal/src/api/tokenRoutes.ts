import { z } from 'zod';
import { createTokenRequestSchema, createdTokenSchema, tokenSchema } from '@paddock/protocol';
import { NotFoundError } from '../errors.js';
import { route } from './route.js';

export const tokenRoutes = [
  route({
    method: 'GET', url: '/api/v1/tokens', access: 'self', summary: 'List my API tokens (never their values)',
    response: z.object({ tokens: z.array(tokenSchema) }),
    handler: async ({ actor, services }) => ({ tokens: await services.identity.listTokens(actor) }),
  }),
  route({
    method: 'POST', url: '/api/v1/tokens', access: 'self', summary: 'Create an API token; its value is shown only in this response',
    status: 201, body: createTokenRequestSchema, response: createdTokenSchema,
    handler: async ({ actor, body, services }) => {
      const token = await services.identity.createToken(actor.user.id, body.name);
      await services.audit.append({ actor, action: 'token.create', targetType: 'token', targetId: token.id, outcome: 'success', detail: { name: body.name } });
      return token;
    },
  }),
  route({
    method: 'DELETE', url: '/api/v1/tokens/:id', access: 'self', response: 'no-content', summary: 'Revoke one of my API tokens', status: 204,
    handler: async ({ actor, params, services }) => {
      if (!(await services.identity.deleteToken(actor, params.id))) throw new NotFoundError('token');
      await services.audit.append({ actor, action: 'token.delete', targetType: 'token', targetId: params.id, outcome: 'success' });
      return undefined;
    },
  }),
];

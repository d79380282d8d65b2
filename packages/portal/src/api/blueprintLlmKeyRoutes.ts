import { llmKeyStatusSchema, putLlmKeyRequestSchema } from '@paddock/protocol';
import { route } from './route.js';

/** A blueprint's model provider key: admins set and remove it; nobody reads it back, they only see whether one is set. */
export const blueprintLlmKeyRoutes = [
  route({
    method: 'GET', url: '/api/v1/blueprints/:id/llm-key', access: 'auditor', summary: "Whether a blueprint's model provider key is set (never its value)",
    response: llmKeyStatusSchema,
    handler: async ({ params, services }) => services.blueprintLlmKeys.status(params.id),
  }),
  route({
    method: 'PUT', url: '/api/v1/blueprints/:id/llm-key', access: 'admin',
    summary: "Set a blueprint's model provider key; the agent's LLM gateway uses it, workspaces never see it",
    body: putLlmKeyRequestSchema, response: llmKeyStatusSchema,
    handler: async ({ body, params, actor, services }) => services.blueprintLlmKeys.put(params.id, body.value, actor),
  }),
  route({
    method: 'DELETE', url: '/api/v1/blueprints/:id/llm-key', access: 'admin', response: 'no-content', summary: "Remove a blueprint's model provider key", status: 204,
    handler: async ({ params, actor, services }) => { await services.blueprintLlmKeys.delete(params.id, actor); },
  }),
];

import { z } from 'zod';
import { auditPageSchema, auditVerifySchema, workspaceActivityActionSchema, workspaceActivityPageSchema } from '@paddock/protocol';
import { route } from './route.js';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().min(1).optional(),
  action: z.string().max(64).optional(),
});

const activityQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().min(1).optional(),
  workspaceId: z.string().max(64).optional(),
  action: workspaceActivityActionSchema.optional(),
});

export const auditRoutes = [
  route({
    method: 'GET', url: '/api/v1/audit', access: 'auditor', summary: 'The audit trail, newest first (page with ?before=<id>)',
    query: listQuery, response: auditPageSchema,
    handler: async ({ query, services }) => {
      const entries = await services.audit.list(query);
      const last = entries.at(-1);
      return { entries, nextBefore: entries.length === query.limit && last ? last.id : null };
    },
  }),
  route({
    method: 'GET', url: '/api/v1/audit/activity', access: 'auditor',
    summary: 'Use of workspaces (terminals attached, preview links, AI prompts), newest first; kept apart from the audit trail',
    query: activityQuery, response: workspaceActivityPageSchema,
    handler: async ({ query, services }) => {
      const entries = await services.activity.list(query);
      const last = entries.at(-1);
      return { entries, nextBefore: entries.length === query.limit && last ? last.id : null };
    },
  }),
  route({
    method: 'GET', url: '/api/v1/audit/verify', access: 'auditor', summary: 'Checks the hash chain; names the first edited or deleted row',
    response: auditVerifySchema,
    handler: async ({ services }) => services.audit.verify(),
  }),
];

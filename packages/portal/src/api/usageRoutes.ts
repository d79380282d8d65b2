import { z } from 'zod';
import { dateTimeSchema } from '@paddock/protocol';
import { route } from './route.js';

const totals = {
  requests: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheReadTokens: z.number().int(),
  cacheWriteTokens: z.number().int(),
};

const usageSummarySchema = z.object({
  totals: z.object(totals),
  byUser: z.array(z.object({ userId: z.string(), email: z.string().nullable(), ...totals })),
  byBlueprint: z.array(z.object({ blueprintId: z.string(), name: z.string().nullable(), ...totals })),
  byWorkspace: z.array(z.object({ workspaceId: z.string(), name: z.string().nullable(), userId: z.string(), blueprintId: z.string(), ...totals })),
  byModel: z.array(z.object({ model: z.string(), ...totals })),
});

const rangeQuery = z.object({
  since: dateTimeSchema.optional(),
  until: dateTimeSchema.optional(),
});

export const usageRoutes = [
  route({
    method: 'GET', url: '/api/v1/usage', access: 'admin',
    summary: 'Model token usage (input, output, cache read and write) per user, blueprint, workspace and model; ?since=&until= (ISO times)',
    query: rangeQuery, response: usageSummarySchema,
    handler: async ({ query, services }) => services.usage.summary({
      ...(query.since ? { since: new Date(query.since) } : {}),
      ...(query.until ? { until: new Date(query.until) } : {}),
    }),
  }),
];

import { z } from 'zod';
import {
  budgetsResponseSchema, budgetsSchema, computeSummaryQuerySchema, computeSummaryResponseSchema, dateTimeSchema, modelPricesResponseSchema,
  modelPricesSchema, myBudgetsResponseSchema, usageSummaryQuerySchema, usageSummaryResponseSchema,
} from '@paddock/protocol';
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

/** A query's `[from, to)` as dates, each only when given. */
const period = (q: { from?: string | undefined; to?: string | undefined }) => ({
  ...(q.from ? { from: new Date(q.from) } : {}),
  ...(q.to ? { to: new Date(q.to) } : {}),
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
  route({
    method: 'GET', url: '/api/v1/usage/summary', access: 'user',
    summary: 'Usage and spend per user, blueprint, workspace or model over [from, to), costed with the price table; admins and auditors see everyone, anyone else their own calls',
    query: usageSummaryQuerySchema, response: usageSummaryResponseSchema,
    handler: async ({ query, actor, services }) => ({
      rows: await services.usage.costSummary(actor, { groupBy: query.groupBy, ...period(query) }),
    }),
  }),
  route({
    method: 'GET', url: '/api/v1/usage/compute', access: 'user',
    summary: "Running hours per user or blueprint over [from, to), costed at each blueprint's hourly rate; admins and auditors see everyone, anyone else their own workspaces",
    query: computeSummaryQuerySchema, response: computeSummaryResponseSchema,
    handler: async ({ query, actor, services }) => ({
      rows: await services.computeUsage.summary(actor, { groupBy: query.groupBy, ...period(query) }),
    }),
  }),
  route({
    method: 'GET', url: '/api/v1/admin/model-prices', access: 'auditor',
    summary: 'The price per million tokens of each model (input, output, cache read, cache write), in US dollars',
    response: modelPricesResponseSchema,
    handler: async ({ services }) => ({ items: await services.modelPrices.list() }),
  }),
  route({
    method: 'PUT', url: '/api/v1/admin/model-prices', access: 'admin',
    summary: 'Replace the model price table; a model left out has no price (shown as such, never as $0)',
    body: modelPricesSchema, response: modelPricesResponseSchema,
    handler: async ({ body, actor, services }) => {
      const items = await services.modelPrices.replace(body.items, actor);
      // Money budgets are counted with these prices: what they alert on or block follows at once.
      services.budgetWatch.trigger();
      return { items };
    },
  }),
  route({
    method: 'GET', url: '/api/v1/admin/budgets', access: 'auditor',
    summary: 'The monthly budgets per user, group and blueprint, each as it stands this month: spent, remaining, its 80 % and 100 % alerts, the model calls it refused',
    response: budgetsResponseSchema,
    handler: async ({ services }) => services.budgetWatch.statuses(),
  }),
  route({
    method: 'PUT', url: '/api/v1/admin/budgets', access: 'admin',
    summary: 'Replace the budget list whole (an item with an id keeps that budget and its alerts this month); a bad item refuses the whole list and the old one stays',
    body: budgetsSchema, response: budgetsResponseSchema,
    handler: async ({ body, actor, services }) => {
      await services.budgets.replace(body, actor);
      // Alerts the new limits cross are raised, and what they block is refused, at once.
      services.budgetWatch.trigger();
      return services.budgetWatch.statuses();
    },
  }),
  route({
    method: 'GET', url: '/api/v1/usage/budget', access: 'user',
    summary: 'The budgets your model calls count against (yours, your groups\', your workspaces\' blueprints\'): spent this month, remaining, alerts raised, and whether calls are refused',
    response: myBudgetsResponseSchema,
    handler: async ({ actor, services }) => services.budgetWatch.forActor(actor.user),
  }),
];

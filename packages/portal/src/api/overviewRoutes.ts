import { adminOverviewSchema, timelineQuerySchema, timelineSchema, topologySchema } from '@paddock/protocol';
import { overviewCounters } from '../overview/overview.js';
import { timeline } from '../overview/timeline.js';
import { topology } from '../overview/topology.js';
import { parseInput } from './parse.js';
import { route } from './route.js';

const DAY_MS = 86_400_000;

/** Admin → Overview: read by admins and auditors; nothing here changes anything. */
export const overviewRoutes = [
  route({
    method: 'GET', url: '/api/v1/admin/overview', access: 'auditor',
    summary: 'The counters: workspaces running, stopped, failed and changing; agents connected; publish requests and held agent actions waiting; sign-ins refused and requests blocked by the IP allowlist since 00:00 UTC',
    response: adminOverviewSchema,
    handler: async ({ services }) => overviewCounters(services),
  }),
  route({
    method: 'GET', url: '/api/v1/admin/topology', access: 'auditor',
    summary: 'Runtime agents → blueprints → workspaces → owners, as nodes (named, workspaces with their state) and edges',
    response: topologySchema,
    handler: async ({ services }) => topology(services),
  }),
  route({
    method: 'GET', url: '/api/v1/admin/timeline', access: 'auditor',
    summary: 'Per workspace over [from, to) (ISO times, at most 31 days; by default the last 24 hours): when it ran, when someone used it, and who created, started, stopped, deleted or published it',
    query: timelineQuerySchema, response: timelineSchema,
    handler: async ({ query, services }) => {
      const to = query.to ? new Date(query.to) : services.clock.now();
      const from = query.from ? new Date(query.from) : new Date(to.getTime() - DAY_MS);
      // One bound given alone is checked against the default of the other.
      parseInput(timelineQuerySchema, { from: from.toISOString(), to: to.toISOString() }, 'query');
      return timeline(services, { from, to });
    },
  }),
];

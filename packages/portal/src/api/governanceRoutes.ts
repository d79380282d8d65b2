import {
  approvalDecisionRequestSchema, approvalDecisionResultSchema, approvalsPageSchema, approvalsQuerySchema, governanceEventsPageSchema,
  governanceEventsQuerySchema, governanceHealthSchema, governanceOverrideSchema, governancePolicySchema, governanceSuggestionsSchema,
  killSwitchChangeSchema, killSwitchSchema, simulationReportSchema, simulationRequestSchema, suggestionsQuerySchema, workspaceGovernanceSchema,
} from '@paddock/protocol';
import { route } from './route.js';

/** Issue 9's governance API: admins change, auditors read; a workspace's owner reads its own (docs/governance.md). */
export const governanceRoutes = [
  route({
    method: 'GET', url: '/api/v1/governance/policy', access: 'auditor', summary: "The org's governance policy (the defaults until an admin saves one)",
    response: governancePolicySchema,
    handler: async ({ services }) => services.governancePolicies.org(),
  }),
  route({
    method: 'PUT', url: '/api/v1/governance/policy', access: 'admin',
    summary: "Replace the org's governance policy; running agents hold it within a second (audited)",
    body: governancePolicySchema, response: governancePolicySchema,
    handler: async ({ body, actor, services }) => services.governancePolicies.putOrg(body, actor),
  }),
  route({
    method: 'GET', url: '/api/v1/blueprints/:id/governance', access: 'auditor', summary: "A blueprint's governance override ({}: it inherits everything)",
    response: governanceOverrideSchema,
    handler: async ({ params, services }) => services.governancePolicies.override(params.id),
  }),
  route({
    method: 'PUT', url: '/api/v1/blueprints/:id/governance', access: 'admin',
    summary: "Replace a blueprint's governance override; fields left out inherit the org's (audited)",
    body: governanceOverrideSchema, response: governanceOverrideSchema,
    handler: async ({ body, actor, params, services }) => services.governancePolicies.putOverride(params.id, body, actor),
  }),
  route({
    method: 'POST', url: '/api/v1/governance/simulate', access: 'admin',
    summary: "Replay the last days' governance events against a draft policy (an org policy, or a blueprint's override with blueprintId): what would change, by class, rule, user and workspace. Changes nothing",
    body: simulationRequestSchema, response: simulationReportSchema,
    handler: async ({ body, services }) => services.governanceSimulator.simulate(body),
  }),
  route({
    method: 'GET', url: '/api/v1/blueprints/:id/governance/suggestions', access: 'auditor',
    summary: "Allow rules that would let through what the blueprint's workspaces did in monitor mode that enforce would hold or deny (?days=), with their simulated effect",
    query: suggestionsQuerySchema, response: governanceSuggestionsSchema,
    handler: async ({ params, query, services }) => services.governanceSuggester.suggest(params.id, query.days),
  }),
  route({
    method: 'GET', url: '/api/v1/governance/events', access: 'auditor',
    summary: 'Governance events, newest first: ?workspaceId=&class=&verdict=&since=&limit=&cursor=',
    query: governanceEventsQuerySchema, response: governanceEventsPageSchema,
    handler: async ({ query, services }) => services.governanceEvents.list(query),
  }),
  route({
    method: 'GET', url: '/api/v1/governance/health', access: 'auditor',
    summary: "The share of running workspaces whose hooks, gateway and proxy serve them with a policy in force, and each one's problems",
    response: governanceHealthSchema,
    handler: async ({ services }) => services.governanceHealth.report(),
  }),
  route({
    method: 'GET', url: '/api/v1/governance/approvals', access: 'auditor', summary: 'Held agent actions: ?state=pending|approved|denied|expired&workspaceId=',
    query: approvalsQuerySchema, response: approvalsPageSchema,
    handler: async ({ query, services }) => ({ items: await services.governanceApprovals.list(query) }),
  }),
  route({
    method: 'POST', url: '/api/v1/governance/approvals/:id', access: 'admin',
    summary: 'Decide a held action: approve once, for N minutes or with a rule; deny once or with a rule (audited)',
    body: approvalDecisionRequestSchema, response: approvalDecisionResultSchema,
    handler: async ({ body, actor, params, services }) => services.governanceApprovals.decide(params.id, body, actor),
  }),
  route({
    method: 'GET', url: '/api/v1/governance/kill-switch', access: 'auditor', summary: 'The kill switches, org-wide and per blueprint',
    response: killSwitchSchema,
    handler: async ({ services }) => services.governancePolicies.killSwitch(),
  }),
  route({
    method: 'PUT', url: '/api/v1/governance/kill-switch', access: 'admin',
    summary: 'Engage or release a kill switch, org-wide or for a blueprint; agents stop all agent traffic within a second (audited)',
    body: killSwitchChangeSchema, response: killSwitchSchema,
    handler: async ({ body, actor, services }) => services.governancePolicies.setKillSwitch(body, actor),
  }),
  route({
    method: 'GET', url: '/api/v1/workspaces/:id/governance', access: 'user',
    summary: "What the workspace's owner sees of governance: the kill switch and why, the held actions waiting for an admin (summaries only)",
    response: workspaceGovernanceSchema,
    handler: async ({ actor, params, services }) => services.workspaceGovernance.get(actor, params.id),
  }),
];

import {
  createPublishRequestSchema, createdPublishRequestSchema, publishRequestDetailSchema, publishRequestListQuerySchema, publishRequestListSchema,
  publishRequestSchema, publishStatusSchema, rejectPublishRequestSchema,
} from '@paddock/protocol';
import { route } from './route.js';

/** Issue 10's publish requests (docs/publishing.md): the owner asks, an admin other than them decides. */
export const publishRoutes = [
  route({
    method: 'POST', url: '/api/v1/workspaces/:id/publish-requests', access: 'user', status: 201,
    summary: "Ask to publish a running workspace's files at a subdomain: the agent snapshots them as a version and runs the checks on it; "
      + 'pending review, or approved at once for a trusted builder whose checks all passed (audited). The owner only',
    body: createPublishRequestSchema, response: createdPublishRequestSchema,
    handler: async ({ actor, body, params, services }) => services.publishing.request(actor, params.id, body),
  }),
  route({
    method: 'GET', url: '/api/v1/workspaces/:id/publish-status', access: 'user',
    summary: "Whether a running workspace's files changed since the version last published (or, before a first publish, whether it has any), "
      + 'read from its agent with no version written, and that last published request. Whoever may read the workspace',
    response: publishStatusSchema,
    handler: async ({ actor, params, services }) => services.publishing.status(actor, params.id),
  }),
  route({
    method: 'GET', url: '/api/v1/publish-requests', access: 'user',
    summary: 'Publish requests, newest first (?state=): admins and auditors see all, anyone else their own',
    query: publishRequestListQuerySchema, response: publishRequestListSchema,
    handler: async ({ actor, query, services }) => ({ items: await services.publishing.list(actor, query.state) }),
  }),
  route({
    method: 'GET', url: '/api/v1/publish-requests/:id', access: 'user',
    summary: 'A publish request with its checks and its diff (read from the agent as you ask; the portal keeps no file)',
    response: publishRequestDetailSchema,
    handler: async ({ actor, params, services }) => services.publishing.get(actor, params.id),
  }),
  route({
    method: 'POST', url: '/api/v1/publish-requests/:id/approve', access: 'admin',
    summary: "Approve a pending publish request: never one's own (403), nor one whose secret scan failed or a newer request replaced (409). Audited",
    response: publishRequestSchema,
    handler: async ({ actor, params, services }) => services.publishing.approve(actor, params.id),
  }),
  route({
    method: 'POST', url: '/api/v1/publish-requests/:id/reject', access: 'admin',
    summary: "Reject a pending publish request with feedback for its builder (never one's own). Audited",
    body: rejectPublishRequestSchema, response: publishRequestSchema,
    handler: async ({ actor, body, params, services }) => services.publishing.reject(actor, params.id, body.feedback),
  }),
];

import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { scimTokenResponseSchema, wellFormedString } from '@paddock/protocol';
import type { PortalServices } from '../services.js';
import { parsePatchRequest, type Resource } from '../scim/patch.js';
import { ScimError } from '../scim/scimErrors.js';
import { ScimGroups } from '../scim/scimGroups.js';
import { listQuery, listResponse, project, versionIn } from '../scim/scimResources.js';
import { MAX_RESULTS, resourceTypes, schemas, serviceProviderConfig } from '../scim/scimSchemas.js';
import { ScimToken } from '../scim/scimToken.js';
import { ScimUsers } from '../scim/scimUsers.js';
import { route } from './route.js';

export const SCIM_PREFIX = '/scim/v2';

/** Where this portal's SCIM resources live (for meta.location): on its public origin, never the request's Host. */
const baseOf = (s: PortalServices) => `${s.config.publicUrl}${SCIM_PREFIX}`;
const users = (s: PortalServices, _req: FastifyRequest) => new ScimUsers(s, baseOf(s));
const groups = (s: PortalServices, _req: FastifyRequest) => new ScimGroups(s, baseOf(s));
const ifMatch = (req: FastifyRequest) => req.headers['if-match'];
/** A JSON object body; SCIM validates its attributes itself (case-insensitive names). */
const scimBody = z.record(z.string(), z.unknown());
const scimQuery = z.record(z.string(), z.unknown());
/**
 * What SCIM answers, as far as this portal promises it: every body names its schemas,
 * every resource its id, a list its total and resources (RFC 7644 §3.4.2). The
 * attributes themselves vary with `attributes` / `excludedAttributes`.
 */
const scimMessage = z.looseObject({ schemas: z.array(z.string()).min(1) });
const scimResource = scimMessage.extend({ id: z.string().min(1) });
const scimList = scimMessage.extend({ totalResults: z.number().int().min(0), Resources: z.array(scimResource) });

/** Discovery resources are named by their name or schema URN, not by one of our ids. */
const byName = { id: wellFormedString() };

/** One resource, with its version as the ETag header too (RFC 7644 §3.14). */
function one(reply: FastifyReply, resource: Resource, query: Record<string, unknown> = {}) {
  void reply.header('etag', versionIn(resource));
  return project(resource, query);
}

function created(reply: FastifyReply, resource: Resource) {
  void reply.header('location', (resource.meta as { location: string }).location);
  return one(reply, resource);
}

/** Discovery lists are small and fixed: no filters (RFC 7644 §4). */
function discoveryList(query: Record<string, unknown>, items: unknown[]) {
  if (query.filter !== undefined) throw new ScimError(403, undefined, 'discovery endpoints do not take filters');
  return listResponse(items, items.length, 1);
}

function byId<T extends { id: string }>(items: T[], id: string, what: string): T {
  const found = items.find((i) => i.id === id);
  if (!found) throw new ScimError(404, undefined, `no ${what} ${id}`);
  return found;
}

/**
 * SCIM 2.0 (RFC 7643, RFC 7644) for identity providers, authenticated by the
 * SCIM token alone (access `scim`), answering application/scim+json with SCIM's
 * own error body. And the admin route that issues the token.
 */
export const scimRoutes = [
  route({
    method: 'POST', url: '/api/v1/admin/scim-tokens', access: 'admin', status: 201, response: scimTokenResponseSchema,
    summary: 'Create the SCIM token (replacing any previous one); its value is shown only in this response',
    handler: async ({ actor, services }) => {
      const token = await new ScimToken(services.secrets).issue();
      await services.audit.append({ actor, action: 'scim.token.create', targetType: 'scim_token', targetId: 'scim', outcome: 'success' });
      return { token };
    },
  }),

  route({
    method: 'GET', url: `${SCIM_PREFIX}/ServiceProviderConfig`, access: 'scim', response: scimMessage, summary: 'SCIM: what this service provider supports (RFC 7643 §5)',
    handler: async ({ services }) => serviceProviderConfig(baseOf(services)),
  }),
  route({
    method: 'GET', url: `${SCIM_PREFIX}/ResourceTypes`, access: 'scim', response: scimList, summary: 'SCIM: resource types (RFC 7643 §6)', query: scimQuery,
    handler: async ({ query, services }) => discoveryList(query, resourceTypes(baseOf(services))),
  }),
  route({
    method: 'GET', url: `${SCIM_PREFIX}/ResourceTypes/:id`, access: 'scim', response: scimResource, summary: 'SCIM: one resource type', params: byName,
    handler: async ({ params, services }) => byId(resourceTypes(baseOf(services)), params.id, 'ResourceType'),
  }),
  route({
    method: 'GET', url: `${SCIM_PREFIX}/Schemas`, access: 'scim', response: scimList, summary: 'SCIM: schemas (RFC 7643 §7)', query: scimQuery,
    handler: async ({ query, services }) => discoveryList(query, schemas(baseOf(services))),
  }),
  route({
    method: 'GET', url: `${SCIM_PREFIX}/Schemas/:id`, access: 'scim', response: scimResource, summary: 'SCIM: one schema, by its URN', params: byName,
    handler: async ({ params, services }) => byId(schemas(baseOf(services)), params.id, 'Schema'),
  }),

  route({
    method: 'GET', url: `${SCIM_PREFIX}/Users`, access: 'scim', response: scimList, query: scimQuery,
    summary: `SCIM: list or filter users (startIndex, count ≤ ${MAX_RESULTS}, filter)`,
    handler: async ({ req, query, services }) => {
      const q = listQuery(query);
      const page = await users(services, req).list(q);
      return listResponse(page.resources.map((r) => project(r, query)), page.total, q.startIndex);
    },
  }),
  route({
    method: 'POST', url: `${SCIM_PREFIX}/Users`, access: 'scim', response: scimResource, status: 201, body: scimBody, summary: 'SCIM: provision a user',
    handler: async ({ req, reply, body, services }) => created(reply, (await users(services, req).create(body)).resource),
  }),
  route({
    method: 'GET', url: `${SCIM_PREFIX}/Users/:id`, access: 'scim', response: scimResource, query: scimQuery, summary: 'SCIM: one user',
    handler: async ({ req, reply, params, query, services }) => one(reply, await users(services, req).get(params.id), query),
  }),
  route({
    method: 'PUT', url: `${SCIM_PREFIX}/Users/:id`, access: 'scim', response: scimResource, body: scimBody, summary: 'SCIM: replace a user',
    handler: async ({ req, reply, params, body, services }) => one(reply, await users(services, req).replace(params.id, body, ifMatch(req))),
  }),
  route({
    method: 'PATCH', url: `${SCIM_PREFIX}/Users/:id`, access: 'scim', response: scimResource, body: scimBody,
    summary: 'SCIM: change a user; active=false ends their sessions, revokes their tokens and stops their workspaces',
    handler: async ({ req, reply, params, body, services }) =>
      one(reply, await users(services, req).patch(params.id, parsePatchRequest(body), ifMatch(req))),
  }),
  route({
    method: 'DELETE', url: `${SCIM_PREFIX}/Users/:id`, access: 'scim', response: 'no-content', status: 204,
    summary: 'SCIM: deprovision a user (deactivated and hidden from SCIM; files and audit history stay)',
    handler: async ({ req, params, services }) => { await users(services, req).delete(params.id, ifMatch(req)); },
  }),

  route({
    method: 'GET', url: `${SCIM_PREFIX}/Groups`, access: 'scim', response: scimList, query: scimQuery,
    summary: `SCIM: list or filter groups (startIndex, count ≤ ${MAX_RESULTS}, filter)`,
    handler: async ({ req, query, services }) => {
      const q = listQuery(query);
      const page = await groups(services, req).list(q);
      return listResponse(page.resources.map((r) => project(r, query)), page.total, q.startIndex);
    },
  }),
  route({
    method: 'POST', url: `${SCIM_PREFIX}/Groups`, access: 'scim', response: scimResource, status: 201, body: scimBody, summary: 'SCIM: create a group',
    handler: async ({ req, reply, body, services }) => created(reply, await groups(services, req).create(body)),
  }),
  route({
    method: 'GET', url: `${SCIM_PREFIX}/Groups/:id`, access: 'scim', response: scimResource, query: scimQuery, summary: 'SCIM: one group',
    handler: async ({ req, reply, params, query, services }) => one(reply, await groups(services, req).get(params.id), query),
  }),
  route({
    method: 'PUT', url: `${SCIM_PREFIX}/Groups/:id`, access: 'scim', response: scimResource, body: scimBody, summary: 'SCIM: replace a group',
    handler: async ({ req, reply, params, body, services }) => one(reply, await groups(services, req).replace(params.id, body, ifMatch(req))),
  }),
  route({
    method: 'PATCH', url: `${SCIM_PREFIX}/Groups/:id`, access: 'scim', response: scimResource, body: scimBody, summary: 'SCIM: change a group (members add, remove, replace)',
    handler: async ({ req, reply, params, body, services }) =>
      one(reply, await groups(services, req).patch(params.id, parsePatchRequest(body), ifMatch(req))),
  }),
  route({
    method: 'DELETE', url: `${SCIM_PREFIX}/Groups/:id`, access: 'scim', response: 'no-content', status: 204, summary: 'SCIM: delete a group',
    handler: async ({ req, params, services }) => { await groups(services, req).delete(params.id, ifMatch(req)); },
  }),
];

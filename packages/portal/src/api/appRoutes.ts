import { z } from 'zod';
import { appListQuerySchema, appListSchema, appVersionListSchema, publishedAppSchema, rollbackAppSchema } from '@paddock/protocol';
import { route } from './route.js';

const signInLinkQuery = z.object({ path: z.string().max(2000).optional() });
const signInLinkSchema = z.object({ url: z.string() });

/** Issue 10's published apps (docs/publishing.md): served at `<subdomain>.<apps domain>`, rolled back and unpublished here. */
export const appRoutes = [
  route({
    method: 'GET', url: '/api/v1/apps', access: 'user',
    summary: 'Published apps, newest change first (?state=): admins and auditors see all, anyone else their own',
    query: appListQuerySchema, response: appListSchema,
    handler: async ({ actor, query, services }) => ({ items: await services.apps.list(actor, query.state) }),
  }),
  route({
    method: 'GET', url: '/api/v1/apps/:subdomain', access: 'user', summary: 'A published app: its state, the version it serves and the one it is starting',
    response: publishedAppSchema,
    handler: async ({ actor, params, services }) => services.apps.get(actor, params.subdomain),
  }),
  route({
    method: 'GET', url: '/api/v1/apps/:subdomain/versions', access: 'user', summary: "The app's approved versions, newest first: the ones a rollback may take",
    response: appVersionListSchema,
    handler: async ({ actor, params, services }) => ({ items: await services.apps.versions(actor, params.subdomain) }),
  }),
  route({
    method: 'POST', url: '/api/v1/apps/:subdomain/rollback', access: 'user',
    summary: 'Serve a version approved before again, with no new review (also republishes an unpublished app). Its builder or an admin; audited',
    body: rollbackAppSchema, response: publishedAppSchema,
    handler: async ({ actor, body, params, services }) => services.apps.rollback(actor, params.subdomain, body.version),
  }),
  route({
    method: 'POST', url: '/api/v1/apps/:subdomain/unpublish', access: 'user',
    summary: 'Take the app down: it serves nothing until published or rolled back again. Its builder or an admin; audited',
    response: publishedAppSchema,
    handler: async ({ actor, params, services }) => services.apps.unpublish(actor, params.subdomain),
  }),
  route({
    method: 'GET', url: '/api/v1/apps/:subdomain/sign-in-link', access: 'user',
    summary: "A one-time link that signs you in to an \"everyone signed in\" app on its own origin (any member), landing on ?path=",
    query: signInLinkQuery, response: signInLinkSchema,
    handler: async ({ actor, params, query, services }) => ({ url: await services.apps.signInLink(actor, params.subdomain, query.path ?? '/') }),
  }),
];

import { gitRemoteStatusSchema, putGitRemoteSchema } from '@paddock/protocol';
import { route } from './route.js';

/**
 * A blueprint's git remote, where its approved versions are also pushed: admins set and
 * remove it, admins and auditors read it. The token is write-only: answers say whether one
 * is saved (`hasToken`), never what it is.
 */
export const blueprintGitRemoteRoutes = [
  route({
    method: 'GET', url: '/api/v1/blueprints/:id/git-remote', access: 'auditor',
    summary: "A blueprint's git remote (its URL, branch and user; whether a token is saved, never the token)",
    response: gitRemoteStatusSchema,
    handler: async ({ params, services }) => services.gitRemotes.get(params.id),
  }),
  route({
    method: 'PUT', url: '/api/v1/blueprints/:id/git-remote', access: 'admin',
    summary: "Set the git remote a blueprint's approved versions are pushed to; the token is sealed and never shown again",
    body: putGitRemoteSchema, response: gitRemoteStatusSchema,
    handler: async ({ body, params, actor, services }) => services.gitRemotes.put(params.id, body, actor),
  }),
  route({
    method: 'DELETE', url: '/api/v1/blueprints/:id/git-remote', access: 'admin', response: 'no-content', status: 204,
    summary: "Remove a blueprint's git remote and its token",
    handler: async ({ params, actor, services }) => { await services.gitRemotes.remove(params.id, actor); },
  }),
];

import { z } from 'zod';
import {
  acceptInviteRequestSchema, createInviteRequestSchema, createUserRequestSchema, createdInviteSchema, inviteSchema,
  meResponseSchema, updateUserRequestSchema, userSchema,
} from '@paddock/protocol';
import { ConflictError, NotFoundError } from '../errors.js';
import { route } from './route.js';
import { setSessionCookie } from './sessionCookie.js';

/** Members: users, their roles, invites. */
export const userRoutes = [
  route({
    method: 'GET', url: '/api/v1/users', access: 'auditor', summary: 'Members, with role, trusted flag, state and last sign-in',
    response: z.object({ users: z.array(userSchema) }),
    handler: async ({ services }) => ({ users: await services.identity.listUsers() }),
  }),
  route({
    method: 'POST', url: '/api/v1/users', access: 'admin', summary: 'Create a user with a password', status: 201,
    body: createUserRequestSchema, response: userSchema,
    handler: async ({ body, actor, services }) => services.identity.createUser(body, actor),
  }),
  route({
    method: 'PATCH', url: '/api/v1/users/:id', access: 'admin', summary: 'Change a member\'s name, role or trusted flag',
    body: updateUserRequestSchema, response: userSchema,
    handler: async ({ body, actor, params, services }) => services.identity.updateUser(params.id!, body, actor),
  }),
  route({
    method: 'DELETE', url: '/api/v1/users/:id', access: 'admin',
    summary: 'Remove a member: their sessions end, tokens are revoked and workspaces stop; files and audit history stay', status: 204,
    handler: async ({ actor, params, services }) => {
      const id = params.id!;
      if (id === actor.user.id) throw new ConflictError('you cannot remove yourself');
      // Refuses the last active admin (LastAdminError).
      const found = await services.identity.deactivate(id, { id: actor.user.id, email: actor.user.email }, 'removed by an admin');
      if (!found) throw new NotFoundError('user');
      await services.workspaces.stopAllOwnedBy(id, 'member removed');
      return undefined;
    },
  }),
  route({
    method: 'GET', url: '/api/v1/invites', access: 'auditor', summary: 'Pending invites',
    response: z.object({ invites: z.array(inviteSchema) }),
    handler: async ({ services }) => ({ invites: await services.invites.listPending() }),
  }),
  route({
    method: 'POST', url: '/api/v1/invites', access: 'admin', status: 201,
    summary: 'Invite someone by email; the single-use link (valid 7 days) is shown only in this response',
    body: createInviteRequestSchema, response: createdInviteSchema,
    handler: async ({ actor, body, services }) => {
      const invite = await services.invites.create(actor, body.email, body.role);
      return { ...invite, url: `${services.config.publicUrl}/invite#${invite.token}` };
    },
  }),
  route({
    method: 'DELETE', url: '/api/v1/invites/:id', access: 'admin', summary: 'Revoke a pending invite', status: 204,
    handler: async ({ actor, params, services }) => { await services.invites.revoke(actor, params.id!); return undefined; },
  }),
  route({
    method: 'POST', url: '/api/v1/invites/lookup', access: 'public', summary: 'What an invite token is for (email, role), if still usable',
    body: z.object({ token: z.string().min(1).max(256) }),
    response: z.object({ email: z.string(), role: z.string(), expiresAt: z.string() }),
    handler: async ({ body, services }) => {
      const found = await services.invites.lookup(body.token);
      if (!found) throw new NotFoundError('invite (it may have expired or been used)');
      return found;
    },
  }),
  route({
    method: 'POST', url: '/api/v1/invites/accept', access: 'public', summary: 'Accept an invite: creates your account and signs you in',
    body: acceptInviteRequestSchema, response: meResponseSchema,
    handler: async ({ body, req, reply, services }) => {
      const user = await services.invites.accept(body.token, body.name, body.password);
      const { sessionId, csrfToken } = await services.identity.openSession(user.id, { ip: req.ip, userAgent: req.headers['user-agent'] ?? '', method: 'invite' });
      setSessionCookie(reply, services.config, sessionId);
      return { user, csrfToken };
    },
  }),
];

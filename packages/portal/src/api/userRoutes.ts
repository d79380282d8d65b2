import { z } from 'zod';
import {
  acceptInviteRequestSchema, createInviteRequestSchema, createUserRequestSchema, createdInviteSchema, createdPasswordResetSchema, inviteLookupSchema, inviteSchema,
  groupSchema, meResponseSchema, passwordResetLookupSchema, passwordResetTokenSchema, redeemPasswordResetRequestSchema, updateUserRequestSchema, userSchema,
} from '@paddock/protocol';
import { NotFoundError } from '../errors.js';
import type { PortalServices } from '../services.js';
import type { UserActor } from '../auth/actor.js';
import { route } from './route.js';
import { setSessionCookie } from './sessionCookie.js';

/**
 * A password reset link (`/reset-password#<token>`: the fragment never reaches
 * server logs or Referer headers), on the configured public origin, never the request's Host.
 */
const passwordResetUrl = (services: PortalServices, token: string) => `${services.config.publicUrl}/reset-password#${token}`;

/** PATCH and DELETE: removing a member stops their workspaces (again, if an admin started one since). */
async function changeMember(services: PortalServices, actor: UserActor, id: string, patch: z.infer<typeof updateUserRequestSchema>) {
  // Refuses the last active admin (LastAdminError), yourself, and reactivating whom the identity provider deactivated.
  const user = await services.identity.updateUser(id, patch, actor);
  if (patch.active === false) await services.workspaces.stopAllOwnedBy(actor, id, 'member removed');
  return user;
}

/** Members: users, their roles, invites, password reset links. */
export const userRoutes = [
  route({
    method: 'GET', url: '/api/v1/users', access: 'auditor', summary: 'Members, with role, trusted flag, state and last sign-in',
    response: z.object({ users: z.array(userSchema) }),
    handler: async ({ services }) => ({ users: await services.identity.listUsers() }),
  }),
  route({
    method: 'GET', url: '/api/v1/groups', access: 'auditor', summary: 'Groups (from SCIM or SSO sign-in), with their member counts',
    response: z.object({ groups: z.array(groupSchema) }),
    handler: async ({ services }) => ({ groups: await services.identity.listGroups() }),
  }),
  route({
    method: 'POST', url: '/api/v1/users', access: 'admin', summary: 'Create a user with a password', status: 201,
    body: createUserRequestSchema, response: userSchema,
    handler: async ({ body, actor, services }) => services.identity.createUser(body, actor),
  }),
  route({
    method: 'PATCH', url: '/api/v1/users/:id', access: 'admin',
    summary: 'Change a member\'s name, role or trusted flag; `active` removes (false) or reactivates (true) them. '
      + 'A reactivated member signs in as before; their tokens stay revoked and workspaces stopped. '
      + 'Someone the identity provider deactivated comes back only through it (409)',
    body: updateUserRequestSchema, response: userSchema,
    handler: async ({ body, actor, params, services }) => changeMember(services, actor, params.id, body),
  }),
  route({
    method: 'DELETE', url: '/api/v1/users/:id', access: 'admin', response: 'no-content',
    summary: 'Remove a member (as PATCH {"active":false}): their sessions end, tokens are revoked and workspaces stop; files and audit history stay', status: 204,
    handler: async ({ actor, params, services }) => { await changeMember(services, actor, params.id, { active: false }); return undefined; },
  }),
  route({
    method: 'POST', url: '/api/v1/users/:id/password-reset', access: 'admin', status: 201,
    summary: 'A single-use link (valid 24 h) for the member to set a new password, shown only in this response; '
      + 'it replaces any earlier link. Using it ends all their sessions. Only for active members with a Paddock password (409 otherwise)',
    response: createdPasswordResetSchema,
    handler: async ({ actor, params, services }) => {
      const reset = await services.passwordResets.issue(actor, params.id);
      return { url: passwordResetUrl(services, reset.token), expiresAt: reset.expiresAt };
    },
  }),
  route({
    method: 'POST', url: '/api/v1/password-resets/lookup', access: 'public', summary: 'Whose password a reset link sets, if it is still usable',
    body: passwordResetTokenSchema, response: passwordResetLookupSchema,
    handler: async ({ body, services }) => {
      const found = await services.passwordResets.lookup(body.token);
      if (!found) throw new NotFoundError('password reset link (it may have expired or been used)');
      return found;
    },
  }),
  route({
    method: 'POST', url: '/api/v1/password-resets/redeem', access: 'public', response: 'no-content', status: 204,
    summary: 'Use a reset link: sets the new password and signs the account out everywhere (sign in again with it)',
    body: redeemPasswordResetRequestSchema,
    handler: async ({ body, services }) => { await services.passwordResets.redeem(body.token, body.password); return undefined; },
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
    method: 'DELETE', url: '/api/v1/invites/:id', access: 'admin', response: 'no-content', summary: 'Revoke a pending invite', status: 204,
    handler: async ({ actor, params, services }) => { await services.invites.revoke(actor, params.id); return undefined; },
  }),
  route({
    method: 'POST', url: '/api/v1/invites/lookup', access: 'public', summary: 'What an invite token is for (email, role), if still usable',
    body: z.object({ token: z.string().min(1).max(256) }),
    response: inviteLookupSchema,
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

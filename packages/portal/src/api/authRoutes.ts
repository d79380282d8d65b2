// Plugin type augmentations must be imported where they are used (NodeNext resolution).
import type {} from '@fastify/cookie';
import { z } from 'zod';
import {
  SESSION_COOKIE, changePasswordRequestSchema, changePasswordResponseSchema, loginRequestSchema, logoutResponseSchema, meResponseSchema, sessionInfoSchema,
} from '@paddock/protocol';
import { NotFoundError } from '../errors.js';
import { route } from './route.js';
import { setSessionCookie } from './sessionCookie.js';

export const authRoutes = [
  route({
    method: 'POST', url: '/api/v1/auth/login', access: 'public', summary: 'Sign in with email and password',
    body: loginRequestSchema, response: meResponseSchema,
    handler: async ({ body, req, reply, services }) => {
      await services.signInSettings.assertLocalPasswords(body.email, req.ip);
      const { user, sessionId, csrfToken } = await services.identity.login(body.email, body.password, req.ip, req.headers['user-agent'] ?? '');
      setSessionCookie(reply, services.config, sessionId);
      return { user, csrfToken };
    },
  }),
  route({
    method: 'POST', url: '/api/v1/auth/logout', access: 'self',
    summary: 'Sign out (ends this session); redirectTo is the identity provider\'s logout for an SSO session',
    response: logoutResponseSchema,
    handler: async ({ actor, reply, services }) => {
      const redirectTo = await services.oidc.endSessionUrl(actor, services.config.publicUrl);
      await services.identity.logout(actor);
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { redirectTo };
    },
  }),
  route({
    method: 'GET', url: '/api/v1/auth/me', access: 'self', summary: 'The signed-in user', response: meResponseSchema,
    handler: async ({ actor }) => ({ user: actor.user, csrfToken: actor.csrfToken ?? null }),
  }),
  route({
    method: 'POST', url: '/api/v1/auth/password', access: 'self',
    summary: 'Change my password (the current one is required and rate-limited like a sign-in); '
      + 'signs out my other sessions, keeps this one and my API tokens',
    body: changePasswordRequestSchema, response: changePasswordResponseSchema,
    handler: async ({ actor, body, req, services }) => services.identity.changePassword(actor, body.currentPassword, body.newPassword, req.ip),
  }),
  route({
    method: 'GET', url: '/api/v1/auth/sessions', access: 'self', summary: 'My sign-in sessions (`current` is this one)',
    response: z.object({ sessions: z.array(sessionInfoSchema) }),
    handler: async ({ actor, services }) => ({ sessions: await services.identity.listSessions(actor) }),
  }),
  route({
    method: 'DELETE', url: '/api/v1/auth/sessions/:id', access: 'self', response: 'no-content', summary: 'End one of my sessions', status: 204,
    handler: async ({ actor, params, services }) => {
      if (!(await services.identity.revokeSession(actor, params.id))) throw new NotFoundError('session');
      return undefined;
    },
  }),
];

// Plugin type augmentations must be imported where they are used (NodeNext resolution).
import type {} from '@fastify/cookie';
import { z } from 'zod';
import {
  authMethodsSchema, authSettingsSchema, putSsoRequestSchema, ssoConfigSchema,
} from '@paddock/protocol';
import { SsoSignInError } from '../auth/oidc/oidcSignIn.js';
import { ApiError, InputError } from '../errors.js';
import { route } from './route.js';
import { setSessionCookie } from './sessionCookie.js';

/** The cookie that binds a login in flight to the browser that started it. */
export const OIDC_BROWSER_COOKIE = 'paddock_oidc';
const OIDC_COOKIE_PATH = '/api/v1/auth/oidc';

class SsoNotConfiguredError extends ApiError {
  constructor() { super(404, 'sso_not_configured', 'single sign-on is not configured'); }
}

const loginError = (code: string) => `/login?error=${encodeURIComponent(code)}`;

export const ssoRoutes = [
  route({
    method: 'GET', url: '/api/v1/auth/methods', access: 'public', summary: 'How one may sign in (for the sign-in page)',
    response: authMethodsSchema,
    handler: async ({ services }) => services.oidc.methods(),
  }),
  route({
    method: 'GET', url: '/api/v1/auth/oidc/start', access: 'public', response: 'redirect',
    summary: 'Start single sign-on: redirects to the identity provider (returnTo: a path to land on afterwards)',
    query: z.object({ returnTo: z.string().max(2048).optional() }),
    handler: async ({ query, req, reply, services }) => {
      const config = await services.sso.active();
      if (!config) throw new SsoNotConfiguredError();
      let started;
      try {
        started = await services.oidc.start(config, query.returnTo, services.config.publicUrl);
      } catch (err) {
        req.log.warn({ err }, 'could not start SSO');
        return reply.redirect(loginError('sso_unavailable'), 302);
      }
      void reply.setCookie(OIDC_BROWSER_COOKIE, started.browserSecret, {
        path: OIDC_COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: services.config.secureCookies, maxAge: 600,
      });
      return reply.redirect(started.authorizationUrl, 302);
    },
  }),
  route({
    method: 'GET', url: '/api/v1/auth/oidc/callback', access: 'public', response: 'redirect',
    summary: 'Where the identity provider sends the browser back; signs in and redirects',
    query: z.looseObject({ state: z.string().min(1).max(2048) }),
    handler: async ({ req, reply, services }) => {
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.query as Record<string, unknown>)) if (typeof v === 'string') params[k] = v;
      void reply.clearCookie(OIDC_BROWSER_COOKIE, { path: OIDC_COOKIE_PATH });
      try {
        const signedIn = await services.oidc.callback(params, req.cookies[OIDC_BROWSER_COOKIE], {
          ip: req.ip, userAgent: req.headers['user-agent'] ?? '',
        });
        setSessionCookie(reply, services.config, signedIn.sessionId);
        return reply.redirect(signedIn.returnTo, 302);
      } catch (err) {
        if (err instanceof SsoSignInError) return reply.redirect(loginError(err.code), 302);
        throw err;
      }
    },
  }),
  route({
    method: 'GET', url: '/api/v1/admin/sso', access: 'auditor', summary: 'Single sign-on settings (the client secret masked)',
    response: ssoConfigSchema,
    handler: async ({ services }) => services.sso.view(services.config.publicUrl),
  }),
  route({
    method: 'PUT', url: '/api/v1/admin/sso', access: 'admin',
    summary: 'Configure single sign-on (clientSecret is write-only: omit it to keep the stored one)',
    body: putSsoRequestSchema, response: ssoConfigSchema,
    handler: async ({ actor, body, services }) => {
      await services.sso.put(body, actor, {
        check: async (config) => {
          try { await services.oidc.check(config); } catch (err) {
            throw new InputError(`invalid request body: issuer: no OpenID Connect discovery document at ${config.issuer} (${err instanceof Error ? err.message : 'unreachable'})`);
          }
        },
        canDisable: () => services.signInSettings.localPasswordsAllowed(),
      });
      return services.sso.view(services.config.publicUrl);
    },
  }),
  route({
    method: 'GET', url: '/api/v1/admin/auth-settings', access: 'auditor', summary: 'Which sign-in methods are allowed',
    response: authSettingsSchema,
    handler: async ({ services }) => services.signInSettings.get(),
  }),
  route({
    method: 'PUT', url: '/api/v1/admin/auth-settings', access: 'admin',
    summary: 'Turn local passwords on or off (off needs working SSO)',
    body: authSettingsSchema, response: authSettingsSchema,
    handler: async ({ actor, body, services }) => services.signInSettings.put(body, actor),
  }),
];

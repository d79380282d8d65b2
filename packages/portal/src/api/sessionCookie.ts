// Plugin type augmentations must be imported where they are used (NodeNext resolution).
import type {} from '@fastify/cookie';
import type { FastifyReply } from 'fastify';
import { SESSION_COOKIE } from '@paddock/protocol';
import { SESSION_ABSOLUTE_MS } from '../auth/identity.js';
import type { PortalConfig } from '../config.js';

/** The one way a sign-in (password, SSO, invite) hands the browser its session. */
export function setSessionCookie(reply: FastifyReply, config: PortalConfig, sessionId: string): void {
  void reply.setCookie(SESSION_COOKIE, sessionId, {
    path: '/', httpOnly: true, sameSite: 'lax', secure: config.secureCookies, maxAge: Math.floor(SESSION_ABSOLUTE_MS / 1000),
  });
}

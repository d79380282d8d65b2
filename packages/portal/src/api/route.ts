import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { UserActor } from '../auth/actor.js';
import type { PortalServices } from '../services.js';

/**
 * Who may call a route. Checked in one place (api/registerRoutes.ts) for every
 * route; a test walks the route table and tries each route as every role and as nobody.
 * - public: anyone (sign-in, health).
 * - self: any signed-in user acting on their own account (sign-out, tokens, sessions).
 * - user: any signed-in user; services scope what they see to themselves.
 *   Auditors are read-only: they may call the route's GET only.
 * - auditor: admins and auditors; reads only (GET).
 * - admin: admins only.
 * - ticket: a WebSocket authenticated by a single-use ticket in its query string.
 * - scim: the identity provider, by the SCIM bearer token and nothing else (no
 *   user token or session); the SCIM token is accepted on no other route.
 *   These routes answer in SCIM's media type and error body (RFC 7644).
 */
export type Access = 'public' | 'self' | 'user' | 'auditor' | 'admin' | 'ticket' | 'scim';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteContext<B, Q> {
  req: FastifyRequest;
  reply: FastifyReply;
  /** Set for every access but public, ticket and scim. */
  actor: UserActor;
  body: B;
  query: Q;
  params: Record<string, string>;
  services: PortalServices;
}

export interface Route<B = unknown, Q = unknown> {
  method: Method;
  url: string;
  access: Access;
  summary: string;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  /**
   * What a path parameter may look like, when not the default: `:id` is an id
   * (ids.ts), any other parameter well-formed text. A parameter that fails
   * answers 404: a path that can't name anything names nothing.
   */
  params?: Record<string, z.ZodType<string>>;
  response?: z.ZodType;
  /** Success status; 200 by default. */
  status?: number;
  /** Request body limit in bytes, when the portal's 1 MiB default is too small (file contents). */
  bodyLimit?: number;
  handler(ctx: RouteContext<B, Q>): Promise<unknown>;
}

/** Declares a route with its body and query types inferred from their schemas. */
export function route<B = undefined, Q = undefined>(r: Route<B, Q>): Route {
  return r as unknown as Route;
}

/** WebSocket routes are listed here too, so the authorization test sees them. */
export interface WebSocketRoute {
  url: string;
  access: Access;
  summary: string;
}

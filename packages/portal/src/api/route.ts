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

/** The names of a URL's path parameters: `/workspaces/:id/files/:name` → 'id' | 'name'. */
export type ParamNames<U extends string> =
  U extends `${string}:${infer P}/${infer Rest}` ? P | ParamNames<`/${Rest}`>
  : U extends `${string}:${infer P}` ? P
  : never;

/**
 * What a route answers on success, declared for every route (the type requires it, and
 * e2e/authorization.test.ts checks every allowed call's answer against it): a zod schema
 * of its JSON body, or what it answers instead of JSON.
 * - 'no-content': nothing (204).
 * - 'redirect': a redirect (the browser's sign-in journeys).
 * - 'event-stream': server-sent events, each event's data a protocol schema of its own.
 * - 'file': a file in its own media type: an uploaded logo, an export to download.
 */
export type RouteResponse = z.ZodType | 'no-content' | 'redirect' | 'event-stream' | 'file';

export interface RouteContext<B, Q, P extends string = string> {
  req: FastifyRequest;
  reply: FastifyReply;
  /** Set for every access but public, ticket and scim. */
  actor: UserActor;
  body: B;
  query: Q;
  /** The URL's path parameters, each checked (registerRoutes.ts) before the handler runs. */
  params: Record<P, string>;
  services: PortalServices;
}

export interface Route<B = unknown, Q = unknown, U extends string = string> {
  method: Method;
  url: U;
  access: Access;
  summary: string;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  /**
   * What a path parameter may look like, when not the default: `:id` is an id
   * (ids.ts), any other parameter well-formed text. A parameter that fails
   * answers 404: a path that can't name anything names nothing.
   */
  params?: Partial<Record<ParamNames<U>, z.ZodType<string>>>;
  response: RouteResponse;
  /** Success status; 200 by default. */
  status?: number;
  /** Request body limit in bytes, when the portal's 1 MiB default is too small (file contents). */
  bodyLimit?: number;
  handler(ctx: RouteContext<B, Q, ParamNames<U>>): Promise<unknown>;
}

/** Declares a route with its body and query types inferred from their schemas, and its params from its URL. */
export function route<B = undefined, Q = undefined, U extends string = string>(r: Route<B, Q, U>): Route {
  return r as unknown as Route;
}

/** WebSocket routes are listed here too, so the authorization test sees them. */
export interface WebSocketRoute {
  url: string;
  access: Access;
  summary: string;
}

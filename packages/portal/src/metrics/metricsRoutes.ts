import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthenticatedError } from '../errors.js';
import type { PortalMetrics } from './portalMetrics.js';

export interface MetricsRouteOptions {
  metrics: PortalMetrics;
  /** PADDOCK_METRICS_TOKEN; unset: loopback clients only. */
  token: string | undefined;
}

/** Every request's latency by route template; `/metrics` in Prometheus' text format. */
export function registerMetricsRoutes(app: FastifyInstance, { metrics, token }: MetricsRouteOptions): void {
  app.addHook('onResponse', async (req, reply) => {
    // A template, never the path: `/api/v1/workspaces/:id`, not one series per workspace.
    // Preview hosts and unknown paths have no route: one series each.
    const route = req.routeOptions.url ?? (reply.statusCode === 404 ? 'unmatched' : 'other');
    metrics.httpRequestDuration.observe({ method: req.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (req, reply) => {
    mayScrape(req, token);
    const { contentType, body } = await metrics.text();
    return reply.type(contentType).header('cache-control', 'no-store').send(body);
  });
}

function mayScrape(req: FastifyRequest, token: string | undefined): void {
  if (token) {
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!given) throw new UnauthenticatedError('send the metrics token as Authorization: Bearer <PADDOCK_METRICS_TOKEN>');
    // Equal-length digests: the comparison takes as long whatever was sent.
    if (!timingSafeEqual(digest(given), digest(token))) throw new ForbiddenError('that is not the metrics token');
    return;
  }
  // Both the peer and the client it speaks for (X-Forwarded-For through a trusted proxy) on loopback.
  if (!isLoopback(req.socket.remoteAddress) || !isLoopback(req.ip)) {
    throw new ForbiddenError('metrics answer only this machine unless PADDOCK_METRICS_TOKEN is set; set it and scrape with that bearer token');
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return (isIP(a) === 4 && a.startsWith('127.')) || a === '::1';
}

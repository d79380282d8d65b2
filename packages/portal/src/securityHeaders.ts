import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import type { PortalConfig } from './config.js';

type Origins = Pick<PortalConfig, 'publicUrl' | 'previewDomain'>;

/**
 * The portal's pages may be framed by nobody; the policy fits the built web app
 * (packages/web/dist): its own scripts only, never inline or eval'd ones; inline
 * styles, because xterm and CodeMirror inject <style> elements at run time;
 * fetch, EventSource and the terminal's WebSocket to the portal itself ('self'
 * covers ws: and wss: of the same host); frames only from preview origins.
 */
export function portalContentSecurityPolicy(config: Origins): Record<string, string[]> {
  const portal = new URL(config.publicUrl);
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    frameSrc: [`${portal.protocol}//*.${config.previewDomain}${portal.port ? `:${portal.port}` : ''}`],
    workerSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    // Over plain http it would send the preview frame to https, where nothing answers.
    ...(portal.protocol === 'https:' ? { upgradeInsecureRequests: [] } : {}),
  };
}

/** What a preview origin adds to every answer: the dev app keeps its own policy, but only the portal may frame it. */
export function previewFrameAncestors(config: Pick<PortalConfig, 'publicUrl'>): string {
  return `frame-ancestors ${config.publicUrl}`;
}

/**
 * Helmet's headers on every portal response. Register after the preview proxy: its hook takes
 * preview hosts first and ends their request there, so none of this reaches a dev app.
 */
export async function registerSecurityHeaders(app: FastifyInstance, config: Origins): Promise<void> {
  const https = new URL(config.publicUrl).protocol === 'https:';
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: portalContentSecurityPolicy(config) },
    // For browsers that predate frame-ancestors.
    frameguard: { action: 'deny' },
    // Only the portal's own host: its subdomains may be someone else's.
    hsts: https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  });
}

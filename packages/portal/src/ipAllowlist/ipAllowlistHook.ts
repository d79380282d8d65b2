import type { FastifyInstance } from 'fastify';
import type { IpAllowlist } from './ipAllowlist.js';

/**
 * Load balancers and kubelets probe the health routes (they reveal nothing but
 * up or not, and which check failed); Prometheus scrapes /metrics, which has its
 * own guard (a token, or loopback only: metrics/metricsRoutes.ts).
 */
const UNGUARDED = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Checks every request against the IP allowlist before anything else runs (no
 * route, cookie parsing, static file or WebSocket upgrade sees a refused client).
 * Registered first in app.ts; the rules are loaded before the portal listens.
 */
export async function registerIpAllowlist(app: FastifyInstance, allowlist: IpAllowlist): Promise<void> {
  await allowlist.load();
  allowlist.startRefreshing();
  app.addHook('onClose', async () => allowlist.stop());
  app.addHook('onRequest', async (req, reply) => {
    if (UNGUARDED.has(req.url)) return;
    const verdict = allowlist.check({ peer: req.raw.socket.remoteAddress ?? '', forwardedFor: req.headers['x-forwarded-for'] });
    if (verdict.allowed) return;
    void allowlist.recordBlocked({
      ip: verdict.ip, method: req.method, path: req.url,
      authorization: req.headers.authorization, cookie: req.headers.cookie,
    }).catch((err: unknown) => req.log.error({ err }, 'recording a blocked request failed'));
    if (req.headers.upgrade) {
      // A refused WebSocket upgrade: answer over the raw socket, then drop it.
      void reply.header('connection', 'close');
      reply.raw.once('finish', () => req.raw.socket.destroy());
    }
    return reply.status(403).send({ error: { code: 'ip_not_allowed', message: 'your network address is not allowed to reach this portal' } });
  });
}

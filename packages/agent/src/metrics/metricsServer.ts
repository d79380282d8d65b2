import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pino from 'pino';
import type { AgentMetrics } from './agentMetrics.js';

export interface MetricsServerOptions {
  /** host:port (PADDOCK_AGENT_METRICS_ADDRESS); port 0 picks one. */
  address: string;
  metrics: AgentMetrics;
  /** Whether the agent can do its work: each check's verdict, 'ok' or why not. */
  readiness: () => Promise<Record<string, string>>;
  log: pino.Logger;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The agent's one listener, on an address of the operator's choosing (loopback by
 * default), never one the tunnel or a workspace reaches: `/metrics` for
 * Prometheus, `/healthz` (the process answers) and `/readyz` (connected to the
 * portal, runtime usable) for probes. It serves nothing else and reads no body.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { host, port } = parseAddress(options.address);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    if (req.method !== 'GET') return send(405, JSON.stringify({ error: { code: 'method_not_allowed', message: 'only GET' } }));
    if (path === '/healthz') return send(200, JSON.stringify({ ok: true }));
    if (path === '/readyz') {
      options.readiness().then((checks) => {
        const ok = Object.values(checks).every((c) => c === 'ok');
        send(ok ? 200 : 503, JSON.stringify({ ok, checks }));
      }, () => send(503, JSON.stringify({ ok: false, checks: { agent: 'readiness could not be checked' } })));
      return;
    }
    if (path === '/metrics') {
      options.metrics.registry.metrics().then((text) => send(200, text, options.metrics.registry.contentType), (err: unknown) => {
        options.log.error({ err }, 'collecting metrics failed');
        send(500, JSON.stringify({ error: { code: 'internal', message: 'collecting metrics failed' } }));
      });
      return;
    }
    send(404, JSON.stringify({ error: { code: 'not_found', message: 'this address serves /metrics, /healthz and /readyz' } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

/** `127.0.0.1:9464`, `[::1]:9464`, `0.0.0.0:9464` (all addresses: the operator's choice, said in the docs). */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`PADDOCK_AGENT_METRICS_ADDRESS must be host:port such as 127.0.0.1:9464 or off; got "${address}"`);
  return { host: m[1] ?? m[2]!, port };
}

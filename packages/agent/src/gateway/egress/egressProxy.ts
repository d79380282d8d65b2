import { request as httpRequest, createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { DecisionOutcome } from '@paddock/protocol';
import type pino from 'pino';
import type { PolicyDecider } from '../../governance/policyDecider.js';
import { DestinationError, type Destinations } from './destinations.js';

/** What the proxy asks of governance: a decision per request, and the kill switch (which ends its tunnels). */
export type ProxyGovernance = Pick<PolicyDecider, 'decide' | 'onKill'>;

export interface EgressProxyOptions {
  governance: ProxyGovernance;
  /** Where an allowed domain goes: public addresses only (publicDestinations); tests map test domains to loopback. */
  destinations: Destinations;
  log?: pino.Logger;
}

/** How soon a held request's client should ask again: a decision releases every request waiting on it. */
const RETRY_AFTER_S = 10;

/** The status of a held request: answered at once, "retry after N s", with the request id; nothing else this proxy answers uses it. */
export const HELD_STATUS = 429;

// Hop-by-hop headers (RFC 9110 §7.6.1) and the proxy's own: never forwarded.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

const AUTHORITY = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?):(\d{1,5})$/;

/**
 * The workspace's only route to the network: an HTTP proxy behind the `egress`
 * socket (a workspace has no network of its own). It takes CONNECT (HTTPS and
 * anything else over TLS, passed through end to end) and absolute-form HTTP.
 * The policy decides on the domain, method and path before any lookup or
 * connection; an allowed domain is resolved once, to a public address only,
 * and that address is what is connected to. Every request is a governance
 * event. Like the LLM gateway it never listens: connections are handed over,
 * tagged with the workspace whose socket they arrived on.
 */
export class EgressProxy {
  private readonly server: Server;
  private readonly owners = new WeakMap<Socket, string>();
  private readonly connections = new Map<string, Set<Duplex>>();
  private readonly killSubscriptions = new Map<string, () => void>();
  private readonly log: pino.Logger | undefined;

  constructor(private readonly options: EgressProxyOptions) {
    this.log = options.log;
    this.server = createServer((req, res) => {
      this.forward(this.owners.get(req.socket) ?? '', req, res).catch((err: unknown) => this.failed(res, err));
    });
    this.server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // Handed over, the socket has no listener of the server's: a client resetting it is an end, not a crash.
      socket.on('error', () => socket.destroy());
      this.tunnel(this.owners.get(req.socket) ?? '', req, socket, head).catch((err: unknown) => {
        this.log?.warn({ err: (err as Error).message }, 'an egress tunnel failed');
        endRaw(socket, 502, 'the egress proxy failed');
      });
    });
    this.server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
      socket.on('error', () => socket.destroy());
      endRaw(socket, 400, 'the egress proxy does not upgrade connections; use CONNECT (HTTPS)');
    });
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      if (err.code === 'ECONNRESET' || !socket.writable) socket.destroy();
      else endRaw(socket, 400, 'the request could not be parsed');
    });
  }

  /** Takes a connection a process of the workspace opened to the proxy's socket. */
  accept(workspaceId: string, socket: Socket): void {
    this.owners.set(socket, workspaceId);
    this.track(workspaceId, socket);
    if (!this.killSubscriptions.has(workspaceId)) {
      // The kill switch ends every connection the workspace has through the proxy, tunnels in flight with them.
      this.killSubscriptions.set(workspaceId, this.options.governance.onKill(workspaceId, () => this.endAll(workspaceId)));
    }
    this.server.emit('connection', socket);
  }

  /** Ends the workspace's connections (it stopped). */
  async close(workspaceId: string): Promise<void> {
    this.killSubscriptions.get(workspaceId)?.();
    this.killSubscriptions.delete(workspaceId);
    this.endAll(workspaceId);
  }

  async closeAll(): Promise<void> {
    for (const id of new Set([...this.connections.keys(), ...this.killSubscriptions.keys()])) await this.close(id);
  }

  private endAll(workspaceId: string): void {
    for (const s of this.connections.get(workspaceId) ?? []) s.destroy();
    this.connections.delete(workspaceId);
  }

  private track(workspaceId: string, stream: Duplex): void {
    let open = this.connections.get(workspaceId);
    if (!open) this.connections.set(workspaceId, (open = new Set()));
    open.add(stream);
    stream.once('close', () => {
      open.delete(stream);
      if (open.size === 0 && this.connections.get(workspaceId) === open) this.connections.delete(workspaceId);
    });
  }

  /** CONNECT host:port: decided on the domain alone (the path is inside TLS), then passed through. */
  private async tunnel(workspaceId: string, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const target = AUTHORITY.exec(req.url ?? '');
    const port = Number(target?.[2]);
    if (!target || !(port >= 1 && port <= 65535)) return endRaw(socket, 400, 'CONNECT takes host:port');
    const domain = normalDomain(target[1]!);
    const outcome = await this.options.governance.decide(workspaceId, { class: 'http_request', domain, method: 'CONNECT', path: '/', port }, { point: 'proxy' });
    const refusal = refusalOf(outcome);
    if (refusal) return endRaw(socket, refusal.status, refusal.message, refusal.headers);
    const destination = await this.destination(domain);
    if (typeof destination === 'string') return endRaw(socket, 403, destination);
    const upstream = connect({ host: destination.address, port });
    this.track(workspaceId, upstream);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      socket.pipe(upstream);
      upstream.pipe(socket);
    });
    upstream.on('error', () => {
      if (!connected) endRaw(socket, 502, `${domain}:${port} could not be reached`);
      else socket.destroy();
    });
    socket.on('error', () => upstream.destroy());
    socket.once('close', () => upstream.destroy());
  }

  /** Absolute-form HTTP (`GET http://host/path`): decided on domain, method and path; forwarded to the one address resolved. */
  private async forward(workspaceId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL | undefined;
    try {
      url = /^http:\/\//i.test(req.url ?? '') ? new URL(req.url!) : undefined;
    } catch { /* answered below */ }
    if (!url || url.username || url.password) {
      req.resume();
      return sendText(res, 400, 'the egress proxy takes absolute http:// URLs (and CONNECT for https), without credentials in them');
    }
    const domain = normalDomain(url.hostname);
    const port = Number(url.port || 80);
    const method = (req.method ?? 'GET').toUpperCase();
    const outcome = await this.options.governance.decide(workspaceId, { class: 'http_request', domain, method, path: url.pathname, port },
      // The URL goes through the content filters: a credential in a query string is exfiltration.
      { point: 'proxy', content: req.url! });
    const refusal = refusalOf(outcome);
    if (refusal) {
      req.resume();
      return sendText(res, refusal.status, refusal.message, refusal.headers);
    }
    const destination = await this.destination(domain);
    if (typeof destination === 'string') {
      req.resume();
      return sendText(res, 403, destination);
    }
    const upstreamReq = httpRequest({
      host: destination.address, port, method, path: `${url.pathname}${url.search}`,
      headers: { ...forwardable(req.headers), host: url.host },
      setHost: false,
    }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, forwardable(upstreamRes.headers));
      upstreamRes.pipe(res);
    });
    upstreamReq.on('error', () => {
      if (!res.headersSent) sendText(res, 502, `${url.host} could not be reached`);
      else res.destroy();
    });
    res.once('close', () => { if (!res.writableFinished) upstreamReq.destroy(); });
    req.pipe(upstreamReq);
  }

  private async destination(domain: string) {
    try {
      return await this.options.destinations.resolve(domain);
    } catch (err) {
      if (err instanceof DestinationError) return err.message;
      throw err;
    }
  }

  private failed(res: ServerResponse, err: unknown): void {
    this.log?.warn({ err: (err as Error).message }, 'an egress request failed');
    if (!res.headersSent) sendText(res, 502, 'the egress proxy failed');
    else res.destroy();
  }
}

/** Lower case, without a trailing dot, brackets kept off IPv6 literals. */
function normalDomain(host: string): string {
  return host.toLowerCase().replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');
}

/** What the policy's outcome means for the request: nothing (it goes), a refusal, or a hold to retry after. */
function refusalOf(outcome: DecisionOutcome): { status: number; message: string; headers?: Record<string, string> } | undefined {
  if (!outcome.enforced || outcome.verdict === 'allow') return undefined;
  if (outcome.held) {
    const retryAfter = RETRY_AFTER_S;
    return {
      status: HELD_STATUS,
      message: `held for an admin's approval (request ${outcome.held.id}): ${outcome.reason}; retry after ${retryAfter} s`,
      headers: { 'retry-after': String(retryAfter), 'x-paddock-held-id': outcome.held.id, 'x-paddock-held-until': outcome.held.expiresAt },
    };
  }
  return { status: 403, message: outcome.reason, headers: { 'x-paddock-denied': '1' } };
}

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const named = new Set(String(headers.connection ?? '').split(',').map((h) => h.trim().toLowerCase()));
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || named.has(k)) continue;
    out[k] = v;
  }
  return out;
}

function sendText(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = `${message}\n`;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers }).end(body);
}

function endRaw(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
  if (!socket.writable) return void socket.destroy();
  const body = `${message}\n`;
  // Header values never carry a line break: nothing a request said can add a header.
  const lines = Object.entries({ 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), connection: 'close', ...headers })
    .map(([k, v]) => `${k}: ${v.replace(/[\r\n]+/g, ' ')}\r\n`).join('');
  socket.end(`HTTP/1.1 ${status} ${status === HELD_STATUS ? 'Held' : status === 403 ? 'Forbidden' : status === 400 ? 'Bad Request' : 'Bad Gateway'}\r\n${lines}\r\n${body}`);
}

import { request as httpRequest, createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSecureContext, rootCertificates, TLSSocket, type SecureContext } from 'node:tls';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { DecisionOutcome } from '@paddock/protocol';
import type pino from 'pino';
import type { PolicyDecider } from '../../governance/policyDecider.js';
import { DestinationError, type Destinations } from './destinations.js';
import type { EgressCa } from './egressCa.js';
import { isFastForward, packCommits, readReceivePack, ZERO_OID } from './receivePack.js';

/** What the proxy asks of governance: a decision per request, whether it opens a domain's TLS, and the kill switch (which ends its tunnels). */
export type ProxyGovernance = Pick<PolicyDecider, 'decide' | 'onKill' | 'egressInspection' | 'killReason'>;

export interface EgressProxyOptions {
  governance: ProxyGovernance;
  /** Where an allowed domain goes: public addresses only (publicDestinations); tests map test domains to loopback. */
  destinations: Destinations;
  /** The agent's interception CA: it answers each HTTPS tunnel it inspects with a leaf for the CONNECT host. */
  ca: EgressCa;
  /** Certificates an inspected request's upstream may chain to besides Node's own roots (tests' local TLS servers). */
  upstreamCa?: string[];
  /** The largest request body read before it is sent on (larger: 413); a git push's pack has `packLimit`. */
  bodyLimit?: number;
  packLimit?: number;
  /** What one workspace's requests may hold in bodies being read at once (more: 503, retry). */
  bufferBudget?: number;
  log?: pino.Logger;
}

/**
 * A body is read whole and scanned before any of it goes upstream, so one the
 * filters block never leaves; a larger one is refused (413), never sent unread.
 */
const BODY_LIMIT = 8 * 1024 * 1024;
/** A git push's pack is not scanned as text (it is compressed); it is read for its commits, up to this size. */
const PACK_LIMIT = 64 * 1024 * 1024;
/** Bodies read at once, per workspace: one largest push and then some; many at once wait their turn (503). */
const BUFFER_BUDGET = 96 * 1024 * 1024;

/** How soon a held request's client should ask again: a decision releases every request waiting on it. */
const RETRY_AFTER_S = 10;

/** The status of a held request: answered at once, "retry after N s", with the request id; nothing else this proxy answers uses it. */
export const HELD_STATUS = 429;

// Hop-by-hop headers (RFC 9110 §7.6.1) and the proxy's own: never forwarded.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

const AUTHORITY = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?):(\d{1,5})$/;
/** A Host header: a name or an IP literal, and a port. */
const HOST_HEADER = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/;

/** An HTTPS tunnel the proxy opened: where its CONNECT said it goes (every request inside must say the same). */
interface Tunnel { workspaceId: string; domain: string; port: number }

/** Where one request goes, as decided: the scheme, the domain and port the policy saw, the URL forwarded. */
interface Target { scheme: 'http' | 'https'; domain: string; port: number; url: URL }

/**
 * The workspace's only route to the network: an HTTP proxy behind the `egress`
 * socket (a workspace has no network of its own). It takes CONNECT (HTTPS and
 * anything else over TLS) and absolute-form HTTP. An HTTPS tunnel is opened
 * with the agent's CA (a leaf for the CONNECT host), and each request inside
 * is decided like plain HTTP: domain, method, path, the body through the
 * content filters, a git push by its refs; a domain the policy passes through
 * is decided on the domain alone and its bytes pass end to end. Nothing is
 * looked up or connected before the policy allowed it; an allowed domain is
 * resolved once, to a public address only, and that address is what is
 * connected to. Every request is a governance event. Like the LLM gateway it
 * never listens: connections are handed over, tagged with the workspace whose
 * socket they arrived on.
 */
export class EgressProxy {
  private readonly server: Server;
  /** Parses the requests inside the HTTPS tunnels it opened: Node's parser, never one of ours. */
  private readonly inner: Server;
  private readonly owners = new WeakMap<Socket, string>();
  private readonly tunnels = new WeakMap<Socket, Tunnel>();
  private readonly connections = new Map<string, Set<Duplex>>();
  private readonly killSubscriptions = new Map<string, () => void>();
  private readonly log: pino.Logger | undefined;
  /** Built once: a context made per request would parse every root certificate each time (~20 ms). */
  private readonly upstreamContext: SecureContext | undefined;
  private readonly bodyLimit: number;
  private readonly packLimit: number;
  private readonly bufferBudget: number;
  /** Bytes of bodies each workspace's requests hold now. */
  private readonly buffered = new Map<string, number>();

  constructor(private readonly options: EgressProxyOptions) {
    this.log = options.log;
    this.upstreamContext = options.upstreamCa ? createSecureContext({ ca: [...rootCertificates, ...options.upstreamCa] }) : undefined;
    this.bodyLimit = options.bodyLimit ?? BODY_LIMIT;
    this.packLimit = options.packLimit ?? PACK_LIMIT;
    this.bufferBudget = options.bufferBudget ?? BUFFER_BUDGET;
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
    this.inner = createServer((req, res) => {
      this.forwardInspected(req, res).catch((err: unknown) => this.failed(res, err));
    });
    this.inner.on('connect', (_req: IncomingMessage, socket: Duplex) => {
      socket.on('error', () => socket.destroy());
      endRaw(socket, 400, 'a tunnel inside a tunnel is refused');
    });
    for (const server of [this.server, this.inner]) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
        socket.on('error', () => socket.destroy());
        const tunnel = this.tunnels.get(req.socket);
        endRaw(socket, 400, tunnel
          ? `the egress proxy does not upgrade connections it inspects (WebSocket): an admin can set ${tunnel.domain} to passthrough`
          : 'the egress proxy does not upgrade connections; use CONNECT (HTTPS)');
      });
      server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
        if (err.code === 'ECONNRESET' || !socket.writable) socket.destroy();
        else endRaw(socket, 400, 'the request could not be parsed');
      });
    }
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

  /** CONNECT host:port: opened and inspected, or (passthrough, governance off) decided on the domain alone and passed through. */
  private async tunnel(workspaceId: string, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const target = AUTHORITY.exec(req.url ?? '');
    const port = Number(target?.[2]);
    if (!target || !(port >= 1 && port <= 65535)) return endRaw(socket, 400, 'CONNECT takes host:port');
    const domain = normalDomain(target[1]!);
    const killed = this.options.governance.killReason(workspaceId);
    if (killed) return endRaw(socket, 403, killed, { 'x-paddock-denied': '1' });
    if (this.options.governance.egressInspection(workspaceId, domain) === 'inspect') return this.intercept({ workspaceId, domain, port }, socket, head);
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

  /**
   * An HTTPS tunnel the policy inspects: answered with a leaf for the CONNECT
   * host, whatever the client's SNI says (a different one is refused at the
   * handshake), and each request inside goes to the inner server. Nothing is
   * looked up or connected until a request inside is allowed.
   */
  private async intercept(tunnel: Tunnel, socket: Duplex, head: Buffer): Promise<void> {
    const context = await this.options.ca.contextFor(tunnel.domain);
    if (!socket.writable) return void socket.destroy();
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) socket.unshift(head);
    const tls = new TLSSocket(socket as Socket, {
      isServer: true,
      secureContext: context,
      // HTTP/1.1 only: Node's parser reads it, and every client falls back to it.
      ALPNProtocols: ['http/1.1'],
      SNICallback: (name, done) => {
        if (normalDomain(name) === tunnel.domain) done(null, context);
        else done(new Error(`the tunnel goes to ${tunnel.domain}, not ${name}`));
      },
    });
    tls.on('error', (err: NodeJS.ErrnoException) => {
      // A tool with a trust store of its own refuses the leaf: worth telling the operator (the domain may need passthrough).
      if (/ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN)/.test(err.code ?? '')) {
        this.log?.info({ workspaceId: tunnel.workspaceId, domain: tunnel.domain, code: err.code }, 'a client in the workspace did not trust the egress CA');
      }
      tls.destroy();
    });
    tls.once('close', () => socket.destroy());
    this.tunnels.set(tls, tunnel);
    this.track(tunnel.workspaceId, tls);
    this.inner.emit('connection', tls);
  }

  /** A request inside an inspected tunnel: for the tunnel's host only, in origin form; then decided like plain HTTP. */
  private async forwardInspected(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const tunnel = this.tunnels.get(req.socket);
    if (!tunnel) return refuse(req, res, 400, 'not a tunnel of the egress proxy');
    const authority = authorityOf(tunnel.domain, tunnel.port, 443);
    // Origin form only (`/path`): an absolute or `//host` target would name somewhere else than the tunnel.
    if (!req.url?.startsWith('/') || req.url.startsWith('//')) {
      return refuse(req, res, 400, `inside the tunnel to ${authority} a request names a path (/…), nothing else`);
    }
    const hosts = headerValues(req.rawHeaders, 'host');
    if (hosts.length !== 1 || !sameAuthority(hosts[0]!, tunnel)) {
      return refuse(req, res, 421, `this tunnel goes to ${authority}; a request in it for ${hosts.join(', ') || 'no host'} is refused`);
    }
    let url: URL | undefined;
    try {
      url = new URL(req.url, `https://${authority}`);
    } catch { /* answered below */ }
    // URL parsing reads `/\\elsewhere/` as `//elsewhere/`: the URL forwarded must still name the tunnel's host (no fronting).
    if (url?.host !== authority) return refuse(req, res, 400, `inside the tunnel to ${authority} a request names a path (/…), nothing else`);
    return this.relay(tunnel.workspaceId, req, res, { scheme: 'https', domain: tunnel.domain, port: tunnel.port, url });
  }

  /** Absolute-form HTTP (`GET http://host/path`): decided on domain, method, path and body; forwarded to the one address resolved. */
  private async forward(workspaceId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL | undefined;
    try {
      url = /^http:\/\//i.test(req.url ?? '') ? new URL(req.url!) : undefined;
    } catch { /* answered below */ }
    if (!url || url.username || url.password) {
      return refuse(req, res, 400, 'the egress proxy takes absolute http:// URLs (and CONNECT for https), without credentials in them');
    }
    return this.relay(workspaceId, req, res, { scheme: 'http', domain: normalDomain(url.hostname), port: Number(url.port || 80), url });
  }

  /**
   * One request, plain or from an inspected tunnel. Unless governance is off
   * for the workspace, the body is read whole first (up to the limit) and goes
   * through the content filters with the URL (a credential in a query string
   * or a body is exfiltration); a git push is decided per ref it updates. Only
   * then is the domain resolved and anything sent.
   */
  private async relay(workspaceId: string, req: IncomingMessage, res: ServerResponse, target: Target): Promise<void> {
    const { domain, port, url } = target;
    const method = (req.method ?? 'GET').toUpperCase();
    const gitPush = method === 'POST' && url.pathname.endsWith('/git-receive-pack');
    let body: Buffer | undefined;
    let pack: Buffer | undefined;
    let text = '';
    if (this.options.governance.egressInspection(workspaceId, domain) !== 'off') {
      const limit = gitPush ? this.packLimit : this.bodyLimit;
      const read = await readBody(req, limit, this.budgetFor(workspaceId, res));
      if (read === 'too large') return sendText(res, 413, `the request body is over ${limit} bytes, more than the egress proxy reads before sending: not sent`, { connection: 'close' });
      if (read === 'busy') {
        return sendText(res, 503, 'the egress proxy is reading as much of this workspace\'s requests as it holds at once: not sent; retry', { connection: 'close', 'retry-after': '1' });
      }
      body = read;
      const decoded = body.length ? decodedBody(req.headers['content-encoding'], body, gitPush ? this.packLimit : this.bodyLimit) : body;
      if (!decoded) return sendText(res, 415, 'the egress proxy could not read the request body (its content encoding) to check it: not sent');
      // A pack is compressed: read for its commits (decidePush), not as text.
      if (gitPush) pack = decoded;
      else text = decoded.toString('utf8');
    }
    const outcome = await this.options.governance.decide(workspaceId, { class: 'http_request', domain, method, path: url.pathname, port },
      { point: 'proxy', content: text ? `${url.href}\n${text}` : url.href });
    const refusal = refusalOf(outcome) ?? (pack ? await this.decidePush(workspaceId, url, pack) : undefined);
    if (refusal) return refuse(req, res, refusal.status, refusal.message, refusal.headers);
    const destination = await this.destination(domain);
    if (typeof destination === 'string') return refuse(req, res, 403, destination);
    const headers: Record<string, string | string[]> = { ...forwardable(req.headers), host: url.host };
    if (body) {
      // Read whole already: sent with its length, and nothing left to wait for a 100 Continue about.
      delete headers.expect;
      if (body.length || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) headers['content-length'] = String(body.length);
    }
    const options = { host: destination.address, port, method, path: `${url.pathname}${url.search}`, headers, setHost: false, agent: false as const };
    const onResponse = (upstreamRes: IncomingMessage) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, forwardable(upstreamRes.headers));
      upstreamRes.pipe(res);
    };
    const upstreamReq = target.scheme === 'https'
      // The upstream's certificate is checked for the domain the policy decided on, against the roots (never our CA).
      ? httpsRequest({ ...options, ...(isIP(domain) ? {} : { servername: domain }), ...(this.upstreamContext ? { secureContext: this.upstreamContext } : {}) }, onResponse)
      : httpRequest(options, onResponse);
    upstreamReq.on('socket', (socket) => this.track(workspaceId, socket));
    upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
      if (res.headersSent) return void res.destroy();
      const certificate = /CERT|SIGNATURE|ALTNAME|SELF_SIGNED/.test(err.code ?? '');
      sendText(res, 502, certificate ? `${url.host}'s certificate could not be verified (${err.code})` : `${url.host} could not be reached`);
    });
    res.once('close', () => { if (!res.writableFinished) upstreamReq.destroy(); });
    if (body) upstreamReq.end(body);
    else req.pipe(upstreamReq);
  }

  /**
   * What a request of the workspace may take of its buffer budget, chunk by
   * chunk; all of it is given back when the request's answer is done.
   */
  private budgetFor(workspaceId: string, res: ServerResponse): (bytes: number) => boolean {
    let held = 0;
    res.once('close', () => {
      const left = (this.buffered.get(workspaceId) ?? 0) - held;
      if (left > 0) this.buffered.set(workspaceId, left);
      else this.buffered.delete(workspaceId);
    });
    return (bytes) => {
      const now = this.buffered.get(workspaceId) ?? 0;
      if (now + bytes > this.bufferBudget) return false;
      this.buffered.set(workspaceId, now + bytes);
      held += bytes;
      return true;
    };
  }

  /**
   * A git push over HTTP(S): each ref it updates is a git_push decision (the
   * remote is the repository's URL), force and deletion as the pack shows
   * them (receivePack.ts: what the pack can't prove a fast-forward is a
   * force push). The first refusal answers for the whole push.
   */
  private async decidePush(workspaceId: string, url: URL, body: Buffer): Promise<ReturnType<typeof refusalOf>> {
    const push = readReceivePack(body);
    if (!push) return { status: 400, message: 'the egress proxy could not read this git push (a signed push, or not git\'s protocol): not sent' };
    const commits = push.pack.length ? packCommits(push.pack, 4 * this.packLimit) : new Map<string, string[]>();
    const remote = `${url.origin}${url.pathname.slice(0, -'/git-receive-pack'.length)}`;
    for (const update of push.updates) {
      const action = { class: 'git_push' as const, remote, ref: update.ref, force: !isFastForward(update, commits), delete: update.new === ZERO_OID };
      const refusal = refusalOf(await this.options.governance.decide(workspaceId, action, { point: 'proxy' }));
      if (refusal) return refusal;
    }
    return undefined;
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

/** `host[:port]` as a URL or a Host header spells it: the default port left out, an IPv6 literal in brackets. */
function authorityOf(domain: string, port: number, defaultPort: number): string {
  const host = isIP(domain) === 6 ? `[${domain}]` : domain;
  return port === defaultPort ? host : `${host}:${port}`;
}

/** Whether a Host header names the tunnel's host and port (443 when it names none). */
function sameAuthority(value: string, tunnel: Tunnel): boolean {
  const m = HOST_HEADER.exec(value.trim());
  return !!m && normalDomain(m[1]!) === tunnel.domain && Number(m[2] ?? 443) === tunnel.port;
}

/** Every value a header was sent with (Node joins or drops repeats: a second Host must be seen to be refused). */
function headerValues(raw: string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) values.push(raw[i + 1]!);
  return values;
}

/**
 * The whole body; `too large` once it is over `limit`, `busy` when `take`
 * (the workspace's buffer budget) refuses a chunk. Either way what is left is
 * read and dropped, and the answer closes the connection.
 */
function readBody(req: IncomingMessage, limit: number, take: (bytes: number) => boolean): Promise<Buffer | 'too large' | 'busy'> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > limit) {
      req.resume();
      return resolve('too large');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      const refused = size > limit ? 'too large' : take(chunk.length) ? undefined : 'busy';
      if (!refused) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume();
      resolve(refused);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** The body as it was before its content encoding (bounded), or undefined when it can't be decoded. */
function decodedBody(encoding: string | undefined, body: Buffer, limit: number): Buffer | undefined {
  const options = { maxOutputLength: limit };
  try {
    switch ((encoding ?? '').trim().toLowerCase()) {
      case '':
      case 'identity': return body;
      case 'gzip':
      case 'x-gzip': return gunzipSync(body, options);
      case 'deflate':
        try {
          return inflateSync(body, options);
        } catch {
          return inflateRawSync(body, options);
        }
      case 'br': return brotliDecompressSync(body, options);
      default: return undefined;
    }
  } catch {
    return undefined;
  }
}

/** Answers a request that goes nowhere; its body, unread, is drained. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (!req.readableEnded) req.resume();
  sendText(res, status, message, headers);
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

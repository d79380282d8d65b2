import { STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import { previewFrameAncestors } from '../securityHeaders.js';
import type { PortalServices } from '../services.js';
import type { DialDestination } from '../tunnel/dialAgent.js';
import { workspaceHttpError, type UpgradeAnswer, type WorkspaceCall } from '../tunnel/workspaceHttp.js';
import type { PreviewAuth, PreviewGrant } from './previewAuth.js';
import { cookieAllowed, previewCookieName, previewSessionCookie, sessionCandidates, withoutPaddockCookies } from './previewCookies.js';
import { inPreviewDomain, parsePreviewHost, type PreviewTarget } from './previewHost.js';
import { previewPage } from './previewPages.js';

export const PREVIEW_AUTH_PATH = '/__paddock/auth';

/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection and never pass a proxy. */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
/**
 * Credentials never reach a dev server: a browser may attach them by itself (HTTP authentication,
 * Negotiate on a company network) or a user may paste a Paddock token. And a dev server never asks
 * for them: a challenge would put the browser's credential prompt on a Paddock-served origin.
 */
const requestCredentials = new Set(['authorization']);
const responseChallenges = new Set(['www-authenticate']);

/**
 * Serves preview origins (`<port>--<workspace>.<previewDomain>`): plain HTTP
 * through an onRequest hook, WebSocket upgrades through the server's upgrade
 * event, both through the tunnel to the workspace port (WorkspaceHttp: a keep-alive
 * pool per user, workspace and port, closed when the workspace stops or goes unused).
 * Register it right after the IP allowlist and the WebSocket plugin: its hook
 * takes preview hosts before any portal route, cookie or static file sees them.
 */
type PreviewProxyDeps = Pick<PortalServices, 'config' | 'log' | 'workspaceHttp' | 'ipAllowlist' | 'previews' | 'activity' | 'connections' | 'branding'>;

export function registerPreviewProxy(app: FastifyInstance, services: PreviewProxyDeps): void {
  const proxy = new PreviewProxy(services);
  const { previewDomain } = services.config;
  app.addHook('onRequest', (req, reply, done) => {
    // Every host under the preview domain is the proxy's: the portal never answers there.
    if (!inPreviewDomain(req.headers.host, previewDomain)) return done();
    void reply.hijack();
    const target = parsePreviewHost(req.headers.host, previewDomain);
    if (!target) return proxy.sendPage(reply.raw, 404, 'No preview here', 'This address names no preview: a workspace\'s own services (its AI, its model gateway) are never shown as one. Open the preview from your workspace in Paddock.');
    proxy.serveHttp(target, req.raw, reply.raw).catch((err: unknown) => {
      req.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'preview request failed');
      if (!reply.raw.headersSent) proxy.sendFailure(reply.raw, err);
      else reply.raw.destroy();
    });
  });

  // @fastify/websocket routes every upgrade through Fastify to the terminal route; preview
  // hosts must never reach it. One dispatcher sends preview hosts here and everything else on.
  const server = app.server;
  const others = server.listeners('upgrade') as Array<(req: IncomingMessage, socket: Duplex, head: Buffer) => void>;
  server.removeAllListeners('upgrade');
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!inPreviewDomain(req.headers.host, previewDomain)) { for (const listener of others) listener.call(server, req, socket, head); return; }
    const target = parsePreviewHost(req.headers.host, previewDomain);
    if (!target) return rejectRaw(socket, 404);
    proxy.serveUpgrade(target, req, socket, head).catch((err: unknown) => {
      services.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'preview upgrade failed');
      socket.destroy();
    });
  });
  app.addHook('onClose', async () => proxy.close());
}

const PEER = 'the dev server';

class PreviewProxy {
  private readonly upgraded = new Set<Duplex>();

  /** Previews are served on the public URL's scheme (previewHost.ts). */
  private readonly https: boolean;
  /** On every answer: only the portal may frame a preview. */
  private readonly frameAncestors: string;

  private readonly auth: PreviewAuth;

  constructor(private readonly services: PreviewProxyDeps) {
    this.auth = services.previews;
    this.https = new URL(services.config.publicUrl).protocol === 'https:';
    this.frameAncestors = previewFrameAncestors(services.config);
  }

  async serveHttp(target: PreviewTarget, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://preview');
    if (url.pathname === PREVIEW_AUTH_PATH) return this.signIn(target, url, req, res);
    const grant = await this.authorize(target, req);
    if (!grant) {
      return this.sendPage(res, 401, 'Open this preview from Paddock', 'This preview needs a fresh link: open it again from your workspace in Paddock. (Links work once and expire after a minute.)');
    }
    // Someone using the app in the preview is activity (throttled: mostly no write at all).
    await this.services.activity.touch(target.workspaceId);
    await this.forward(target, grant, req, res);
  }

  /** Sends the request on the grant's pool and pipes the answer back, with backpressure both ways. */
  private async forward(target: PreviewTarget, grant: PreviewGrant, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const bodiless = (req.method === 'GET' || req.method === 'HEAD') && !req.headers['content-length'] && !req.headers['transfer-encoding'];
    // The browser went away: what is still under way upstream ends with it.
    const gone = new AbortController();
    req.once('error', () => gone.abort());
    res.once('close', () => { if (!res.writableFinished) gone.abort(); });
    if (bodiless) req.resume();
    const answer = await this.services.workspaceHttp.request(destinationOf(grant), {
      ...this.call(req, this.upstreamHeaders(target, req), gone.signal), body: bodiless ? undefined : req,
    }, grant.userId);
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, this.downstreamHeaders(target, answer.headers, answer.rawHeaders));
    answer.pipe(res);
    await finished(answer);
  }

  async serveUpgrade(target: PreviewTarget, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const verdict = this.services.ipAllowlist.check({ peer: req.socket.remoteAddress ?? '', forwardedFor: req.headers['x-forwarded-for'] });
    if (!verdict.allowed) return rejectRaw(socket, 403);
    socket.on('error', () => socket.destroy());
    const grant = await this.authorize(target, req);
    if (!grant) return rejectRaw(socket, 401);
    const gone = new AbortController();
    socket.once('close', () => gone.abort());
    await relayUpgrade({
      socket, head, open: this.upgraded, peer: PEER,
      upgrade: () => this.services.workspaceHttp.upgrade(destinationOf(grant), this.call(req, upgradeHeaders(req, this.upstreamHeaders(target, req)), gone.signal), grant.userId),
      refusedHeaders: (res) => this.downstreamHeaders(target, res.headers, res.rawHeaders),
    });
    // Relayed (not refused, not gone already): a live preview connection (hot reload, the app's own socket) until it closes.
    if (this.upgraded.has(socket)) {
      const live = this.services.connections.add({
        kind: 'preview', userId: grant.userId, workspaceId: grant.workspaceId, ip: verdict.ip, detail: `port ${grant.port}`, end: () => socket.destroy(),
      });
      socket.once('close', live.remove);
    }
  }

  /** The request as sent to the dev server: its headers must come in time, then its body may take as long as the browser waits. */
  private call(req: IncomingMessage, headers: OutgoingHttpHeaders, signal: AbortSignal): WorkspaceCall {
    return {
      peer: PEER, method: req.method ?? 'GET', path: req.url ?? '/', headers, signal,
      headersTimeoutMs: this.services.config.tunnelHttp.previewHeadersMs, bodyTimeoutMs: 0,
    };
  }

  /** The page for a request the workspace could not answer, with the status the API would give it. */
  sendFailure(res: ServerResponse, err: unknown): void {
    // Only what went wrong on the way to the workspace is said; anything else (the database) stays in the log.
    const failure = err instanceof ApiError ? workspaceHttpError(err, PEER) : undefined;
    if (failure?.status === 504) return this.sendPage(res, 504, 'The preview did not answer in time', `${capitalized(failure.message)}. Is it stuck, or still starting?`);
    if (failure?.status === 503) return this.sendPage(res, 503, 'The workspace can\'t be reached right now', `${capitalized(failure.message)}. Try again in a moment.`);
    const detail = failure ? ` (${failure.message})` : '';
    this.sendPage(res, 502, 'The preview could not be reached', `Nothing answered on this port in the workspace. Is the dev server running?${detail}`);
  }

  sendPage(res: ServerResponse, status: number, title: string, message: string): void {
    const body = previewPage(title, message, this.services.config.publicUrl, this.services.branding.currentName());
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body),
      'content-security-policy': this.frameAncestors,
    });
    res.end(body);
  }

  async close(): Promise<void> {
    for (const socket of this.upgraded) socket.destroy();
  }

  /** `/__paddock/auth?token=…`: trades a one-time token for a host-only cookie on this preview origin. */
  private async signIn(target: PreviewTarget, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = url.searchParams.get('token') ?? '';
    const sessionId = token && token.length < 256 ? await this.auth.redeem(token, target.workspaceId, target.port) : null;
    if (!sessionId) {
      return this.sendPage(res, 401, 'This preview link has expired', 'Preview links work once and only for a minute. Open the preview again from your workspace in Paddock.');
    }
    res.writeHead(302, {
      location: '/',
      // Host-only (no Domain): neither the portal nor another preview ever receives it.
      'set-cookie': previewSessionCookie(target.hostname, this.https, sessionId),
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'content-security-policy': this.frameAncestors,
      'content-length': 0,
    });
    res.end();
    req.resume();
  }

  private async authorize(target: PreviewTarget, req: IncomingMessage): Promise<PreviewGrant | null> {
    const candidates = sessionCandidates(req.headers.cookie, previewCookieName(target.hostname, this.https));
    return this.auth.check(candidates, target.workspaceId, target.port);
  }

  private upstreamHeaders(target: PreviewTarget, req: IncomingMessage): OutgoingHttpHeaders {
    return forwardedRequestHeaders(req, target.port, target.hostname);
  }

  private downstreamHeaders(target: PreviewTarget, headers: IncomingHttpHeaders, raw: string[]): OutgoingHttpHeaders {
    const out = forwardedResponseHeaders(headers, raw, target.hostname);
    // Added beside the app's own policy, if any: a comma separates policies, and a browser enforces each.
    const own = headers['content-security-policy'];
    out['content-security-policy'] = own ? `${own}, ${this.frameAncestors}` : this.frameAncestors;
    return out;
  }
}

/**
 * A browser's request as a server in a sandbox is sent it (a preview's dev server, a published
 * app): no hop-by-hop headers, no credentials, none of Paddock's cookies, the Host it listens on.
 */
export function forwardedRequestHeaders(req: IncomingMessage, port: number, hostname: string): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const connectionTokens = new Set((req.headers.connection ?? '').toLowerCase().split(',').map((t) => t.trim()));
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || hopByHop.has(name) || connectionTokens.has(name)) continue;
    if (name === 'host' || name.startsWith('x-forwarded-') || requestCredentials.has(name)) continue;
    headers[name] = value;
  }
  const cookie = withoutPaddockCookies(req.headers.cookie);
  if (cookie) headers.cookie = cookie; else delete headers.cookie;
  // Dev servers (Vite among them) answer only to the host they listen on.
  headers.host = `127.0.0.1:${port}`;
  headers['x-forwarded-host'] = req.headers.host ?? hostname;
  headers['x-forwarded-proto'] = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  return headers;
}

/** A sandboxed server's answer as the browser gets it: no hop-by-hop headers, no challenge, cookies for its own host only and none of Paddock's. */
export function forwardedResponseHeaders(headers: IncomingHttpHeaders, raw: string[], hostname: string): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const connectionTokens = new Set(String(headers.connection ?? '').toLowerCase().split(',').map((t) => t.trim()));
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || hopByHop.has(name) || connectionTokens.has(name) || responseChallenges.has(name) || name === 'set-cookie') continue;
    out[name] = value;
  }
  const cookies = raw.filter((_, i) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === 'set-cookie').filter((c) => cookieAllowed(c, hostname));
  if (cookies.length > 0) out['set-cookie'] = cookies;
  return out;
}

/** The headers of a WebSocket upgrade as sent on: the forwarded request's, with the upgrade asked for. */
export function upgradeHeaders(req: IncomingMessage, forwarded: OutgoingHttpHeaders): OutgoingHttpHeaders {
  return { ...forwarded, connection: 'Upgrade', upgrade: req.headers.upgrade ?? 'websocket' };
}

/**
 * Relays a WebSocket upgrade to a server in a sandbox (a preview's dev server, a published app)
 * once the caller authorized it: the server's 101 passes (without cookies or challenges) and
 * the two sockets are piped until either ends; a refusal passes as the server gave it.
 * `open` holds the relayed sockets, for the proxy to end them when it closes.
 */
export async function relayUpgrade(o: {
  socket: Duplex; head: Buffer; open: Set<Duplex>; peer: string;
  upgrade: () => Promise<UpgradeAnswer>;
  refusedHeaders: (res: IncomingMessage) => OutgoingHttpHeaders;
}): Promise<void> {
  const { socket, head } = o;
  let answer;
  try {
    answer = await o.upgrade();
  } catch (err) {
    return rejectRaw(socket, workspaceHttpError(err, o.peer).status);
  }
  const { res: response, upgraded } = answer;
  if (!upgraded) {
    // The server refused the upgrade: pass its answer on as it is.
    const lines = [`HTTP/1.1 ${response.statusCode} ${response.statusMessage}`];
    for (const [k, v] of Object.entries(o.refusedHeaders(response))) for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${one}`);
    lines.push('connection: close');
    socket.write(lines.join('\r\n') + '\r\n\r\n');
    response.pipe(socket);
    return;
  }
  const { socket: upSocket, head: upHead } = upgraded;
  const lines = [`HTTP/1.1 101 ${response.statusMessage || 'Switching Protocols'}`];
  for (let i = 0; i < response.rawHeaders.length; i += 2) {
    const name = response.rawHeaders[i]!;
    if (name.toLowerCase() === 'set-cookie' || responseChallenges.has(name.toLowerCase())) continue;
    lines.push(`${name}: ${response.rawHeaders[i + 1]}`);
  }
  socket.write(lines.join('\r\n') + '\r\n\r\n');
  if (upHead.length > 0) socket.write(upHead);
  if (head.length > 0) upSocket.write(head);
  o.open.add(socket);
  const teardown = () => { o.open.delete(socket); socket.destroy(); upSocket.destroy(); };
  upSocket.on('error', teardown);
  socket.on('error', teardown);
  upSocket.on('close', teardown);
  socket.on('close', teardown);
  upSocket.pipe(socket);
  socket.pipe(upSocket);
}

/** Every pooled connection is its own dialed stream to the workspace port; a pool is the grant's (user, workspace, port). */
function destinationOf(grant: PreviewGrant): DialDestination {
  return { agentId: grant.agentId, workspaceId: grant.workspaceId, target: { port: grant.port } };
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Ends an upgrade with a bare status: nothing of the portal answers on a preview or app host. */
export function rejectRaw(socket: Duplex, status: number): void {
  if (!socket.writable) return void socket.destroy();
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

import { Agent, request, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { previewFrameAncestors } from '../securityHeaders.js';
import type { PortalServices } from '../services.js';
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
 * event, both over streams dialed through the tunnel to the workspace port.
 * Register it right after the IP allowlist and the WebSocket plugin: its hook
 * takes preview hosts before any portal route, cookie or static file sees them.
 */
export function registerPreviewProxy(app: FastifyInstance, services: PortalServices, auth: PreviewAuth): void {
  const proxy = new PreviewProxy(services, auth);
  const { previewDomain } = services.config;
  app.addHook('onRequest', (req, reply, done) => {
    // Every host under the preview domain is the proxy's: the portal never answers there.
    if (!inPreviewDomain(req.headers.host, previewDomain)) return done();
    void reply.hijack();
    const target = parsePreviewHost(req.headers.host, previewDomain);
    if (!target) return proxy.sendPage(reply.raw, 404, 'No preview here', 'This address names no preview: a workspace\'s own services (its AI, its model gateway) are never shown as one. Open the preview from your workspace in Paddock.');
    proxy.serveHttp(target, req.raw, reply.raw).catch((err: unknown) => {
      req.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'preview request failed');
      if (!reply.raw.headersSent) proxy.sendPage(reply.raw, 502, 'The preview could not be reached', 'Nothing answered on this port in the workspace. Is the dev server running?');
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
    if (!target) return rejectRaw(socket, 404, 'Not Found');
    proxy.serveUpgrade(target, req, socket, head).catch((err: unknown) => {
      services.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'preview upgrade failed');
      socket.destroy();
    });
  });
  app.addHook('onClose', async () => proxy.close());
}

class PreviewProxy {
  /** Keep-alive pools of dialed streams, one per grant (user, workspace, port). */
  private readonly agents = new Map<string, Agent>();
  private readonly upgraded = new Set<Duplex>();

  /** Previews are served on the public URL's scheme (previewHost.ts). */
  private readonly https: boolean;
  /** On every answer: only the portal may frame a preview. */
  private readonly frameAncestors: string;

  constructor(private readonly services: PortalServices, private readonly auth: PreviewAuth) {
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
    await this.forward(target, grant, req, res, 1);
  }

  /** Sends the request on a pooled stream; `retries` more times when a GET or HEAD (no body) meets a dead one. */
  private forward(target: PreviewTarget, grant: PreviewGrant, req: IncomingMessage, res: ServerResponse, retries: number): Promise<void> {
    const bodiless = (req.method === 'GET' || req.method === 'HEAD') && !req.headers['content-length'] && !req.headers['transfer-encoding'];
    const upstream = request({
      method: req.method, path: req.url, headers: this.upstreamHeaders(target, req), agent: this.agentFor(grant),
    });
    const abort = () => upstream.destroy();
    req.once('error', abort);
    const onClose = () => { if (!res.writableFinished) abort(); };
    res.once('close', onClose);
    return new Promise<void>((resolve, reject) => {
      upstream.once('error', (err: NodeJS.ErrnoException) => {
        // A dev server closes an idle keep-alive connection after a few seconds; a request sent on it
        // as it closes is dropped unanswered. Node's advice for a reused socket: send it again, once.
        if (retries > 0 && bodiless && upstream.reusedSocket && !res.headersSent && err.code === 'ECONNRESET') {
          req.off('error', abort);
          res.off('close', onClose);
          return void this.forward(target, grant, req, res, retries - 1).then(resolve, reject);
        }
        reject(err);
      });
      upstream.once('response', (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, this.downstreamHeaders(target, answer.headers, answer.rawHeaders));
        answer.pipe(res);
        answer.once('end', resolve);
        answer.once('error', reject);
      });
      if (bodiless) {
        req.resume();
        upstream.end();
      } else {
        req.pipe(upstream);
      }
    });
  }

  async serveUpgrade(target: PreviewTarget, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const verdict = this.services.ipAllowlist.check({ peer: req.socket.remoteAddress ?? '', forwardedFor: req.headers['x-forwarded-for'] });
    if (!verdict.allowed) return rejectRaw(socket, 403, 'Forbidden');
    socket.on('error', () => socket.destroy());
    const grant = await this.authorize(target, req);
    if (!grant) return rejectRaw(socket, 401, 'Unauthorized');
    const stream = await this.services.hub.dial(grant.agentId, grant.workspaceId, { port: grant.port });
    const headers = this.upstreamHeaders(target, req);
    headers.connection = 'Upgrade';
    headers.upgrade = req.headers.upgrade ?? 'websocket';
    const upstream: ClientRequest = request({ method: req.method, path: req.url, headers, createConnection: () => stream as Socket });
    upstream.once('error', () => { stream.destroy(); rejectRaw(socket, 502, 'Bad Gateway'); });
    socket.once('close', () => stream.destroy());
    upstream.once('response', (answer) => {
      // The dev server refused the upgrade: pass its answer on as it is.
      const lines = [`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}`];
      const h = this.downstreamHeaders(target, answer.headers, answer.rawHeaders);
      for (const [k, v] of Object.entries(h)) for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${one}`);
      lines.push('connection: close');
      socket.write(lines.join('\r\n') + '\r\n\r\n');
      answer.pipe(socket);
    });
    upstream.once('upgrade', (answer, upSocket, upHead) => {
      const lines = [`HTTP/1.1 101 ${answer.statusMessage || 'Switching Protocols'}`];
      for (let i = 0; i < answer.rawHeaders.length; i += 2) {
        const name = answer.rawHeaders[i]!;
        if (name.toLowerCase() === 'set-cookie' || responseChallenges.has(name.toLowerCase())) continue;
        lines.push(`${name}: ${answer.rawHeaders[i + 1]}`);
      }
      socket.write(lines.join('\r\n') + '\r\n\r\n');
      if (upHead.length > 0) socket.write(upHead);
      if (head.length > 0) upSocket.write(head);
      this.upgraded.add(socket);
      const teardown = () => { this.upgraded.delete(socket); socket.destroy(); upSocket.destroy(); };
      upSocket.on('error', teardown);
      socket.on('error', teardown);
      upSocket.on('close', teardown);
      socket.on('close', teardown);
      upSocket.pipe(socket);
      socket.pipe(upSocket);
    });
    upstream.end();
  }

  sendPage(res: ServerResponse, status: number, title: string, message: string): void {
    const body = previewPage(title, message, this.services.config.publicUrl);
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body),
      'content-security-policy': this.frameAncestors,
    });
    res.end(body);
  }

  async close(): Promise<void> {
    for (const socket of this.upgraded) socket.destroy();
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
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

  private agentFor(grant: PreviewGrant): Agent {
    const key = `${grant.userId}/${grant.workspaceId}/${grant.port}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const { hub } = this.services;
      agent = new Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: 60_000 });
      // Every pooled connection is its own dialed stream to the workspace port.
      (agent as unknown as { createConnection: unknown }).createConnection = (_opts: unknown, cb: (err: Error | null, stream?: Duplex) => void) => {
        hub.dial(grant.agentId, grant.workspaceId, { port: grant.port }).then((stream) => {
          // A stream is half-open by design; once the dev server's side ends, the pool must drop it (only 'close' does that).
          stream.once('end', () => stream.destroy());
          cb(null, stream);
        }, (err: Error) => cb(err));
        return undefined;
      };
      this.agents.set(key, agent);
    }
    return agent;
  }

  private upstreamHeaders(target: PreviewTarget, req: IncomingMessage): OutgoingHttpHeaders {
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
    headers.host = `127.0.0.1:${target.port}`;
    headers['x-forwarded-host'] = req.headers.host ?? target.hostname;
    headers['x-forwarded-proto'] = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    return headers;
  }

  private downstreamHeaders(target: PreviewTarget, headers: IncomingHttpHeaders, raw: string[]): OutgoingHttpHeaders {
    const out: OutgoingHttpHeaders = {};
    const connectionTokens = new Set(String(headers.connection ?? '').toLowerCase().split(',').map((t) => t.trim()));
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined || hopByHop.has(name) || connectionTokens.has(name) || responseChallenges.has(name) || name === 'set-cookie') continue;
      out[name] = value;
    }
    const cookies = raw.filter((_, i) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === 'set-cookie').filter((c) => cookieAllowed(c, target.hostname));
    if (cookies.length > 0) out['set-cookie'] = cookies;
    // Added beside the app's own policy, if any: a comma separates policies, and a browser enforces each.
    const own = headers['content-security-policy'];
    out['content-security-policy'] = own ? `${own}, ${this.frameAncestors}` : this.frameAncestors;
    return out;
  }
}

function rejectRaw(socket: Duplex, status: number, text: string): void {
  if (!socket.writable) return void socket.destroy();
  socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

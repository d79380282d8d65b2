import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { finished } from 'node:stream/promises';
import { stringifySetCookie } from 'cookie';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import { forwardedRequestHeaders, forwardedResponseHeaders, rejectRaw, relayUpgrade, upgradeHeaders } from '../preview/previewProxy.js';
import { sessionCandidates } from '../preview/previewCookies.js';
import { previewPage } from '../preview/previewPages.js';
import type { PortalServices } from '../services.js';
import { workspaceHttpError } from '../tunnel/workspaceHttp.js';
import type { AppAuth } from './appAuth.js';
import { inAppsDomain, parseAppHost } from './appHost.js';
import { APP_AUTH_PATH, sameOriginPath } from './appPaths.js';
import { appSandboxId } from './publishedApps.js';

const SESSION_ID = /^aps_[A-Za-z0-9_-]{43}$/;
/**
 * How long the proxy trusts what it read of an app (its state, version, access), unless the bus says
 * an app changed first (a rollback, an unpublish, a version going live: served at once).
 */
const APP_CACHE_MS = 5_000;
const PEER = 'the app';

type Deps = Pick<PortalServices, 'config' | 'db' | 'clock' | 'log' | 'workspaceHttp' | 'ipAllowlist' | 'events' | 'branding'> & { appAuth: AppAuth };

interface ServedApp { id: string; agentId: string; port: number; access: 'organization' | 'public'; liveVersion: string | null; state: string; message: string }

/**
 * Serves published apps at `<subdomain>.<appsDomain>` through the tunnel to the sandbox of
 * the version that is live, like previews are served (an isolated origin per app; the
 * portal's cookies, Paddock's own cookies and credentials never reach the app, and the app
 * can set none of Paddock's). "Everyone signed in" apps send a visitor without a session
 * here to the portal, which signs them in if need be and sends them back with a one-time
 * token (appAuth.ts). Public apps are served to anyone. Registered beside the preview proxy,
 * before any portal route sees the request.
 */
export function registerAppProxy(app: FastifyInstance, deps: Deps): void {
  const proxy = new AppProxy(deps);
  const { appsDomain } = deps.config;
  app.addHook('onClose', async () => proxy.close());
  app.addHook('onRequest', (req, reply, done) => {
    if (!inAppsDomain(req.headers.host, appsDomain)) return done();
    void reply.hijack();
    proxy.serve(req.raw, reply.raw).catch((err: unknown) => {
      req.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'app request failed');
      if (!reply.raw.headersSent) proxy.sendFailure(reply.raw, err);
      else reply.raw.destroy();
    });
  });
  // WebSocket upgrades under the apps domain are the app's, never the portal's own.
  const server = app.server;
  const others = server.listeners('upgrade') as Array<(req: IncomingMessage, socket: Duplex, head: Buffer) => void>;
  server.removeAllListeners('upgrade');
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!inAppsDomain(req.headers.host, appsDomain)) { for (const listener of others) listener.call(server, req, socket, head); return; }
    proxy.serveUpgrade(req, socket, head).catch((err: unknown) => {
      deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'app upgrade failed');
      socket.destroy();
    });
  });
}

class AppProxy {
  private readonly https: boolean;
  private readonly cache = new Map<string, { until: number; app: ServedApp | undefined }>();

  private readonly unsubscribe: () => void;
  private readonly upgraded = new Set<Duplex>();

  constructor(private readonly deps: Deps) {
    this.https = new URL(deps.config.publicUrl).protocol === 'https:';
    // Any publish event, from this portal or another: what is served may have changed.
    this.unsubscribe = deps.events.on('publish', () => this.cache.clear());
  }

  close(): void {
    this.unsubscribe();
    for (const socket of this.upgraded) socket.destroy();
  }

  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const verdict = this.deps.ipAllowlist.check({ peer: req.socket.remoteAddress ?? '', forwardedFor: req.headers['x-forwarded-for'] });
    if (!verdict.allowed) return this.sendPage(res, 403, 'Not from this network', 'Your organization allows Paddock only from its own networks.');
    const host = parseAppHost(req.headers.host, this.deps.config.appsDomain);
    const app = host && await this.app(host.subdomain);
    if (!host || !app || app.state === 'unpublished') return this.sendPage(res, 404, 'No app here', 'Nothing is published at this address. It may have been unpublished.');
    if (!app.liveVersion) {
      // Why is for its builder (in Paddock): it can name the agent's paths, and this page is anyone's.
      if (app.state === 'failed') return this.sendPage(res, 503, "This app didn't start", 'Its builder can see why in Paddock.');
      return this.sendPage(res, 503, 'This app is starting', 'It is being published right now. Try again in a few seconds.', 5);
    }
    const url = new URL(req.url ?? '/', 'http://app');
    if (url.pathname === APP_AUTH_PATH) return this.signIn(host, url, req, res);
    if (app.access === 'organization') {
      const userId = await this.deps.appAuth.check(sessionCandidates(req.headers.cookie, this.cookieName(host.hostname), SESSION_ID), host.subdomain);
      if (!userId) return this.toSignIn(host.subdomain, req, res);
    }
    await this.forward(app, host.hostname, req, res);
  }

  /** A WebSocket to the live version, for whoever may open the app: the same checks as a request. */
  async serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const verdict = this.deps.ipAllowlist.check({ peer: req.socket.remoteAddress ?? '', forwardedFor: req.headers['x-forwarded-for'] });
    if (!verdict.allowed) return rejectRaw(socket, 403);
    const host = parseAppHost(req.headers.host, this.deps.config.appsDomain);
    const app = host && await this.app(host.subdomain);
    if (!host || !app || app.state === 'unpublished') return rejectRaw(socket, 404);
    if (!app.liveVersion) return rejectRaw(socket, 503);
    if (app.access === 'organization') {
      const userId = await this.deps.appAuth.check(sessionCandidates(req.headers.cookie, this.cookieName(host.hostname), SESSION_ID), host.subdomain);
      if (!userId) return rejectRaw(socket, 401);
    }
    const gone = new AbortController();
    socket.once('close', () => gone.abort());
    await relayUpgrade({
      socket, head, open: this.upgraded, peer: PEER,
      upgrade: () => this.deps.workspaceHttp.upgrade(this.destination(app), {
        peer: PEER, method: req.method ?? 'GET', path: req.url ?? '/', headers: upgradeHeaders(req, forwardedRequestHeaders(req, app.port, host.hostname)),
        signal: gone.signal, headersTimeoutMs: this.deps.config.tunnelHttp.previewHeadersMs, bodyTimeoutMs: 0,
      }),
      refusedHeaders: (res) => forwardedResponseHeaders(res.headers, res.rawHeaders, host.hostname),
    });
  }

  private destination(app: ServedApp) {
    return { agentId: app.agentId, workspaceId: appSandboxId(app.id, app.liveVersion!), target: { port: app.port } };
  }

  private async forward(app: ServedApp, hostname: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const bodiless = (req.method === 'GET' || req.method === 'HEAD') && !req.headers['content-length'] && !req.headers['transfer-encoding'];
    const gone = new AbortController();
    req.once('error', () => gone.abort());
    res.once('close', () => { if (!res.writableFinished) gone.abort(); });
    if (bodiless) req.resume();
    const answer = await this.deps.workspaceHttp.request(
      this.destination(app),
      {
        peer: PEER, method: req.method ?? 'GET', path: req.url ?? '/', headers: forwardedRequestHeaders(req, app.port, hostname), signal: gone.signal,
        headersTimeoutMs: this.deps.config.tunnelHttp.previewHeadersMs, bodyTimeoutMs: 0, body: bodiless ? undefined : req,
      },
    );
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, forwardedResponseHeaders(answer.headers, answer.rawHeaders, hostname));
    answer.pipe(res);
    await finished(answer);
  }

  /** To the portal, which signs the visitor in if need be and sends them back with a one-time token. */
  private toSignIn(subdomain: string, req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').slice(0, 2000);
    const target = new URL(`/apps/open/${subdomain}`, this.deps.config.publicUrl);
    target.searchParams.set('path', path);
    req.resume();
    res.writeHead(302, { location: target.toString(), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'content-length': 0 });
    res.end();
  }

  /** `/__paddock/auth?token=…&path=…`: trades the portal's one-time token for a host-only cookie here. */
  private async signIn(host: { subdomain: string; hostname: string }, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const token = url.searchParams.get('token') ?? '';
    const sessionId = token && token.length < 256 ? await this.deps.appAuth.redeem(token, host.subdomain) : null;
    if (!sessionId) return this.sendPage(res, 401, 'This sign-in link has expired', 'Open the app again: sign-in links work once and only for a minute.');
    res.writeHead(302, {
      location: sameOriginPath(url.searchParams.get('path')),
      // Host-only (no Domain): neither the portal nor another app ever receives it.
      'set-cookie': stringifySetCookie({
        name: this.cookieName(host.hostname), value: sessionId, path: '/', httpOnly: true, sameSite: 'lax', secure: this.https, maxAge: 12 * 3600,
      }),
      'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'content-length': 0,
    });
    res.end();
  }

  /** Like a preview's: `__Host-` over HTTPS (no other origin can plant it), else named for the app's own label. */
  private cookieName(hostname: string): string {
    return this.https ? '__Host-paddock_app' : `__paddock_app_${hostname.split('.')[0]}`;
  }

  private async app(subdomain: string): Promise<ServedApp | undefined> {
    const now = this.deps.clock.now().getTime();
    const cached = this.cache.get(subdomain);
    if (cached && cached.until > now) return cached.app;
    const row = await this.deps.db.selectFrom('published_apps').select(['id', 'agent_id', 'port', 'access', 'live_version', 'state', 'message'])
      .where('subdomain', '=', subdomain).executeTakeFirst();
    const app = row && { id: row.id, agentId: row.agent_id, port: row.port, access: row.access, liveVersion: row.live_version, state: row.state, message: row.message };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(subdomain, { until: now + APP_CACHE_MS, app });
    return app;
  }

  sendFailure(res: ServerResponse, err: unknown): void {
    const failure = err instanceof ApiError ? workspaceHttpError(err, PEER) : undefined;
    if (failure?.status === 504) return this.sendPage(res, 504, 'The app did not answer in time', 'Try again in a moment.');
    if (failure?.status === 503) return this.sendPage(res, 503, "The app can't be reached right now", 'Try again in a moment.', 5);
    this.sendPage(res, 502, 'The app could not be reached', 'Nothing answered. Its builder can see why in Paddock.');
  }

  sendPage(res: ServerResponse, status: number, title: string, message: string, retryAfter?: number): void {
    const body = previewPage(title, message, this.deps.config.publicUrl, this.deps.branding.currentName());
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body),
      ...(retryAfter ? { 'retry-after': String(retryAfter) } : {}),
    });
    res.end(body);
  }
}

import { request, type AgentOptions, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { Clock } from '../clock.js';
import type { EventBus } from '../events/eventBus.js';
import { ApiError, UnavailableError, WorkspaceTimeoutError, WorkspaceUnreachableError } from '../errors.js';
import type { AgentHub, DialTarget } from './agentHub.js';
import { DialAgent, type DialDestination } from './dialAgent.js';
import { DialError } from './dialError.js';

/** One HTTP request to a workspace's daemon, port or service. */
export interface WorkspaceCall {
  /** Who answers, as error messages name it: "the workspace", "the workspace's AI", "the dev server". */
  peer: string;
  method: string;
  path: string;
  headers?: OutgoingHttpHeaders;
  /** Sent whole (a Buffer), or piped with backpressure (a stream, which is never sent twice). */
  body?: Buffer | Readable;
  /**
   * The response's headers must come within this long. It counts silence, as a socket's timeout
   * does: a body still being sent is no silence. Waiting for a connection (a dial, a full pool) counts too.
   */
  headersTimeoutMs: number;
  /** Once the headers came, the longest silence allowed in the body; 0 for none (an event stream may be quiet for long). */
  bodyTimeoutMs: number;
  /** Ends the call, say when the caller's own client went away. */
  signal?: AbortSignal;
}

/** What a request to upgrade got: the upgraded connection and the bytes that came with its 101, or a refusal's response. */
export interface UpgradeAnswer {
  res: IncomingMessage;
  upgraded?: { socket: Duplex; head: Buffer };
}

export interface WorkspaceHttpOptions {
  clock: Clock;
  /** A pool nobody used for this long, with nothing in flight, is closed and forgotten. */
  poolIdleMs: number;
}

/**
 * How long an idle pooled connection is kept. A server closes its own idle ones after a while,
 * and a request sent on one in that moment is lost; Node's agent also shortens this to a
 * `Keep-Alive: timeout=` the server announces, less a second. The daemon is a Node server (5 s);
 * OpenCode's closes after 10 s; dev servers vary, and a page's many requests come in bursts.
 */
const poolSettings = (target: DialTarget): AgentOptions => ('port' in target
  ? { keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: 60_000 }
  : { keepAlive: true, maxSockets: 64, maxFreeSockets: 8, timeout: 4_000 });

interface Pool { agent: DialAgent; lastUsed: number }

/**
 * The one way the portal speaks HTTP to a workspace: keep-alive pools of streams dialed
 * through the tunnel (DialAgent), one per destination (and per `partition`, for pools that
 * must not share connections: a preview's are per user), with timeouts that fire and one
 * mapping of what can go wrong to the API's errors (`workspaceHttpError`). A pool goes when
 * its workspace stops, or when nothing used it for `poolIdleMs`.
 */
export class WorkspaceHttp {
  private readonly pools = new Map<string, Pool>();
  private readonly sweeper: NodeJS.Timeout;
  private unfollow: (() => void) | undefined;

  constructor(private readonly hub: Pick<AgentHub, 'dial'>, private readonly options: WorkspaceHttpOptions) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(Math.max(options.poolIdleMs / 2, 50), 30_000)).unref();
  }

  /** The pool for a destination; Node's HTTP client takes it as `agent`. */
  agentFor(destination: DialDestination, partition = ''): DialAgent {
    const key = poolKey(destination, partition);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = { agent: new DialAgent(this.hub, destination, poolSettings(destination.target)), lastUsed: 0 };
      this.pools.set(key, pool);
    }
    pool.lastUsed = this.now();
    return pool.agent;
  }

  /**
   * Sends a request; resolves with the response once its headers came, rejects with an ApiError.
   * A GET or HEAD that meets a pooled connection the server closed as it was sent is sent once
   * more (Node's advice for a reused socket); nothing else is ever sent twice.
   */
  request(destination: DialDestination, call: WorkspaceCall, partition = ''): Promise<IncomingMessage> {
    return this.exchange(this.agentFor(destination, partition), call, 1, false).then((answer) => answer.res);
  }

  /**
   * As request(), for a request that asks to upgrade (a WebSocket): resolves with the upgraded
   * connection (out of the pool, its timeout off), or with the response of a server that refused.
   */
  upgrade(destination: DialDestination, call: WorkspaceCall, partition = ''): Promise<UpgradeAnswer> {
    return this.exchange(this.agentFor(destination, partition), call, 1, true);
  }

  /** Pools open now: for all workspaces, or for one. */
  poolCount(workspaceId?: string): number {
    let n = 0;
    for (const pool of this.pools.values()) if (workspaceId === undefined || pool.agent.destination.workspaceId === workspaceId) n++;
    return n;
  }

  /**
   * Closes a workspace's pools as soon as it is no longer running, as the event bus says; a
   * stop another portal announced and this one missed is caught by the idle eviction.
   */
  followWorkspaces(events: Pick<EventBus, 'on'>): void {
    this.unfollow = events.on('workspace', (w) => { if (w.state !== 'running') this.evictWorkspace(w.id); });
  }

  /** Ends every connection to the workspace, in use or idle, and forgets its pools. */
  evictWorkspace(workspaceId: string): void {
    for (const [key, pool] of this.pools) {
      if (pool.agent.destination.workspaceId !== workspaceId) continue;
      this.pools.delete(key);
      pool.agent.destroy();
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    this.unfollow?.();
    for (const pool of this.pools.values()) pool.agent.destroy();
    this.pools.clear();
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, pool] of this.pools) {
      // In use is not idle: a long request (an event stream) keeps its pool, which then idles from its end.
      if (pool.agent.busy) pool.lastUsed = now;
      else if (now - pool.lastUsed >= this.options.poolIdleMs) {
        this.pools.delete(key);
        pool.agent.destroy();
      }
    }
  }

  private now(): number { return this.options.clock.now().getTime(); }

  private exchange(agent: DialAgent, call: WorkspaceCall, retries: number, upgrade: boolean): Promise<UpgradeAnswer> {
    const bodiless = call.body === undefined && (call.method === 'GET' || call.method === 'HEAD');
    return new Promise<UpgradeAnswer>((resolve, reject) => {
      let settled = false;
      const req = request({ agent, method: call.method, path: call.path, headers: call.headers, ...(call.signal ? { signal: call.signal } : {}) });
      const timedOut = (ms: number) => new WorkspaceTimeoutError(`${call.peer} did not answer within ${seconds(ms)}`);
      // The socket's timeout starts with a socket: until then (a dial, a queue in a full pool) we keep the time.
      const waiting = setTimeout(() => req.destroy(timedOut(call.headersTimeoutMs)), call.headersTimeoutMs);
      req.once('socket', () => clearTimeout(waiting));
      // Set on the socket once it is assigned, whatever it was (a pooled one keeps the pool's idle timeout
      // when a request's `timeout` option happens to equal the agent's).
      req.setTimeout(call.headersTimeoutMs);
      let response: IncomingMessage | undefined;
      req.on('timeout', () => {
        if (!response) return void req.destroy(timedOut(call.headersTimeoutMs));
        response.destroy(timedOut(call.bodyTimeoutMs));
      });
      // Kept for the request's whole life: a connection that breaks after the headers also reports here (the response says it too).
      req.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(waiting);
        if (settled) return;
        settled = true;
        if (retries > 0 && bodiless && req.reusedSocket && err.code === 'ECONNRESET') {
          return void this.exchange(agent, call, retries - 1, upgrade).then(resolve, reject);
        }
        reject(workspaceHttpError(err, call.peer));
      });
      req.once('response', (res) => {
        settled = true;
        response = res;
        req.setTimeout(call.bodyTimeoutMs);
        resolve({ res });
      });
      // Only a listener makes Node hand over a 101's connection; without one it closes it.
      if (upgrade) {
        req.once('upgrade', (res, socket, head) => {
          settled = true;
          socket.setTimeout(0);
          resolve({ res, upgraded: { socket, head } });
        });
      }
      if (call.body === undefined || Buffer.isBuffer(call.body)) req.end(call.body);
      else call.body.pipe(req);
    });
  }
}

/** Reads a whole (bounded) response body; a broken or silent one rejects with an ApiError. */
export async function readBody(res: IncomingMessage, maxBytes: number, peer: string, tooLarge?: () => ApiError): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw tooLarge?.() ?? new WorkspaceUnreachableError(`${peer} answered with more than ${Math.round(maxBytes / 2 ** 20)} MiB`);
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    throw workspaceHttpError(err, peer);
  }
  return Buffer.concat(chunks);
}

/**
 * What went wrong on the way to a workspace, as the API says it: the agent is not there (503),
 * the workspace refused or broke off the connection or answered garbage (502), or it, or its
 * agent, did not answer in time (504). `peer` names who was asked.
 */
export function workspaceHttpError(err: unknown, peer: string): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof DialError) {
    const message = `${peer} can't be reached: ${err.message}`;
    switch (err.failure) {
      case 'offline':
      case 'lost': return new UnavailableError(message);
      case 'timeout': return new WorkspaceTimeoutError(message);
      case 'refused': return new WorkspaceUnreachableError(message);
    }
  }
  const { code, message } = err as { code?: unknown; message?: unknown };
  const said = typeof message === 'string' ? message : String(err);
  // A gRPC status: the tunnel stream itself broke (the agent went away, the portal's tunnel closed).
  if (typeof code === 'number') return new WorkspaceUnreachableError(`${peer} can't be reached: the tunnel broke off (${said})`);
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE') return new WorkspaceUnreachableError(`${peer} closed the connection before it answered`);
  if (typeof code === 'string' && code.startsWith('HPE_')) return new WorkspaceUnreachableError(`${peer} answered with something that is not HTTP`);
  return new WorkspaceUnreachableError(`${peer} could not be reached (${said})`);
}

function poolKey({ agentId, workspaceId, target }: DialDestination, partition: string): string {
  const to = 'daemon' in target ? 'daemon' : 'port' in target ? `port:${target.port}` : 'versions' in target ? 'versions' : `service:${target.service}`;
  return JSON.stringify([agentId, workspaceId, to, partition]);
}

const seconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`);

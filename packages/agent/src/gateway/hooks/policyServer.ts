import { systemClock } from '@paddock/protocol';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  POLICY_BRIDGE_MAX_BODY_BYTES, POLICY_BRIDGE_PATHS, POLICY_WAIT_CAP_MS,
  policyDecideRequestSchema, policyWaitRequestSchema,
  type DecisionOutcome, type HeldAction, type PolicyWaitResponse,
} from '@paddock/protocol';
import type pino from 'pino';
import type { Decider } from '../../governance/decider.js';
import { parse, readJson, sendError, sendJson } from '../../http/jsonHttp.js';

export interface PolicyServerOptions {
  log?: pino.Logger;
  /** How long one wait request stays open before it answers "still held" (POLICY_WAIT_CAP_MS). */
  waitCapMs?: number;
  /** Connections one workspace may hold open at once; more are refused (a guard needs one). */
  maxConnectionsPerWorkspace?: number;
  /** Held actions one workspace may wait on at once; past it, a new hold can't be waited on and is denied. */
  maxHeldPerWorkspace?: number;
}

/** A hold this workspace was handed: its expiry, the one wait on the decider for it, and the outcome once there. */
interface Hold {
  held: HeldAction;
  decided: Promise<DecisionOutcome>;
  outcome?: DecisionOutcome;
}

interface WorkspaceState {
  connections: Set<Socket>;
  holds: Map<string, Hold>;
}

/** How long a hold is remembered past its expiry or decision, for a guard that asks once more. */
const HOLD_GRACE_MS = 60_000;
/** The longest a hold can be waited on (the policy's own maximum, 24 h). */
const MAX_HOLD_MS = 24 * 3600 * 1000;

/**
 * The agent's side of `paddock-guard`: decide and wait, over connections a
 * workspace opens to its `policy` socket. It listens nowhere itself: each
 * connection is handed over (accept) tagged with the workspace whose socket it
 * arrived on, and that tag is the only workspace id a request ever acts for.
 * A held action is waited on only by the workspace it was handed to, and
 * never by holding one request open longer than the wait cap: the guard asks again.
 */
export class PolicyServer {
  private readonly server: Server;
  private readonly owners = new WeakMap<Socket, string>();
  private readonly workspaces = new Map<string, WorkspaceState>();
  private readonly log: pino.Logger | undefined;
  private readonly waitCapMs: number;
  private readonly maxConnections: number;
  private readonly maxHeld: number;

  constructor(private readonly decider: Decider, options: PolicyServerOptions = {}) {
    this.log = options.log;
    this.waitCapMs = options.waitCapMs ?? POLICY_WAIT_CAP_MS;
    this.maxConnections = options.maxConnectionsPerWorkspace ?? 32;
    this.maxHeld = options.maxHeldPerWorkspace ?? 64;
    this.server = createServer((req, res) => {
      const workspaceId = this.owners.get(req.socket);
      if (workspaceId === undefined) return void req.socket.destroy();
      this.handle(workspaceId, req, res).catch((err: unknown) => {
        this.log?.warn({ workspaceId, err: err instanceof Error ? err.message : String(err) }, 'policy decision failed');
        sendError(res, 500, 'internal', 'the policy could not decide');
      });
    });
    // A guard asks quickly and once: nothing waits longer than the wait cap and a little.
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = this.waitCapMs + 10_000;
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connect', (_req: IncomingMessage, socket: Duplex) => endRaw(socket, 405));
    this.server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => endRaw(socket, 405));
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      if (err.code === 'ECONNRESET' || !socket.writable) socket.destroy();
      else endRaw(socket, 400);
    });
  }

  /** Takes one connection a process of the workspace opened to its policy socket. */
  accept(workspaceId: string, socket: Socket): void {
    const state = this.stateOf(workspaceId);
    if (state.connections.size >= this.maxConnections) return void socket.destroy();
    this.owners.set(socket, workspaceId);
    state.connections.add(socket);
    socket.once('close', () => state.connections.delete(socket));
    this.server.emit('connection', socket);
  }

  /** Ends the workspace's connections and forgets its holds. */
  close(workspaceId: string): void {
    const state = this.workspaces.get(workspaceId);
    if (!state) return;
    this.workspaces.delete(workspaceId);
    for (const socket of state.connections) socket.destroy();
  }

  closeAll(): void {
    for (const workspaceId of [...this.workspaces.keys()]) this.close(workspaceId);
  }

  private stateOf(workspaceId: string): WorkspaceState {
    let state = this.workspaces.get(workspaceId);
    if (!state) this.workspaces.set(workspaceId, (state = { connections: new Set(), holds: new Map() }));
    return state;
  }

  private async handle(workspaceId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '';
    if (path !== POLICY_BRIDGE_PATHS.decide && path !== POLICY_BRIDGE_PATHS.wait) {
      req.resume();
      return sendError(res, 404, 'not_found', 'not an API of the policy bridge');
    }
    if (req.method !== 'POST') {
      req.resume();
      return sendError(res, 405, 'method_not_allowed', 'POST only');
    }
    const body = await readJson(req, POLICY_BRIDGE_MAX_BODY_BYTES);
    if (!body.ok) return sendError(res, body.status, 'invalid_request', body.message);
    if (path === POLICY_BRIDGE_PATHS.decide) {
      const request = parse(policyDecideRequestSchema, body.value);
      if (!request.ok) return sendError(res, 400, 'invalid_request', request.message);
      const outcome = await this.decider.decide(workspaceId, request.value.action, {
        point: 'hook', ...(request.value.content !== undefined ? { content: request.value.content } : {}),
      });
      if (outcome.held) this.remember(workspaceId, outcome.held);
      return sendJson(res, 200, outcome);
    }
    const request = parse(policyWaitRequestSchema, body.value);
    if (!request.ok) return sendError(res, 400, 'invalid_request', request.message);
    const hold = this.workspaces.get(workspaceId)?.holds.get(request.value.heldId);
    // Another workspace's hold, or one this agent never handed out, is nothing to wait on.
    if (!hold) return sendError(res, 404, 'not_found', 'no such held action for this workspace');
    return sendJson(res, 200, await this.waitOn(hold, req));
  }

  /** One wait on the decider per hold, however many times the guard asks; forgotten a while after it ends. */
  private remember(workspaceId: string, held: HeldAction): void {
    const state = this.workspaces.get(workspaceId);
    if (!state || state.holds.has(held.id)) return;
    if (state.holds.size >= this.maxHeld) {
      this.log?.warn({ workspaceId }, 'too many held actions waited on at once: this one will be denied');
      return;
    }
    const leftMs = Math.min(Math.max(Date.parse(held.expiresAt) - systemClock.now().getTime(), 0), MAX_HOLD_MS) || 0;
    const hold: Hold = { held, decided: this.decider.awaitHeld(workspaceId, held.id, leftMs) };
    state.holds.set(held.id, hold);
    const forget = () => setTimeout(() => state.holds.delete(held.id), HOLD_GRACE_MS).unref();
    hold.decided.then((outcome) => { hold.outcome = outcome; }, () => undefined).finally(forget);
  }

  private async waitOn(hold: Hold, req: IncomingMessage): Promise<PolicyWaitResponse> {
    if (hold.outcome) return { state: 'decided', outcome: hold.outcome };
    let timer: NodeJS.Timeout | undefined;
    let gone: (() => void) | undefined;
    const capped = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, this.waitCapMs, undefined);
      gone = () => resolve(undefined);
      req.socket.once('close', gone);
    });
    try {
      const outcome = await Promise.race([hold.decided, capped]);
      return outcome ? { state: 'decided', outcome } : { state: 'held', held: hold.held };
    } finally {
      clearTimeout(timer);
      // A kept-alive connection carries the guard's next wait: no listener of this one stays on it.
      if (gone) req.socket.off('close', gone);
    }
  }
}

function endRaw(socket: Duplex, status: number): void {
  const text = JSON.stringify({ error: { code: 'invalid_request', message: 'not an API of the policy bridge' } });
  socket.end(`HTTP/1.1 ${status} ${status === 405 ? 'Method Not Allowed' : 'Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
}

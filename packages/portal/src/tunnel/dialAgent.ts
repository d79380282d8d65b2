import { Agent, type AgentOptions, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AgentHub, DialTarget } from './agentHub.js';

/** Where a dial goes: one target of one workspace, through the agent it runs on. */
export interface DialDestination {
  agentId: string;
  workspaceId: string;
  target: DialTarget;
}

/**
 * An http.Agent whose connections are streams dialed through the tunnel, so Node's
 * HTTP client does the rest: keep-alive pooling, queueing beyond maxSockets, the
 * server's `Keep-Alive: timeout=` hint, and timeouts (FrameDuplex keeps an idle
 * timeout as a socket does: `request({ timeout })` covers a request, the agent's
 * `timeout` closes a pooled connection left idle that long). A failed dial reaches
 * the request as its 'error', a DialError.
 */
export class DialAgent extends Agent {
  /** Dials asked for and not yet answered: the pool counts a connection only once it exists. */
  private dialing = 0;

  constructor(private readonly hub: Pick<AgentHub, 'dial'>, readonly destination: DialDestination, options: AgentOptions) {
    super(options);
  }

  /** True while any request holds, waits for or is dialing a connection: an agent not busy can go. */
  get busy(): boolean {
    return this.dialing > 0 || hasAny(this.sockets) || hasAny(this.requests);
  }

  override createConnection(options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const { agentId, workspaceId, target } = this.destination;
    this.dialing++;
    this.hub.dial(agentId, workspaceId, target).then((stream) => {
      this.dialing--;
      // net.createConnection() applies the timeout it is given; the agent passes its own (or the request's) here.
      if (options.timeout) stream.setTimeout(options.timeout);
      // A tunnel stream is half-open by design. Once the peer's side ends, the connection is over:
      // only 'close' takes it out of the pool, and a request sent on it would go unanswered. Not so
      // for one the HTTP client hands over after an upgrade ('agentRemove'): its owner closes it.
      const over = () => stream.destroy();
      stream.once('end', over);
      stream.once('agentRemove', () => stream.off('end', over));
      callback?.(null, stream);
    }, (err: Error) => {
      this.dialing--;
      callback?.(err, undefined as never);
    });
    return undefined;
  }
}

// The agent keeps an empty list under a name it once used: look at what the lists hold.
const hasAny = (set: NodeJS.ReadOnlyDict<readonly unknown[]>): boolean => Object.values(set).some((list) => (list?.length ?? 0) > 0);

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import type pino from 'pino';
import { z } from 'zod';
import { portalEventSchemas, portalEventTopics, type PortalEvents, type Workspace } from '@paddock/protocol';
import type { Database } from '../db/database.js';
import { Subscribers, type EventBus, type Listener, type Topic, type Unsubscribe } from './eventBus.js';

/** The one channel every portal on a database listens on (NOTIFY is per database). */
export const EVENTS_CHANNEL = 'paddock_events';
/** The listening connection's name in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'paddock-event-bus';
/** PostgreSQL refuses a notification payload of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7999;
/** Notifications sent in one statement; and how many may wait while the database is slow or away. */
const BATCH = 50;
const MAX_WAITING = 10_000;

/** What crosses between portals: who sent it (each sees its own notifications too), and the event. */
const envelopeSchema = z.object({
  v: z.literal(1),
  from: z.string(),
  seq: z.number().int(),
  topic: z.enum(portalEventTopics as [Topic, ...Topic[]]),
  data: z.unknown(),
});
type Envelope = z.infer<typeof envelopeSchema>;
const workspaceRefSchema = z.object({ id: z.string().min(1).max(64) });

export interface PgEventBusOptions {
  /** The database's URL: the bus holds one connection of its own, to LISTEN on. */
  url: string;
  /** Notifications are sent through the portal's pool. */
  db: Database;
  log: pino.Logger;
  /** Reads a workspace as it is now (a workspace event crosses as its id). */
  readWorkspace(id: string): Promise<Workspace | undefined>;
  /** How often the listening connection is checked, and how long an answer may take (a connection can die without a word). */
  pingEveryMs?: number;
  pingTimeoutMs?: number;
  /** Reconnection backoff: from 250 ms, doubling, up to this. */
  maxBackoffMs?: number;
}

/**
 * The event bus across portal replicas, over PostgreSQL's LISTEN/NOTIFY.
 *
 * Subscribers in this portal hear an event at once, from `publish`, whatever the
 * database does. Other portals hear it through a notification on EVENTS_CHANNEL,
 * sent after it through the pool, in the order published (one statement at a
 * time). Each portal listens on a connection of its own; when that connection
 * fails, or stops answering its ping, it is opened again with backoff, and
 * `onMissed` subscribers are told: what other portals published meanwhile is
 * gone. Nothing here ever throws into a publisher or ends the portal.
 *
 * A notification carries small events whole. A workspace event carries only the
 * workspace's id, and each receiving portal reads the workspace again (one read
 * at a time, in arrival order, duplicates waiting for a read merged): a workspace
 * can outgrow a notification, and the reader gets it as it is now, so a late
 * notification never brings back an older state.
 */
export class PgEventBus implements EventBus {
  private readonly subscribers: Subscribers;
  private readonly origin = randomUUID();
  private seq = 0;
  private readonly waiting: string[] = [];
  private sending: Promise<void> | undefined;
  private received: Promise<void> = Promise.resolve();
  private readonly workspacesToRead = new Set<string>();
  private client: pg.Client | undefined;
  private listeningOn: pg.Client | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private pinging = false;
  /** The last connection let go has ended (close waits for it, a little). */
  private ended: Promise<void> = Promise.resolve();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** Set when the listening connection was lost (or never opened): the next one tells `onMissed`. */
  private gap = false;
  private closed = false;
  private readonly pingEveryMs: number;
  private readonly pingTimeoutMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly options: PgEventBusOptions) {
    this.subscribers = new Subscribers(options.log);
    this.pingEveryMs = options.pingEveryMs ?? 30_000;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 10_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
  }

  /** Opens the listening connection. Never throws: if the database can't be reached, it keeps trying. */
  async start(): Promise<void> {
    await this.listen();
  }

  /** Whether this portal is listening for other portals' events now (tests, health). */
  get listening(): boolean { return this.listeningOn !== undefined && this.listeningOn === this.client; }

  publish<T extends Topic>(topic: T, event: PortalEvents[T]): void {
    this.subscribers.deliver(topic, event);
    const data = topic === 'workspace' ? { id: (event as Workspace).id } : event;
    // The sequence number keeps two equal events in one statement apart (PostgreSQL folds identical notifications of a transaction).
    const payload = JSON.stringify({ v: 1, from: this.origin, seq: this.seq++, topic, data } satisfies Envelope);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      this.options.log.error({ topic, bytes: Buffer.byteLength(payload) }, 'an event too large for a notification reached only this portal (a bug: events carry ids)');
      return;
    }
    if (this.waiting.length >= MAX_WAITING) {
      this.waiting.shift();
      this.options.log.warn({ topic }, 'the database is not taking notifications; the oldest waiting event was dropped for the other portals');
    }
    this.waiting.push(payload);
    this.send();
  }

  on<T extends Topic>(topic: T, listener: Listener<T>): Unsubscribe {
    return this.subscribers.add(topic, listener);
  }

  onMissed(listener: () => void): Unsubscribe {
    return this.subscribers.addMissed(listener);
  }

  /** Sends what is waiting, stops listening. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    while (this.sending) await this.sending;
    if (this.client) this.detach(this.client);
    this.client = undefined;
    // A connection that died without a word may never confirm its end.
    await Promise.race([this.ended, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    await this.received;
  }

  private send(): void {
    if (this.sending || this.waiting.length === 0) return;
    const batch = this.waiting.splice(0, BATCH);
    const notify = sql.join(batch.map((payload) => sql`pg_notify(${EVENTS_CHANNEL}, ${payload})`));
    this.sending = sql`select ${notify}`.execute(this.options.db).then(
      () => undefined,
      (err: unknown) => { this.options.log.warn({ err, events: batch.length }, 'events could not be sent to the other portals'); },
    ).finally(() => {
      this.sending = undefined;
      this.send();
    });
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.options.url, application_name: LISTENER_APPLICATION_NAME, keepAlive: true,
      // A server that takes the connection and says nothing must not hold up the portal's start.
      connectionTimeoutMillis: this.pingTimeoutMs,
    });
    this.client = client;
    // Without an error listener a lost connection would end the process.
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    client.on('notification', (n) => { if (n.channel === EVENTS_CHANNEL && n.payload) this.arrived(n.payload); });
    try {
      await client.connect();
      await client.query(`listen ${EVENTS_CHANNEL}`);
    } catch (err) {
      this.lost(client, err);
      return;
    }
    if (this.client !== client) return;
    this.listeningOn = client;
    this.failures = 0;
    this.pingTimer = setInterval(() => this.ping(client), this.pingEveryMs);
    this.pingTimer.unref();
    if (this.gap) {
      this.gap = false;
      this.options.log.info("listening for other portals' events again; subscribers resynchronise");
      this.subscribers.deliverMissed();
    }
  }

  private ping(client: pg.Client): void {
    if (this.pinging || this.client !== client) return;
    this.pinging = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the listening connection did not answer within ${this.pingTimeoutMs} ms`)), this.pingTimeoutMs);
    });
    Promise.race([client.query('select 1'), timeout]).then(
      () => undefined,
      (err: unknown) => this.lost(client, err),
    ).finally(() => { clearTimeout(timer); this.pinging = false; });
  }

  /** The listening connection failed, ended or went quiet: drop it and open another, later. */
  private lost(client: pg.Client, err?: unknown): void {
    if (this.client !== client) return;
    const wasListening = this.listeningOn === client;
    this.client = undefined;
    this.gap = true;
    clearInterval(this.pingTimer);
    this.detach(client);
    if (this.closed) return;
    const delay = Math.min(this.maxBackoffMs, 250 * 2 ** Math.min(this.failures, 10)) * (0.5 + Math.random() / 2);
    this.failures += 1;
    this.options.log.warn({ err: err instanceof Error ? err.message : err, retryInMs: Math.round(delay) }, wasListening
      ? "the connection listening for other portals' events was lost; opening another"
      : "the connection to listen for other portals' events could not be opened; trying again");
    this.reconnectTimer = setTimeout(() => {
      this.listen().catch((e: unknown) => this.options.log.error({ err: e }, 'listening for events failed'));
    }, delay);
    this.reconnectTimer.unref();
  }

  /** Ends a connection no longer used; its errors no longer matter. */
  private detach(client: pg.Client): void {
    client.removeAllListeners();
    client.on('error', () => {});
    this.ended = client.end().catch(() => {});
  }

  private arrived(payload: string): void {
    let envelope: Envelope;
    try {
      envelope = envelopeSchema.parse(JSON.parse(payload));
    } catch {
      this.options.log.warn({ bytes: payload.length }, `a notification on ${EVENTS_CHANNEL} is not an event; ignored`);
      return;
    }
    if (envelope.from === this.origin) return; // heard already, from publish
    let deliver: () => Promise<void>;
    if (envelope.topic === 'workspace') {
      const ref = workspaceRefSchema.safeParse(envelope.data);
      if (!ref.success) return this.misfit(envelope.topic);
      const { id } = ref.data;
      // A read that hasn't started yet will see this change too.
      if (this.workspacesToRead.has(id)) return;
      this.workspacesToRead.add(id);
      deliver = async () => {
        this.workspacesToRead.delete(id);
        const workspace = await this.options.readWorkspace(id);
        if (workspace) this.subscribers.deliver('workspace', workspace);
      };
    } else {
      const event = portalEventSchemas[envelope.topic].safeParse(envelope.data);
      if (!event.success) return this.misfit(envelope.topic);
      const topic = envelope.topic;
      deliver = async () => this.deliverTyped(topic, event.data as PortalEvents[typeof topic]);
    }
    this.received = this.received.then(deliver).catch((err: unknown) => {
      this.options.log.error({ err, topic: envelope.topic }, 'an event from another portal could not be delivered');
    });
  }

  private misfit(topic: Topic): void {
    this.options.log.warn({ topic }, 'an event from another portal does not match its topic; ignored');
  }

  private deliverTyped<T extends Topic>(topic: T, event: PortalEvents[T]): void {
    this.subscribers.deliver(topic, event);
  }
}

import type pino from 'pino';
import type { PortalEvents, PortalEventTopic } from '@paddock/protocol';

export type Topic = PortalEventTopic;
export type Listener<T extends Topic> = (event: PortalEvents[T]) => void | Promise<void>;
export type Unsubscribe = () => void;

/**
 * The portal's one event bus: workspace, usage, governance, approval and publish
 * events (their shapes are the protocol's `portalEventSchemas`), for every
 * subscriber in this portal and, over PostgreSQL, in every other portal on the
 * same database (pgEventBus.ts). Publish after the change committed: an event
 * says that something changed, the database says what it is now.
 *
 * Across portals delivery is at most once (see docs/architecture.md): a
 * subscriber that must not miss a change also reads the database on a timer,
 * and `onMissed` tells it when events from other portals may have been lost.
 */
export interface EventBus {
  /** Delivers to this portal's subscribers at once, in order, and sends it on to the other portals. Never throws. */
  publish<T extends Topic>(topic: T, event: PortalEvents[T]): void;
  /** Subscribes to a topic; returns the way to unsubscribe. A listener that throws or rejects is logged and harms no other. */
  on<T extends Topic>(topic: T, listener: Listener<T>): Unsubscribe;
  /** Called when events from other portals may have been missed (the listening connection was lost and is back). */
  onMissed(listener: () => void): Unsubscribe;
  close(): Promise<void>;
}

/**
 * This process's subscribers. Each is called on its own: one that throws, or
 * returns a promise that rejects, is logged, and the others still hear the event.
 */
export class Subscribers {
  private readonly byTopic = new Map<Topic, Set<Listener<Topic>>>();
  private readonly missed = new Set<() => void>();

  constructor(private readonly log: pino.Logger) {}

  add<T extends Topic>(topic: T, listener: Listener<T>): Unsubscribe {
    let set = this.byTopic.get(topic);
    if (!set) this.byTopic.set(topic, set = new Set());
    // Wrapped, so the same function subscribed twice is two subscriptions, each with its own unsubscribe.
    const entry: Listener<Topic> = (event) => listener(event as PortalEvents[T]);
    set.add(entry);
    return () => { set.delete(entry); };
  }

  addMissed(listener: () => void): Unsubscribe {
    const entry = () => listener();
    this.missed.add(entry);
    return () => { this.missed.delete(entry); };
  }

  deliver<T extends Topic>(topic: T, event: PortalEvents[T]): void {
    // A copy: a listener may unsubscribe (itself or another) while it is called.
    for (const listener of [...this.byTopic.get(topic) ?? []]) this.call(topic, () => listener(event));
  }

  deliverMissed(): void {
    for (const listener of [...this.missed]) this.call('missed', listener);
  }

  private call(what: string, listener: () => void | Promise<void>): void {
    try {
      const result = listener();
      if (result instanceof Promise) result.catch((err: unknown) => this.failed(what, err));
    } catch (err) {
      this.failed(what, err);
    }
  }

  private failed(what: string, err: unknown): void {
    this.log.error({ err, topic: what }, 'an event subscriber failed; the others were told');
  }
}

/** The bus of a portal that is alone on its database: the embedded default (PGlite, one process). */
export class InProcessEventBus implements EventBus {
  private readonly subscribers: Subscribers;

  constructor(log: pino.Logger) {
    this.subscribers = new Subscribers(log);
  }

  publish<T extends Topic>(topic: T, event: PortalEvents[T]): void {
    this.subscribers.deliver(topic, event);
  }

  on<T extends Topic>(topic: T, listener: Listener<T>): Unsubscribe {
    return this.subscribers.add(topic, listener);
  }

  /** Nothing is ever missed in one process. */
  onMissed(listener: () => void): Unsubscribe {
    return this.subscribers.addMissed(listener);
  }

  async close(): Promise<void> {}
}

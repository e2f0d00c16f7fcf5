/**
 * The message queue the BFFs and the demo backends share: writes that need no answer
 * (`trackEvent`, `requestReturn`) and the order events that feed the web dashboard's live feed.
 *
 * Two ways to read a topic, as every broker offers them:
 * - `subscribe(topic, handler)` — fan-out: every subscriber, in every process (every BFF
 *   replica), sees every message published after it subscribed. Nothing is acknowledged; a
 *   subscriber that is away misses what was published meanwhile (beyond what the broker keeps).
 * - `consume(topic, group, handler)` — a work queue: each message goes to ONE consumer of the
 *   group, at least once. The handler resolving acknowledges it; throwing (or the consumer
 *   dying before it resolved) leaves it pending, and it is delivered again — to any consumer of
 *   the group — once it has been idle for `claimIdleMs`. Consumers therefore de-duplicate by
 *   `message.key` (the idempotency key every message carries).
 *
 * Implementations: RedisStreamsQueue (a real broker: Redis Streams and consumer groups),
 * MemoryQueue (in one process, nothing durable), HttpQueue (a BFF's client of the MemoryQueue
 * that the demo backends process hosts when no broker is configured). See docs/operations.md.
 */

/** What a publisher hands over. */
export interface OutgoingMessage<T = unknown> {
  /** What happened or is asked for, e.g. `return.requested`, `order.placed`. */
  type: string;
  /** The idempotency key: the same key means the same write, however often it is delivered. */
  key: string;
  /**
   * Propagated context, as a backend call would carry it: the signed identity
   * (`x-bff-client`, `x-bff-user-id`, `x-bff-scopes`, `x-bff-identity-ts`, `x-bff-identity-sig`),
   * `x-request-id` and the W3C `traceparent`.
   */
  headers: Readonly<Record<string, string>>;
  body: T;
}

/** What a subscriber or consumer receives. */
export interface QueueMessage<T = unknown> extends OutgoingMessage<T> {
  /** The broker's id: increasing within a topic. */
  id: string;
  topic: string;
  /** When the broker stored it (epoch ms, the broker's clock). */
  publishedAt: number;
  /** 1 on the first delivery to a consumer group; more after a redelivery (0 for subscribers). */
  deliveries: number;
}

export type MessageHandler<T = unknown> = (message: QueueMessage<T>) => void | Promise<void>;

/** A running subscription or consumer. */
export interface Subscription {
  /**
   * Resolves once reading has begun: every message published after that reaches the handler.
   * (A subscriber that must not miss the first event — a test, a replica's start-up — awaits it.)
   */
  readonly ready: Promise<void>;
  /** Stops reading; resolves once the reader has stopped. A message in its handler is not acknowledged. */
  close(): Promise<void>;
}

export interface ConsumeOptions {
  /** This consumer's name within the group (unique per process). Default: a random one. */
  consumer?: string;
  /** A pending message idle this long (its consumer died or failed) is delivered again. Default 30000 ms. */
  claimIdleMs?: number;
  /** Deliveries after which a message goes to the `<topic>.dead` topic instead. Default 5. */
  maxDeliveries?: number;
  /** Called with a handler's error (the message stays pending) or a broker error (the reader retries). */
  onError?: (error: unknown, message?: QueueMessage) => void;
}

export interface SubscribeOptions {
  /** Called when reading fails; the reader keeps retrying with backoff. */
  onError?: (error: unknown) => void;
}

export interface MessageQueue {
  /** `redis`, `memory` or `http`: for logs and `/readyz`. */
  readonly kind: 'redis' | 'memory' | 'http';
  /**
   * Stores one message on `topic`. Never retried here: a caller that gets a QueueError of
   * reason `publish_timeout` does not know whether the message was stored (the consumers'
   * de-duplication by key makes the client's own retry safe).
   * @returns the broker's id of the message.
   * @throws QueueError (`broker_unavailable`, `publish_timeout`).
   */
  publish<T>(topic: string, message: OutgoingMessage<T>): Promise<string>;
  /** Fan-out: `handler` sees every message published on `topic` from now on, in order. */
  subscribe<T>(topic: string, handler: MessageHandler<T>, options?: SubscribeOptions): Subscription;
  /**
   * Fan-out as an async iterator (for a GraphQL subscription's resolver): ends when `signal`
   * aborts or the iterator is returned. Holds at most `bufferSize` (default 1000) unread
   * messages; beyond that the oldest are dropped, so a slow reader never grows memory unbounded.
   */
  events<T>(topic: string, options?: { signal?: AbortSignal; bufferSize?: number }): AsyncIterableIterator<QueueMessage<T>>;
  /** Work queue: one consumer of `group` per message, at least once (see the module comment). */
  consume<T>(topic: string, group: string, handler: MessageHandler<T>, options?: ConsumeOptions): Subscription;
  /** Whether a publish would reach the broker right now (readiness detail; never blocks). */
  readonly connected: boolean;
  close(): Promise<void>;
}

export type QueueErrorReason = 'broker_unavailable' | 'publish_timeout';

/** A broker failure; the BFF turns it into UPSTREAM_UNAVAILABLE / OUTCOME_UNKNOWN naming `queue`. */
export class QueueError extends Error {
  constructor(
    readonly reason: QueueErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'QueueError';
  }
}

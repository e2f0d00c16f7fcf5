import type { BffError } from '../errors/BffError.js';
import type { EventSource, Follower, LiveStream, StreamFailure } from './EventSource.js';

/** What an upstream connection reports to the shared stream that opened it. */
export interface UpstreamSink<E> {
  /** The upstream accepted the follower before any event (a feed): followers' `ready` resolves. */
  open(): void;
  next(event: E): void;
  /** The upstream ended normally (e.g. the order reached a final status): followers complete. */
  end(): void;
  /** The upstream failed; the shared stream decides whether to reconnect. */
  error(error: BffError): void;
}

export interface SharedStreamsOptions<E> {
  /** Opens one upstream connection for `topic` on behalf of `follower`. @returns its close. */
  open(topic: string, follower: Follower, sink: UpstreamSink<E>): () => void;
  /** Followers with the same key share one upstream. Default: topic and user (see createOrderStatusSource). */
  keyOf?(topic: string, follower: Follower): string;
  /** Whether a failure is worth a reconnect (unavailable, timeout) rather than final (refused, not found). */
  retryable(error: BffError): boolean;
  /** Reconnects after a failure before followers get the failure; default 5. */
  retries?: number;
  /** First backoff, doubled per attempt up to `maxBackoffMs`; defaults 100 and 5000 ms. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A late joiner first gets the latest event (a status stream); default true. */
  replayLatest?: boolean;
}

/** An EventSource whose followers of one key share one upstream connection. */
export interface SharedStreams<E> extends EventSource<E> {
  /** Upstream connections open now (for metrics and tests). */
  readonly openUpstreams: number;
  /** Ends every follower and closes every upstream (shutdown). */
  close(): void;
  /**
   * Closes every upstream and stops reconnecting, but leaves each follower its queued events
   * (those already accepted for delivery) to read; `close()` ends the followers afterwards.
   */
  drain(): void;
}

/**
 * Multiplexes followers onto upstream connections: the first follower of a key opens one,
 * later ones join it (and get its latest event at once), and the last one to leave closes it.
 * An upstream failure is retried with exponential backoff while followers wait; once the
 * retries are spent, or the failure is final, every follower gets it as a StreamFailure and ends.
 *
 * Each follower has its own bounded queue: the transport pulls one event at a time and only
 * after the previous one was written, so a follower whose socket does not drain falls behind
 * here, and is cut off (`onOverflow`) once `maxQueued` events wait, instead of holding memory
 * without limit or slowing the others.
 */
export function createSharedStreams<E>(options: SharedStreamsOptions<E>): SharedStreams<E> {
  const retries = options.retries ?? 5;
  const backoffMs = options.backoffMs ?? 100;
  const maxBackoffMs = options.maxBackoffMs ?? 5000;
  const replayLatest = options.replayLatest ?? true;
  const keyOf = options.keyOf ?? ((topic, follower) => `${topic}\n${follower.viewer.userId ?? ''}`);
  const shared = new Map<string, Shared<E>>();
  let openUpstreams = 0;

  function connect(entry: Shared<E>): void {
    const follower = entry.followers.values().next().value as Subscriber<E> | undefined;
    if (!follower) return;
    let live = true;
    openUpstreams++;
    const closeUpstream = () => {
      if (!live) return;
      live = false;
      openUpstreams--;
      close();
    };
    entry.closeUpstream = closeUpstream;
    const close = options.open(entry.topic, follower.follower, {
      open() {
        if (!live) return;
        entry.opened = true;
        for (const subscriber of entry.followers) subscriber.accept();
      },
      next(event) {
        if (!live) return;
        entry.attempt = 0;
        entry.opened = true;
        entry.latest = { event };
        for (const subscriber of [...entry.followers]) subscriber.push(event);
      },
      end() {
        if (!live) return;
        closeUpstream();
        finish(entry, undefined);
      },
      error(error) {
        if (!live) return;
        closeUpstream();
        if (!options.retryable(error) || entry.attempt >= retries) return finish(entry, error);
        const delay = Math.min(backoffMs * 2 ** entry.attempt, maxBackoffMs);
        entry.attempt++;
        entry.retry = setTimeout(() => {
          entry.retry = undefined;
          if (shared.get(entry.key) === entry) connect(entry);
        }, delay);
        entry.retry.unref();
      },
    });
  }

  function finish(entry: Shared<E>, error: BffError | undefined): void {
    if (shared.get(entry.key) === entry) shared.delete(entry.key);
    if (entry.retry) clearTimeout(entry.retry);
    entry.closeUpstream?.();
    for (const subscriber of [...entry.followers]) subscriber.end(error);
    entry.followers.clear();
  }

  function leave(entry: Shared<E>, subscriber: Subscriber<E>): void {
    entry.followers.delete(subscriber);
    if (entry.followers.size > 0) return;
    // The last follower left: nobody needs the upstream any more.
    if (shared.get(entry.key) === entry) shared.delete(entry.key);
    if (entry.retry) clearTimeout(entry.retry);
    entry.closeUpstream?.();
  }

  return {
    get openUpstreams() {
      return openUpstreams;
    },
    subscribe(topic, follower) {
      const key = keyOf(topic, follower);
      let entry = shared.get(key);
      const fresh = !entry;
      if (!entry) {
        entry = {
          key,
          topic,
          followers: new Set(),
          opened: false,
          attempt: 0,
          latest: undefined,
          retry: undefined,
          closeUpstream: undefined,
        };
        shared.set(key, entry);
      }
      const joined = entry;
      const subscriber = new Subscriber<E>(follower, () => leave(joined, subscriber));
      joined.followers.add(subscriber);
      if (fresh) connect(joined);
      else if (replayLatest && joined.latest) subscriber.push(joined.latest.event);
      else if (joined.opened) subscriber.accept();
      return subscriber;
    },
    close() {
      for (const entry of [...shared.values()]) finish(entry, undefined);
    },
    drain() {
      for (const entry of shared.values()) {
        if (entry.retry) clearTimeout(entry.retry);
        entry.retry = undefined;
        entry.closeUpstream?.();
      }
    },
  };
}

interface Shared<E> {
  key: string;
  topic: string;
  followers: Set<Subscriber<E>>;
  /** The upstream has accepted its followers (opened or sent an event). */
  opened: boolean;
  /** Reconnects since the last event. */
  attempt: number;
  latest: { event: E } | undefined;
  retry: NodeJS.Timeout | undefined;
  closeUpstream: (() => void) | undefined;
}

/** One follower's view of a shared stream: a bounded queue read as an async iterator. */
class Subscriber<E> implements LiveStream<E> {
  readonly ready: Promise<void>;
  /** Events accepted and not yet taken by the transport. */
  get backlog(): number {
    return this.queue.length;
  }
  private queue: (E | StreamFailure)[] = [];
  private waiter: ((result: IteratorResult<E | StreamFailure>) => void) | undefined;
  private done = false;
  private settleReady!: (error?: BffError) => void;

  constructor(
    readonly follower: Follower,
    private readonly leave: () => void,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.settleReady = (error) => (error ? reject(error) : resolve());
    });
    // A follower that never awaits `ready` must not cause an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  accept(): void {
    this.settleReady();
  }

  push(event: E): void {
    if (this.done) return;
    this.settleReady();
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      return waiter({ value: event, done: false });
    }
    this.queue.push(event);
    if (this.queue.length > this.follower.maxQueued) {
      this.stop();
      this.follower.onOverflow();
    }
  }

  /** The source ended (error: failed for good). Queued events are still delivered first. */
  end(error: BffError | undefined): void {
    if (this.done) return;
    this.done = true;
    this.settleReady(error);
    if (error) this.queue.push({ failure: error });
    if (this.waiter && this.queue.length === 0) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter({ value: undefined, done: true });
    } else if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter({ value: this.queue.shift()!, done: false });
    }
  }

  next(): Promise<IteratorResult<E | StreamFailure>> {
    if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  return(): Promise<IteratorResult<E | StreamFailure>> {
    this.stop();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private stop(): void {
    if (!this.done) {
      this.done = true;
      this.leave();
    }
    this.queue = [];
    this.settleReady();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.({ value: undefined, done: true });
  }
}

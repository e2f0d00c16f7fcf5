import { randomUUID } from 'node:crypto';
import { eventsOf } from './eventsOf.js';
import {
  QueueError,
  type ConsumeOptions,
  type MessageHandler,
  type MessageQueue,
  type OutgoingMessage,
  type QueueMessage,
  type SubscribeOptions,
  type Subscription,
} from './MessageQueue.js';

export interface MemoryQueueOptions {
  /** Messages kept per topic for late consumers and long polls; older ones are dropped. Default 10000. */
  maxLength?: number;
}

interface Entry {
  seq: number;
  message: QueueMessage;
}

interface Pending {
  entry: Entry;
  deliveredAt: number;
  deliveries: number;
}

interface Group {
  /** The seq of the next message no consumer of the group has been given. */
  nextSeq: number;
  pending: Map<number, Pending>;
  wakers: Set<() => void>;
}

interface Topic {
  entries: Entry[];
  lastSeq: number;
  subscribers: Set<(message: QueueMessage) => void>;
  /** Long polls (serveQueue) waiting for the next message. */
  waiters: Set<() => void>;
  groups: Map<string, Group>;
}

/**
 * The queue in one process's memory, with the semantics of Redis Streams (ids that increase
 * per topic, fan-out subscribers, consumer groups with pending messages redelivered after
 * `claimIdleMs`, a dead-letter topic). What it does not give: durability (a restart loses
 * every message, pending ones included) and delivery to other processes on its own — the demo
 * backends serve it over HTTP to the BFFs (serveQueue / HttpQueue).
 */
export class MemoryQueue implements MessageQueue {
  readonly kind = 'memory';
  private readonly topics = new Map<string, Topic>();
  private readonly maxLength: number;
  private closed = false;

  constructor(options: MemoryQueueOptions = {}) {
    this.maxLength = options.maxLength ?? 10_000;
    if (!(Number.isInteger(this.maxLength) && this.maxLength >= 1))
      throw new TypeError(`MemoryQueue: maxLength must be an integer >= 1, got ${this.maxLength}`);
  }

  get connected(): boolean {
    return !this.closed;
  }

  private topic(name: string): Topic {
    let topic = this.topics.get(name);
    if (!topic) this.topics.set(name, (topic = { entries: [], lastSeq: 0, subscribers: new Set(), waiters: new Set(), groups: new Map() }));
    return topic;
  }

  async publish<T>(topicName: string, message: OutgoingMessage<T>): Promise<string> {
    return this.append(topicName, message).id;
  }

  /** Stores a message and tells everyone waiting for it; the synchronous core of publish. */
  append<T>(topicName: string, message: OutgoingMessage<T>): QueueMessage<T> {
    if (this.closed) throw new QueueError('broker_unavailable', 'the in-memory queue is closed');
    const topic = this.topic(topicName);
    const seq = ++topic.lastSeq;
    const publishedAt = Date.now();
    const stored: QueueMessage<T> = {
      id: `${publishedAt}-${seq}`,
      topic: topicName,
      type: message.type,
      key: message.key,
      headers: { ...message.headers },
      body: message.body,
      publishedAt,
      deliveries: 0,
    };
    topic.entries.push({ seq, message: stored });
    if (topic.entries.length > this.maxLength) topic.entries.shift();
    for (const deliver of topic.subscribers) deliver(stored);
    for (const wake of topic.waiters) wake();
    topic.waiters.clear();
    for (const group of topic.groups.values()) for (const wake of group.wakers) wake();
    return stored;
  }

  /**
   * @returns up to `limit` stored messages of `topic` published after the one with id `afterId`
   * (`$` or undefined: none yet, only what comes next; `0`: from the oldest kept).
   */
  read(topicName: string, afterId: string | undefined, limit: number): { messages: QueueMessage[]; lastId: string } {
    const topic = this.topic(topicName);
    const lastId = topic.entries.at(-1)?.message.id ?? `0-${topic.lastSeq}`;
    if (afterId === undefined || afterId === '$') return { messages: [], lastId };
    let afterSeq = seqOf(afterId);
    // An id from before this process started (the host restarted): everything kept is new.
    if (afterSeq > topic.lastSeq) afterSeq = 0;
    const messages: QueueMessage[] = [];
    for (const entry of topic.entries) {
      if (entry.seq > afterSeq) messages.push(entry.message);
      if (messages.length >= limit) break;
    }
    return { messages, lastId: messages.at(-1)?.id ?? afterId };
  }

  /** Resolves when the next message arrives on `topic`, when `signal` aborts, or after `ms`. */
  waitForNext(topicName: string, ms: number, signal?: AbortSignal): Promise<void> {
    const topic = this.topic(topicName);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        topic.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      topic.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  subscribe<T>(topicName: string, handler: MessageHandler<T>, options: SubscribeOptions = {}): Subscription {
    const topic = this.topic(topicName);
    // One chain per subscriber: an async handler sees messages one at a time, in order.
    let tail = Promise.resolve();
    const deliver = (message: QueueMessage) => {
      tail = tail.then(() => handler({ ...message } as QueueMessage<T>)).catch((error: unknown) => options.onError?.(error));
    };
    topic.subscribers.add(deliver);
    return {
      ready: Promise.resolve(),
      close: async () => {
        topic.subscribers.delete(deliver);
      },
    };
  }

  events<T>(topicName: string, options?: { signal?: AbortSignal; bufferSize?: number }): AsyncIterableIterator<QueueMessage<T>> {
    return eventsOf<T>((handler) => this.subscribe(topicName, handler), options);
  }

  consume<T>(topicName: string, groupName: string, handler: MessageHandler<T>, options: ConsumeOptions = {}): Subscription {
    const topic = this.topic(topicName);
    const claimIdleMs = options.claimIdleMs ?? 30_000;
    const maxDeliveries = options.maxDeliveries ?? 5;
    let group = topic.groups.get(groupName);
    // A new group starts at the oldest message kept: nothing published before it is lost.
    if (!group)
      topic.groups.set(groupName, (group = { nextSeq: topic.entries[0]?.seq ?? topic.lastSeq + 1, pending: new Map(), wakers: new Set() }));
    const g = group;
    let stopped = false;
    let wake: (() => void) | undefined;

    /** The next delivery for this consumer: a pending message idle long enough first, then a new one. */
    const take = (now: number): Pending | undefined => {
      for (const pending of g.pending.values()) {
        if (now - pending.deliveredAt >= claimIdleMs) {
          pending.deliveredAt = now;
          pending.deliveries++;
          return pending;
        }
      }
      const entry = topic.entries.find((e) => e.seq >= g.nextSeq);
      if (!entry) return undefined;
      g.nextSeq = entry.seq + 1;
      const pending = { entry, deliveredAt: now, deliveries: 1 };
      g.pending.set(entry.seq, pending);
      return pending;
    };

    const loop = async () => {
      while (!stopped && !this.closed) {
        const pending = take(Date.now());
        if (!pending) {
          // Sleep until a message arrives or the oldest pending one may be claimed again.
          let soonest = Infinity;
          for (const p of g.pending.values()) soonest = Math.min(soonest, p.deliveredAt + claimIdleMs - Date.now());
          await new Promise<void>((resolve) => {
            const timer = Number.isFinite(soonest) ? setTimeout(resolve, Math.max(1, soonest)) : undefined;
            timer?.unref();
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
            g.wakers.add(wake);
          });
          if (wake) g.wakers.delete(wake);
          continue;
        }
        const message = { ...pending.entry.message, deliveries: pending.deliveries } as QueueMessage<T>;
        if (pending.deliveries > maxDeliveries) {
          this.append(`${topicName}.dead`, message);
          g.pending.delete(pending.entry.seq);
          continue;
        }
        try {
          await handler(message);
          g.pending.delete(pending.entry.seq);
        } catch (error) {
          // Left pending: delivered again once idle for claimIdleMs.
          options.onError?.(error, message);
        }
      }
    };
    const running = loop();
    return {
      ready: Promise.resolve(),
      close: async () => {
        stopped = true;
        wake?.();
        await running;
      },
    };
  }

  /** How many messages of `group` on `topic` were delivered and not acknowledged (tests, stats). */
  pendingCount(topicName: string, groupName: string): number {
    return this.topics.get(topicName)?.groups.get(groupName)?.pending.size ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const topic of this.topics.values()) {
      for (const wake of topic.waiters) wake();
      for (const group of topic.groups.values()) for (const wake of group.wakers) wake();
    }
  }
}

function seqOf(id: string): number {
  const seq = Number(id.slice(id.indexOf('-') + 1));
  return Number.isFinite(seq) ? seq : 0;
}

/** A consumer name unique to this process and call, for consumer groups. */
export function consumerName(prefix: string): string {
  return `${prefix}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

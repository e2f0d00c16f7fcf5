import { setTimeout as delay } from 'node:timers/promises';
import { eventsOf } from './eventsOf.js';
import {
  QueueError,
  type MessageHandler,
  type MessageQueue,
  type OutgoingMessage,
  type QueueMessage,
  type SubscribeOptions,
  type Subscription,
} from './MessageQueue.js';

export interface HttpQueueOptions {
  /** Base URL of the embedded broker (serveQueue), e.g. http://127.0.0.1:5007. */
  url: string;
  /** A publish with no answer within this time fails with `publish_timeout`. Default 1000 ms. */
  publishTimeoutMs?: number;
  /** How long one long poll of a subscriber waits at the broker. Default 25000 ms. */
  pollWaitMs?: number;
}

/**
 * A BFF's client of the embedded broker the demo backends host when no broker is configured
 * (serveQueue over a MemoryQueue): publish is a POST, subscribe a long-poll loop that resumes
 * after the last id it saw (nothing is missed across a reconnect while the host keeps it).
 * Consumer groups run beside the embedded broker, in its host process, not through here.
 */
export class HttpQueue implements MessageQueue {
  readonly kind = 'http';
  private readonly base: string;
  private readonly publishTimeoutMs: number;
  private readonly pollWaitMs: number;
  private readonly controllers = new Set<AbortController>();
  private lastOk = true;

  constructor(options: HttpQueueOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.publishTimeoutMs = options.publishTimeoutMs ?? 1000;
    this.pollWaitMs = options.pollWaitMs ?? 25_000;
  }

  /** Whether the last call reached the broker. */
  get connected(): boolean {
    return this.lastOk;
  }

  async publish<T>(topic: string, message: OutgoingMessage<T>): Promise<string> {
    let res: Response;
    try {
      res = await fetch(`${this.base}/topics/${encodeURIComponent(topic)}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: message.type, key: message.key, headers: message.headers, body: message.body }),
        signal: AbortSignal.timeout(this.publishTimeoutMs),
      });
    } catch (error) {
      this.lastOk = false;
      if ((error as Error).name === 'TimeoutError') {
        throw new QueueError('publish_timeout', `the message broker did not answer within ${this.publishTimeoutMs} ms`, { cause: error });
      }
      throw new QueueError('broker_unavailable', 'the message broker cannot be reached', { cause: error });
    }
    const body = (await res.json().catch(() => undefined)) as { id?: unknown } | undefined;
    if (!res.ok || typeof body?.id !== 'string') {
      this.lastOk = res.status < 500;
      throw new QueueError('broker_unavailable', `the message broker answered ${res.status}`);
    }
    this.lastOk = true;
    return body.id;
  }

  subscribe<T>(topic: string, handler: MessageHandler<T>, options: SubscribeOptions = {}): Subscription {
    const controller = new AbortController();
    this.controllers.add(controller);
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const path = `${this.base}/topics/${encodeURIComponent(topic)}/messages`;
    const loop = async () => {
      let after = '$';
      let failures = 0;
      while (!controller.signal.aborted) {
        try {
          const res = await fetch(`${path}?after=${encodeURIComponent(after)}&waitMs=${after === '$' ? 0 : this.pollWaitMs}&limit=500`, {
            signal: controller.signal,
          });
          if (!res.ok) throw new Error(`the message broker answered ${res.status}`);
          const batch = (await res.json()) as { messages: QueueMessage<T>[]; lastId: string };
          failures = 0;
          this.lastOk = true;
          if (after === '$') markReady();
          after = batch.lastId;
          for (const message of batch.messages) {
            try {
              await handler({ ...message, deliveries: 0 });
            } catch (error) {
              options.onError?.(error);
            }
          }
        } catch (error) {
          if (controller.signal.aborted) break;
          this.lastOk = false;
          options.onError?.(error);
          await delay(Math.min(100 * 2 ** failures++, 2_000), undefined, { signal: controller.signal }).catch(() => {});
        }
      }
    };
    const running = loop();
    return {
      ready,
      close: async () => {
        controller.abort();
        this.controllers.delete(controller);
        markReady();
        await running;
      },
    };
  }

  events<T>(topic: string, options?: { signal?: AbortSignal; bufferSize?: number }): AsyncIterableIterator<QueueMessage<T>> {
    return eventsOf<T>((handler) => this.subscribe(topic, handler), options);
  }

  consume(): never {
    throw new TypeError(
      "HttpQueue cannot consume: consumer groups run in the embedded broker's host process; set BROKER_URL=redis://… for consumers elsewhere",
    );
  }

  async close(): Promise<void> {
    for (const controller of this.controllers) controller.abort();
    this.controllers.clear();
  }
}

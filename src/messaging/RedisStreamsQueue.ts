import { setTimeout as delay } from 'node:timers/promises';
import type { RedisClient } from '../redis/connectRedis.js';
import { eventsOf } from './eventsOf.js';
import { consumerName } from './MemoryQueue.js';
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

export interface RedisStreamsQueueOptions {
  /** redis://host:port of the broker. */
  url: string;
  /** A publish that has no answer within this time fails with `publish_timeout`. Default 1000 ms. */
  publishTimeoutMs?: number;
  /** Messages kept per stream (`XADD … MAXLEN ~ n`). Default 100000. */
  maxLength?: number;
  /** Reported on every connection error (the client keeps reconnecting). */
  onError?: (error: unknown) => void;
}

/** An entry as XREAD, XREADGROUP and XAUTOCLAIM answer it in RESP2: [id, [field, value, …]]. */
type RawEntry = [string, string[]] | null;
type RawStreams = [string, RawEntry[]][] | Record<string, RawEntry[]> | Map<string, RawEntry[]> | null;

/** A reader is a blocking loop: at most this long per blocking read, so `close()` is noticed. */
const BLOCK_MS = 1000;

/**
 * The real broker: Redis Streams. A topic is a stream; `publish` is `XADD` (capped with
 * `MAXLEN ~`); `subscribe` is an `XREAD BLOCK` loop on a connection of its own, from the
 * stream's last id at subscribe time (so every replica's subscriber sees every later message);
 * `consume` is a consumer group: `XREADGROUP … >` for new messages, `XAUTOCLAIM` for messages
 * another consumer took and never acknowledged (it died, or its handler failed) once they have
 * been idle `claimIdleMs`, `XACK` after the handler resolved, and `<topic>.dead` for a message
 * delivered more than `maxDeliveries` times. Durable as far as the Redis server is (its AOF/RDB
 * settings).
 *
 * The publishing connection never queues commands while disconnected (node-redis's offline
 * queue is off): a publish during an outage fails at once with `broker_unavailable` instead of
 * piling up, and nothing is ever retried here.
 */
export class RedisStreamsQueue implements MessageQueue {
  readonly kind = 'redis';
  private readonly publishTimeoutMs: number;
  private readonly maxLength: number;
  private readonly readers = new Set<RedisClient>();
  private closed = false;

  private constructor(
    private readonly client: RedisClient,
    options: RedisStreamsQueueOptions,
  ) {
    this.publishTimeoutMs = options.publishTimeoutMs ?? 1000;
    this.maxLength = options.maxLength ?? 100_000;
  }

  /**
   * Starts connecting and returns at once: a broker that is down at start-up leaves the process
   * able to start (and ready); publishes fail with `broker_unavailable` until it is reachable.
   */
  static async create(options: RedisStreamsQueueOptions): Promise<RedisStreamsQueue> {
    const { connectRedis } = await import('../redis/connectRedis.js');
    const client = connectRedis(options.url, 2_000);
    client.on('error', (error: unknown) => options.onError?.(error));
    const queue = new RedisStreamsQueue(client, options);
    client.connect().catch((error: unknown) => options.onError?.(error));
    return queue;
  }

  get connected(): boolean {
    return this.client.isReady;
  }

  async publish<T>(topic: string, message: OutgoingMessage<T>): Promise<string> {
    if (this.closed || !this.client.isReady) throw new QueueError('broker_unavailable', 'the message broker is not connected');
    const command = this.client.sendCommand<string>([
      'XADD',
      topic,
      'MAXLEN',
      '~',
      String(this.maxLength),
      '*',
      'type',
      message.type,
      'key',
      message.key,
      'headers',
      JSON.stringify(message.headers),
      'body',
      JSON.stringify(message.body),
    ]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new QueueError('publish_timeout', `the message broker did not answer within ${this.publishTimeoutMs} ms`)),
        this.publishTimeoutMs,
      );
    });
    try {
      return await Promise.race([command, timeout]);
    } catch (error) {
      if (error instanceof QueueError) {
        command.catch(() => {});
        throw error;
      }
      // Refused before it was sent (offline, closed socket): the message was not stored.
      throw new QueueError('broker_unavailable', 'the message broker refused the publish', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /** A dedicated connection for one blocking loop (a blocked connection can carry nothing else). */
  private async reader(onError: ((error: unknown) => void) | undefined): Promise<RedisClient> {
    const reader = this.client.duplicate();
    reader.on('error', (error: unknown) => onError?.(error));
    this.readers.add(reader);
    await reader.connect();
    return reader;
  }

  subscribe<T>(topic: string, handler: MessageHandler<T>, options: SubscribeOptions = {}): Subscription {
    let lastId: string | undefined;
    return this.readLoop(options.onError, async (reader, markReady) => {
      // The stream's last id now: everything after it is this subscriber's, across reconnects.
      if (lastId === undefined) {
        const last = await reader.sendCommand<RawEntry[]>(['XREVRANGE', topic, '+', '-', 'COUNT', '1']);
        lastId = last[0]?.[0] ?? '0-0';
        markReady();
      }
      const reply = await reader.sendCommand<RawStreams>(['XREAD', 'COUNT', '100', 'BLOCK', String(BLOCK_MS), 'STREAMS', topic, lastId]);
      for (const entry of entriesOf(reply, topic)) {
        if (!entry) continue;
        lastId = entry[0];
        try {
          await handler(toMessage<T>(topic, entry, 0));
        } catch (error) {
          options.onError?.(error);
        }
      }
    });
  }

  /**
   * Runs `step` over and over on a reader connection of its own until closed: a failed step is
   * reported and retried with backoff (100 ms doubling to 2 s). `step` calls `markReady` once
   * reading has begun; closing also settles `ready`.
   */
  private readLoop(
    onError: ((error: unknown) => void) | undefined,
    step: (reader: RedisClient, markReady: () => void) => Promise<void>,
  ): Subscription {
    let stopped = false;
    let reader: RedisClient | undefined;
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const loop = async () => {
      let failures = 0;
      while (!stopped) {
        try {
          reader ??= await this.reader(onError);
          await step(reader, markReady);
          failures = 0;
        } catch (error) {
          if (stopped) break;
          onError?.(error);
          await delay(Math.min(100 * 2 ** failures++, 2_000));
        }
      }
    };
    const running = loop();
    return {
      ready,
      close: async () => {
        stopped = true;
        markReady();
        if (reader) this.drop(reader);
        await running;
      },
    };
  }

  events<T>(topic: string, options?: { signal?: AbortSignal; bufferSize?: number }): AsyncIterableIterator<QueueMessage<T>> {
    return eventsOf<T>((handler) => this.subscribe(topic, handler), options);
  }

  consume<T>(topic: string, group: string, handler: MessageHandler<T>, options: ConsumeOptions = {}): Subscription {
    const consumer = options.consumer ?? consumerName(group);
    const claimIdleMs = options.claimIdleMs ?? 30_000;
    const maxDeliveries = options.maxDeliveries ?? 5;

    const deliver = async (r: RedisClient, entry: [string, string[]], deliveries: number) => {
      const message = toMessage<T>(topic, entry, deliveries);
      if (deliveries > maxDeliveries) {
        await r.sendCommand(['XADD', `${topic}.dead`, '*', ...entry[1]]);
        await r.sendCommand(['XACK', topic, group, message.id]);
        return;
      }
      try {
        await handler(message);
      } catch (error) {
        // Not acknowledged: XAUTOCLAIM hands it out again once it has been idle claimIdleMs.
        options.onError?.(error, message);
        return;
      }
      await r.sendCommand(['XACK', topic, group, message.id]);
    };
    /** How often the group has delivered `id` (XPENDING counts each XREADGROUP and claim). */
    const deliveriesOf = async (r: RedisClient, id: string): Promise<number> => {
      const rows = await r.sendCommand<[string, string, number, number][]>(['XPENDING', topic, group, id, id, '1']);
      return Number(rows[0]?.[3] ?? 1);
    };

    let grouped = false;
    let lastClaim = 0;
    let ownPendingDone = false;
    return this.readLoop(options.onError, async (r, markReady) => {
      if (!grouped) {
        try {
          // From the first message kept: what was published before the group existed is not lost.
          await r.sendCommand(['XGROUP', 'CREATE', topic, group, '0', 'MKSTREAM']);
        } catch (error) {
          if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
        }
        grouped = true;
        markReady();
      }
      if (!ownPendingDone) {
        // What this consumer name was given before a restart and never acknowledged.
        const reply = await r.sendCommand<RawStreams>(['XREADGROUP', 'GROUP', group, consumer, 'COUNT', '100', 'STREAMS', topic, '0']);
        for (const entry of entriesOf(reply, topic)) if (entry) await deliver(r, entry, await deliveriesOf(r, entry[0]));
        ownPendingDone = true;
      }
      if (Date.now() - lastClaim >= Math.min(claimIdleMs, BLOCK_MS)) {
        lastClaim = Date.now();
        const [, claimed] = await r.sendCommand<[string, RawEntry[], string[]]>([
          'XAUTOCLAIM',
          topic,
          group,
          consumer,
          String(claimIdleMs),
          '0-0',
          'COUNT',
          '10',
        ]);
        for (const entry of claimed) if (entry) await deliver(r, entry, await deliveriesOf(r, entry[0]));
      }
      const reply = await r.sendCommand<RawStreams>([
        'XREADGROUP',
        'GROUP',
        group,
        consumer,
        'COUNT',
        '10',
        'BLOCK',
        String(Math.min(claimIdleMs, BLOCK_MS)),
        'STREAMS',
        topic,
        '>',
      ]);
      for (const entry of entriesOf(reply, topic)) if (entry) await deliver(r, entry, 1);
    });
  }

  private drop(reader: RedisClient): void {
    this.readers.delete(reader);
    // destroy(), not close(): a blocked XREAD would otherwise hold close() for up to BLOCK_MS.
    reader.destroy();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const reader of this.readers) reader.destroy();
    this.readers.clear();
    if (this.client.isOpen) await this.client.close();
    else this.client.destroy();
  }
}

/**
 * The entries of `topic` in an XREAD / XREADGROUP reply: RESP2's list of [stream, entries]
 * pairs, or the map node-redis makes of it.
 */
function entriesOf(reply: RawStreams, topic: string): RawEntry[] {
  if (reply === null) return [];
  if (Array.isArray(reply)) return reply.find(([name]) => name === topic)?.[1] ?? [];
  if (reply instanceof Map) return reply.get(topic) ?? [];
  return reply[topic] ?? [];
}

/** A stream entry as a QueueMessage; the id's first part is Redis's own clock (epoch ms). */
function toMessage<T>(topic: string, [id, fields]: [string, string[]], deliveries: number): QueueMessage<T> {
  const map: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i]!] = fields[i + 1]!;
  return {
    id,
    topic,
    type: map.type ?? '',
    key: map.key ?? '',
    headers: parseJson<Record<string, string>>(map.headers) ?? {},
    body: parseJson<T>(map.body) as T,
    publishedAt: Number(id.split('-', 1)[0]),
    deliveries,
  };
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

import { HttpQueue } from './HttpQueue.js';
import { MemoryQueue } from './MemoryQueue.js';
import type { MessageQueue } from './MessageQueue.js';

export interface CreateMessageQueueOptions {
  /** A publish with no answer within this time fails with `publish_timeout`. Default 1000 ms. */
  publishTimeoutMs?: number;
  /** Connection errors of the broker (it keeps reconnecting meanwhile). */
  onError?: (error: unknown) => void;
}

/**
 * The queue a broker URL names: `redis://…` (or `rediss://…`) — Redis Streams, the real
 * broker; `http://…` — the embedded broker that the demo backends host (serveQueue);
 * `memory:` — a queue in this process only (tests, single-process tools).
 *
 * @returns the queue; a Redis one is still connecting (publishes fail until it is).
 * @throws TypeError naming the URL when its scheme is none of these.
 */
export async function createMessageQueue(url: string, options: CreateMessageQueueOptions = {}): Promise<MessageQueue> {
  const scheme = url.slice(0, url.indexOf(':') + 1);
  if (scheme === 'redis:' || scheme === 'rediss:') {
    // Imported only when used: node-redis costs ~18 MB of memory with its modules.
    const { RedisStreamsQueue } = await import('./RedisStreamsQueue.js');
    return RedisStreamsQueue.create({ url, ...options });
  }
  if (scheme === 'http:' || scheme === 'https:') return new HttpQueue({ url, ...options });
  if (scheme === 'memory:') return new MemoryQueue();
  throw new TypeError(`BROKER_URL must be redis://…, http://… or memory:, got ${JSON.stringify(url)}`);
}

import type { MessageQueue, Subscription } from '../messaging/MessageQueue.js';
import { subscribeOrderEvents } from '../messaging/topics.js';
import type { PublicCache } from './PublicCache.js';

/**
 * Invalidation by event where a backend publishes one: an order placed or changing status
 * (`orders.events`) moves the stock of its products, so their cached `stock` entries are
 * dropped at once instead of living out their TTL. Every replica subscribes on its own (the
 * topic fans out), so each drops its own copies. Other kinds (products, list pages) expire by
 * TTL: the demo catalog publishes no change events.
 *
 * @returns the subscription (closed with the server), or undefined when `cache` keeps nothing.
 */
export function invalidateOnOrderEvents(
  queue: MessageQueue,
  cache: PublicCache | undefined,
  onError?: (error: unknown) => void,
): Subscription | undefined {
  if (!cache?.keeps) return undefined;
  return subscribeOrderEvents(
    queue,
    (event) => {
      for (const item of event.order.items) cache.invalidate('stock', item.productId);
    },
    onError,
  );
}

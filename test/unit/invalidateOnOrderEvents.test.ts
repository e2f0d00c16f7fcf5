import assert from 'node:assert/strict';
import { it } from 'node:test';
import { invalidateOnOrderEvents } from '../../src/cache/invalidateOnOrderEvents.js';
import { PublicCache } from '../../src/cache/PublicCache.js';
import type { CallScope } from '../../src/datasources/CallScope.js';
import { MemoryQueue } from '../../src/messaging/MemoryQueue.js';
import { Topics } from '../../src/messaging/topics.js';

// Invalidation by event: an order event on the real (in-memory) queue drops the cached stock
// of the order's products, and only theirs.

it("drops the cached stock of an order's products when the order event arrives", async () => {
  const queue = new MemoryQueue();
  const cache = new PublicCache({ mode: 'memory', collapse: true, maxEntries: 100, policies: { stock: { ttlMs: 600_000, staleMs: 0 } } });
  const scope = { signal: new AbortController().signal } as CallScope;
  let calls = 0;
  const stock = (ids: string[]) =>
    cache.getMany(
      'stock',
      scope,
      ids,
      (s: { productId: string }) => s.productId,
      async (_s, keys) => {
        calls++;
        return keys.map((productId) => ({ productId, totalAvailable: 3 }));
      },
    );
  await stock(['p-1', 'p-2', 'p-3']);
  assert.equal(calls, 1);
  const subscription = invalidateOnOrderEvents(queue, cache)!;
  await subscription.ready;
  try {
    const order = {
      id: 'o-1',
      userId: 'u-1',
      status: 'ORDER_STATUS_PENDING',
      items: [{ productId: 'p-2', quantity: 1, unitPriceCents: 100 }],
      createdAtMs: 1,
      updatedAtMs: 1,
      totalCents: 100,
      currency: 'EUR',
    };
    await queue.publish(Topics.orderEvents, { type: 'order.placed', key: 'o-1', headers: {}, body: { kind: 'ORDER_PLACED', order } });
    while (cache.size !== 2) await new Promise((resolve) => setImmediate(resolve));
    await stock(['p-1', 'p-3']);
    assert.equal(calls, 1, 'the other products stay cached');
    await stock(['p-2']);
    assert.equal(calls, 2, 'the ordered product is fetched again');
  } finally {
    await subscription.close();
    await queue.close();
  }
});

it('subscribes to nothing when the cache keeps nothing', () => {
  const cache = new PublicCache({ mode: 'off', collapse: true, maxEntries: 100, policies: {} });
  assert.equal(invalidateOnOrderEvents(new MemoryQueue(), cache), undefined);
  assert.equal(invalidateOnOrderEvents(new MemoryQueue(), undefined), undefined);
});

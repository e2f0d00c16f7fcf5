import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { seed } from '../../backends/seed/seedData.js';
import { metricValue } from '../fixtures/metricValue.js';
import { operation } from '../fixtures/operations.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBffProcess, type BffProcess } from '../fixtures/startBffProcess.js';
import { gql, tokenFor } from '../fixtures/startBffs.js';
import { hasRedisServer, requireRedis, startRedis, type RedisProcess } from '../fixtures/startRedis.js';

// The web dashboard's `orderEvents` across replicas: two bff-web processes on one redis-server
// broker, each followed by a real graphql-ws client; the orders service (its own process)
// publishes to the broker. Each replica holds its own fan-out subscription to `orders.events`,
// so both clients get every event, in the broker's order, as full rows.

const USER = 'u-00042';
let redis: RedisProcess | undefined;
let backends: BackendsProcess | undefined;
const bffs: BffProcess[] = [];
const clients: Client[] = [];

before(async () => {
  if (!hasRedisServer()) return;
  redis = await startRedis();
  backends = await startBackendsProcess({ BROKER_URL: redis.url });
  const env = { BROKER_URL: redis.url };
  bffs.push(
    ...(await Promise.all([
      startBffProcess('web', backends, env),
      startBffProcess('web', backends, env),
      startBffProcess('mobile', backends, env),
    ])),
  );
});
after(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await Promise.all(bffs.map((b) => b.kill()));
  await backends?.stop();
  await redis?.stop();
});

interface Row {
  kind: string;
  order: { id: string; status: string; itemCount: number; customer: { id: string } };
}

test('two bff-web replicas on one Redis broker: each graphql-ws client gets every order event, in order, as full rows', async (t) => {
  if (!requireRedis(t)) return;
  const [webA, webB, mobile] = bffs as [BffProcess, BffProcess, BffProcess];
  const staff = await tokenFor(backends!, 'u-00001', 'orders:read:all');
  const feeds = [webA, webB].map((web) => {
    const rows: Row[] = [];
    const waiters: (() => void)[] = [];
    const client = createClient({
      url: web.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { Authorization: `Bearer ${staff}` },
    });
    clients.push(client);
    const errors: unknown[] = [];
    client.subscribe(
      { query: operation('web', 'OrderEvents').query },
      {
        next: (value) => {
          const event = value as { data?: { orderEvents: Row }; errors?: unknown[] };
          if (event.errors) errors.push(event.errors);
          else rows.push(event.data!.orderEvents);
          for (const wake of waiters.splice(0)) wake();
        },
        error: (error) => errors.push(error),
        complete: () => errors.push('completed'),
      },
    );
    return { web, rows, errors, changed: () => new Promise<void>((resolve) => waiters.push(resolve)) };
  });
  // Each replica's feed reads the broker from when it runs: wait until both run.
  for (const feed of feeds) {
    while ((await metricValue(feed.web.adminOrigin, 'bff_subscriptions_active', { field: 'orderEvents' })) !== 1)
      await new Promise((resolve) => setTimeout(resolve, 25));
  }

  const stock = seed.stock.find((s) => s.totalAvailable > 10)!.productId;
  const price = seed.products.find((p) => p.id === stock)!.price.amountCents;
  const placed = await gql<{ placeOrder: { order: { id: string } } }>(
    mobile.url,
    operation('mobile', 'PlaceOrder').query,
    {
      input: { items: [{ productId: stock, quantity: 2, expectedUnitPriceCents: price }], idempotencyKey: `replicas-ws-${process.pid}` },
    },
    { authorization: `Bearer ${await tokenFor(backends!, USER)}` },
  );
  assert.equal(placed.body.errors, undefined, JSON.stringify(placed.body.errors));
  const orderId = placed.body.data!.placeOrder.order.id;
  for (let i = 0; i < 3; i++) await fetch(`${backends!.urls.admin}/orders/advance`, { method: 'POST' });

  const mine = (rows: Row[]) => rows.filter((r) => r.order.id === orderId);
  for (const feed of feeds) {
    while (mine(feed.rows).length < 4 && feed.errors.length === 0) await feed.changed();
  }
  for (const feed of feeds) {
    assert.deepEqual(feed.errors, []);
    assert.deepEqual(
      mine(feed.rows).map((r) => [r.kind, r.order.status]),
      [
        ['CREATED', 'PENDING'],
        ['UPDATED', 'PAID'],
        ['UPDATED', 'SHIPPED'],
        ['UPDATED', 'DELIVERED'],
      ],
    );
    for (const row of mine(feed.rows)) {
      assert.equal(row.order.itemCount, 2);
      assert.equal(row.order.customer.id, USER);
    }
  }
  // The same rows from both replicas (each resolved its own, from the same events).
  assert.deepEqual(mine(feeds[0]!.rows), mine(feeds[1]!.rows));
});

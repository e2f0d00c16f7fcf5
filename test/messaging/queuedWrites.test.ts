import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { seed } from '../../backends/seed/seedData.js';
import { subscribeOrderEvents, type OrderEvent } from '../../src/messaging/topics.js';
import { operation } from '../fixtures/operations.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';

// The embedded default (`npm start`, no broker configured): the backends process hosts the
// queue, the BFFs publish to it over HTTP and follow order events from it; the returns and
// analytics consumers run beside it, verify the identity and de-duplicate by key.

let backends: BackendsProcess;
let mobile: RunningBff;
const USER = 'u-00031';
const REQUEST_RETURN = operation('mobile', 'RequestReturn').query;
const TRACK_EVENT = operation('mobile', 'TrackEvent').query;
const ownOrder = seed.orders.find((o) => o.userId === USER)!;
const otherOrder = seed.orders.find((o) => o.userId !== USER)!;
let auth: Record<string, string>;

interface Consumers {
  returns: { deliveries: number; processed: number; duplicates: number; refused: number };
  analytics: { deliveries: number; counted: Record<string, number>; duplicates: number; refused: number };
}
const consumers = async (): Promise<Consumers> => (await (await fetch(`${backends.urls.admin}/consumers`)).json()) as Consumers;

const poll = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Polls the consumers' counts until `done` holds: the consumers work after the mutation has answered. */
async function consumersWhen(done: (c: Consumers) => boolean): Promise<Consumers> {
  for (;;) {
    const c = await consumers();
    if (done(c)) return c;
    await poll();
  }
}

before(async () => {
  backends = await startBackendsProcess();
  mobile = await startBff('mobile', backends);
  auth = { authorization: `Bearer ${await tokenFor(backends, USER)}` };
});
after(async () => {
  await mobile?.close();
  await backends?.stop();
});

describe('requestReturn (queued)', () => {
  test('answers a ticket at once; the returns service makes it once per idempotency key', async () => {
    const start = await consumers();
    const callsBefore = Object.values(await backends.admin.stats()).reduce((n, s) => n + s.calls, 0);
    const headers = {
      ...auth,
      'idempotency-key': `ret-${process.pid}-1`,
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    };
    const first = await gql<{ requestReturn: { ticketId: string; orderId: string } }>(
      mobile.url,
      REQUEST_RETURN,
      { orderId: ownOrder.id, reason: 'too small' },
      headers,
    );
    assert.equal(first.status, 200);
    assert.equal(first.body.errors, undefined);
    assert.match(first.body.data!.requestReturn.ticketId, /^rt-[0-9a-f]{20}$/);
    assert.equal(first.body.data!.requestReturn.orderId, ownOrder.id);
    // A retry with the same key is the same request: same ticket, and no second ticket.
    const retry = await gql<{ requestReturn: { ticketId: string } }>(
      mobile.url,
      REQUEST_RETURN,
      { orderId: ownOrder.id, reason: 'too small' },
      headers,
    );
    assert.equal(retry.body.data!.requestReturn.ticketId, first.body.data!.requestReturn.ticketId);
    const c = await consumersWhen((c) => c.returns.deliveries >= start.returns.deliveries + 2);
    assert.equal(c.returns.processed - start.returns.processed, 1);
    assert.equal(c.returns.duplicates - start.returns.duplicates, 1);
    assert.equal(c.returns.refused - start.returns.refused, 0);
    // The queued write made no synchronous backend call.
    assert.equal(
      Object.values(await backends.admin.stats()).reduce((n, s) => n + s.calls, 0),
      callsBefore,
    );
  });

  test('a new key is a new ticket; without a key every call is a new one', async () => {
    const a = await gql<{ requestReturn: { ticketId: string } }>(
      mobile.url,
      REQUEST_RETURN,
      { orderId: ownOrder.id },
      { ...auth, 'idempotency-key': `ret-${process.pid}-2` },
    );
    const b = await gql<{ requestReturn: { ticketId: string } }>(mobile.url, REQUEST_RETURN, { orderId: ownOrder.id }, auth);
    const c = await gql<{ requestReturn: { ticketId: string } }>(mobile.url, REQUEST_RETURN, { orderId: ownOrder.id }, auth);
    const ids = new Set([a, b, c].map((r) => r.body.data!.requestReturn.ticketId));
    assert.equal(ids.size, 3);
  });

  test('needs a signed-in user, and refuses a malformed idempotency key before queueing anything', async () => {
    const start = await consumers();
    const anonymous = await gql(mobile.url, REQUEST_RETURN, { orderId: ownOrder.id });
    assert.equal(anonymous.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    const badKey = await gql(mobile.url, REQUEST_RETURN, { orderId: ownOrder.id }, { ...auth, 'idempotency-key': 'has spaces in it' });
    assert.equal(badKey.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(badKey.body.errors?.[0]?.extensions?.reason, 'idempotency_key');
    // Sent after the refusals: once it is counted, the refused ones would have been too.
    await gql(mobile.url, REQUEST_RETURN, { orderId: otherOrder.id }, auth);
    const c = await consumersWhen((c) => c.returns.deliveries > start.returns.deliveries);
    assert.equal(c.returns.deliveries - start.returns.deliveries, 1);
  });
});

describe('trackEvent (queued)', () => {
  test('anonymous and signed-in events are counted once per key', async () => {
    const start = await consumers();
    const input = { name: 'screen_viewed', properties: [{ key: 'screen', value: 'home' }], idempotencyKey: `ev-${process.pid}-1` };
    const first = await gql<{ trackEvent: { eventId: string } }>(mobile.url, TRACK_EVENT, { input });
    assert.equal(first.body.errors, undefined);
    const again = await gql<{ trackEvent: { eventId: string } }>(mobile.url, TRACK_EVENT, { input });
    assert.equal(again.body.data!.trackEvent.eventId, first.body.data!.trackEvent.eventId);
    // The same client key from a signed-in user is another user's event.
    const user = await gql<{ trackEvent: { eventId: string } }>(mobile.url, TRACK_EVENT, { input }, auth);
    assert.notEqual(user.body.data!.trackEvent.eventId, first.body.data!.trackEvent.eventId);
    const c = await consumersWhen((c) => c.analytics.deliveries >= start.analytics.deliveries + 3);
    assert.equal((c.analytics.counted.screen_viewed ?? 0) - (start.analytics.counted.screen_viewed ?? 0), 2);
    assert.equal(c.analytics.duplicates - start.analytics.duplicates, 1);
    assert.equal(c.analytics.refused, 0);
  });

  test('a bad event name or too many properties is BAD_USER_INPUT', async () => {
    const bad = await gql(mobile.url, TRACK_EVENT, { input: { name: 'Not An Event' } });
    assert.equal(bad.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const many = Array.from({ length: 21 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    const tooMany = await gql(mobile.url, TRACK_EVENT, { input: { name: 'ok', properties: many } });
    assert.equal(tooMany.body.errors?.[0]?.extensions?.reason, 'event_properties');
  });
});

describe('order events (embedded broker)', () => {
  test('two BFF replicas both follow the orders service: placed, then each status change, in order', async () => {
    const [a, b] = await Promise.all([startBff('web', backends), startBff('web', backends)]);
    try {
      const seen: [OrderEvent[], OrderEvent[]] = [[], []];
      const subs = [a, b].map((bff, i) => subscribeOrderEvents(bff.server.queue, (event) => void seen[i]!.push(event)));
      await Promise.all(subs.map((s) => s.ready));
      const product = seed.stock.find((s) => s.totalAvailable > 10)!.productId;
      const price = seed.products.find((p) => p.id === product)!.price.amountCents;
      const placed = await gql<{ placeOrder: { order: { id: string } } }>(
        mobile.url,
        operation('mobile', 'PlaceOrder').query,
        {
          input: { items: [{ productId: product, quantity: 1, expectedUnitPriceCents: price }], idempotencyKey: `evt-${process.pid}` },
        },
        auth,
      );
      const orderId = placed.body.data!.placeOrder.order.id;
      await fetch(`${backends.urls.admin}/orders/advance`, { method: 'POST' });
      const mine = (events: OrderEvent[]) => events.filter((e) => e.order.id === orderId);
      for (;;) {
        if (seen.every((events) => mine(events).length >= 2)) break;
        await poll();
      }
      for (const events of seen) {
        assert.deepEqual(
          mine(events).map((e) => [e.kind, e.order.status, e.previousStatus]),
          [
            ['ORDER_PLACED', 'ORDER_STATUS_PENDING', undefined],
            ['ORDER_STATUS_CHANGED', 'ORDER_STATUS_PAID', 'ORDER_STATUS_PENDING'],
          ],
        );
        assert.equal(mine(events)[0]!.order.userId, USER);
      }
      // Both replicas saw the same events under the same broker ids.
      assert.deepEqual(
        mine(seen[0]).map((e) => e.id),
        mine(seen[1]).map((e) => e.id),
      );
      await Promise.all(subs.map((s) => s.close()));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

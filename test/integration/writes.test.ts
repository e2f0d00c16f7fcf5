import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { after, before, beforeEach, describe, test } from 'node:test';
import { seed } from '../../backends/seed/seedData.js';
import { operation } from '../fixtures/operations.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';

// Writes: expected outcomes are result types, a write reaches its backend at most once, and an
// outcome we cannot know is reported as such — never as success, never as a plain failure.

let backends: BackendsProcess;
let mobile: RunningBff;
let web: RunningBff;
let token: string;
const USER = 'u-00020';
const PLACE_ORDER = operation('mobile', 'PlaceOrder').query;
const UPDATE_PROFILE = operation('mobile', 'UpdateProfile').query;

const inStock = seed.stock.find((s) => s.totalAvailable > 10)!;
const soldOut = seed.stock.find((s) => s.totalAvailable === 0)!;
const priceOf = (id: string) => seed.products.find((p) => p.id === id)!.price.amountCents;

before(async () => {
  backends = await startBackendsProcess();
  [mobile, web] = await Promise.all([startBff('mobile', backends), startBff('web', backends)]);
  token = await tokenFor(backends, USER);
});
after(async () => {
  await Promise.all([mobile?.close(), web?.close()]);
  await backends?.stop();
});
beforeEach(() => backends.admin.reset());

const auth = () => ({ authorization: `Bearer ${token}` });
let keyCounter = 0;
const input = (productId: string, quantity: number, expectedUnitPriceCents = priceOf(productId)) => ({
  input: { items: [{ productId, quantity, expectedUnitPriceCents }], idempotencyKey: `test-${process.pid}-${++keyCounter}` },
});

describe('placeOrder', () => {
  test('placed: the order comes back and shows first in the viewer order history', async () => {
    const res = await gql<{ placeOrder: any }>(mobile.url, PLACE_ORDER, input(inStock.productId, 1), auth());
    assert.equal(res.body.errors, undefined);
    const result = res.body.data!.placeOrder;
    assert.equal(result.__typename, 'OrderPlaced');
    assert.equal(result.order.status, 'PENDING');
    assert.equal(result.order.itemCount, 1);
    const history = await gql<{ myOrders: any }>(mobile.url, operation('mobile', 'OrderHistory').query, { first: 1 }, auth());
    assert.equal(history.body.data!.myOrders.orders[0].id, result.order.id);
  });

  test('the example variables beside the operation (PlaceOrder.variables.json) place an order', async () => {
    const example = operation('mobile', 'PlaceOrder');
    // Through bff-web (its Money is an object): the mobile BFF here has a 300 ms backend deadline.
    const res = await gql<{ placeOrder: any }>(
      web.url,
      example.query.replace(/total\n/, 'total { formatted }\n'),
      example.variables,
      auth(),
    );
    assert.equal(res.body.errors, undefined);
    assert.equal(res.body.data!.placeOrder.__typename, 'OrderPlaced');
  });

  test('the same idempotency key places the order once', async () => {
    const variables = input(inStock.productId, 1);
    const first = await gql<{ placeOrder: any }>(mobile.url, PLACE_ORDER, variables, auth());
    const second = await gql<{ placeOrder: any }>(
      web.url,
      operation('mobile', 'PlaceOrder').query.replace(/total\n/, 'total { formatted }\n'),
      variables,
      auth(),
    );
    assert.equal(second.body.errors, undefined);
    assert.equal(second.body.data!.placeOrder.order.id, first.body.data!.placeOrder.order.id);
  });

  test('out of stock is a result type, not an error', async () => {
    const res = await gql<{ placeOrder: any }>(mobile.url, PLACE_ORDER, input(soldOut.productId, 1), auth());
    assert.equal(res.body.errors, undefined);
    assert.deepEqual(res.body.data!.placeOrder, { __typename: 'OutOfStock', productId: soldOut.productId, requested: 1, available: 0 });
  });

  test('a changed price is a result type carrying both prices', async () => {
    const actual = priceOf(inStock.productId);
    const res = await gql<{ placeOrder: any }>(mobile.url, PLACE_ORDER, input(inStock.productId, 1, actual + 100), auth());
    assert.deepEqual(res.body.data!.placeOrder, {
      __typename: 'PriceChanged',
      productId: inStock.productId,
      expectedUnitPriceCents: actual + 100,
      actualUnitPriceCents: actual,
    });
  });

  test('an unknown product is BAD_USER_INPUT from the orders backend', async () => {
    const res = await gql(mobile.url, PLACE_ORDER, input('p-99999', 1, 100), auth());
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(res.body.errors?.[0]?.extensions?.upstream, 'orders');
  });

  test('orders slow past the deadline: OUTCOME_UNKNOWN, and the write was sent exactly once', async () => {
    // The deadline under test is the only short one: orders alone, on a BFF of its own.
    const bff = await startBff('mobile', backends, { ORDERS_TIMEOUT_MS: '300' });
    try {
      await backends.admin.faults({ orders: { latencyMs: 3000 } });
      const res = await gql<{ placeOrder: unknown }>(bff.url, PLACE_ORDER, input(inStock.productId, 1), auth());
      assert.equal(res.body.data, null);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'OUTCOME_UNKNOWN');
      assert.equal(res.body.errors?.[0]?.extensions?.upstream, 'orders');
      assert.equal((await backends.admin.stats()).orders.byOperation.PlaceOrder, 1);
    } finally {
      await bff.close();
    }
  });

  test('orders unavailable after sending: OUTCOME_UNKNOWN, never retried', async () => {
    await backends.admin.faults({ orders: { errorRate: 1, grpcCode: 'UNAVAILABLE' } });
    const res = await gql(mobile.url, PLACE_ORDER, input(inStock.productId, 1), auth());
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'OUTCOME_UNKNOWN');
    assert.equal((await backends.admin.stats()).orders.byOperation.PlaceOrder, 1);
  });

  test('orders not reachable at all: UPSTREAM_UNAVAILABLE (known not to be placed)', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    server.close();
    await once(server, 'close');
    const bff = await startBff('mobile', backends, { ORDERS_ADDR: `127.0.0.1:${port}` });
    try {
      const res = await gql(bff.url, PLACE_ORDER, input(inStock.productId, 1), auth());
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE');
      assert.equal(res.body.errors?.[0]?.extensions?.reason, 'connect_refused');
    } finally {
      await bff.close();
    }
  });

  test('anonymous: UNAUTHENTICATED, and the orders backend is not called', async () => {
    const res = await gql(mobile.url, PLACE_ORDER, input(inStock.productId, 1));
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.equal((await backends.admin.stats()).orders.calls, 0);
  });
});

describe('updateProfile', () => {
  test('updated: the new name is what the users service stored', async () => {
    const res = await gql<{ updateProfile: any }>(mobile.url, UPDATE_PROFILE, { input: { name: 'Grace Hopper' } }, auth());
    assert.equal(res.body.errors, undefined);
    assert.deepEqual(res.body.data!.updateProfile, { __typename: 'ProfileUpdated', viewer: { id: USER, firstName: 'Grace' } });
    const viewer = await gql<{ viewer: any }>(web.url, '{ viewer { id name } }', {}, auth());
    assert.equal(viewer.body.data!.viewer.name, 'Grace Hopper');
  });

  test('rejected by the users service (422): ProfileRejected naming the field', async () => {
    const res = await gql<{ updateProfile: any }>(mobile.url, UPDATE_PROFILE, { input: { email: 'not-an-email' } }, auth());
    assert.equal(res.body.errors, undefined);
    assert.equal(res.body.data!.updateProfile.__typename, 'ProfileRejected');
    assert.equal(res.body.data!.updateProfile.field, 'email');
  });

  test('users answers 500 to the write: OUTCOME_UNKNOWN, sent once', async () => {
    await backends.admin.faults({ users: { errorRate: 1, httpStatus: 500 } });
    const res = await gql(mobile.url, UPDATE_PROFILE, { input: { name: 'X' } }, auth());
    // A 500 does not say whether the write was applied before the failure: say so.
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'OUTCOME_UNKNOWN');
    assert.equal((await backends.admin.stats()).users.byOperation['PATCH /users/:id'], 1);
  });
});

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { operation } from '../fixtures/operations.js';
import { DEAD_PORT } from '../fixtures/deadPort.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type GqlResponse, type RunningBff } from '../fixtures/startBffs.js';

// A failing backend nulls only the fields it feeds: the rest of the response arrives, with
// path-tagged errors whose code and upstream say what failed; and the BFF keeps serving.

let backends: BackendsProcess;
let web: RunningBff;
let staff: string;
const ORDERS_TABLE = operation('web', 'OrdersTable').query;

before(async () => {
  backends = await startBackendsProcess();
  // Default deadlines: on a loaded machine a short one would time out calls these tests expect to
  // succeed. The deadline tests start their own BFF with a short deadline on the one slow backend.
  web = await startBff('web', backends, { BREAKER_THRESHOLD: '1000' });
  staff = await tokenFor(backends, 'u-00001', 'orders:read:all customers:read');
});
after(async () => {
  await web?.close();
  await backends?.stop();
});
beforeEach(() => backends.admin.reset());

const table = (bff: RunningBff = web) => gql<{ orders: any }>(bff.url, ORDERS_TABLE, { first: 10 }, { authorization: `Bearer ${staff}` });

function assertFieldErrors(res: GqlResponse, code: string, upstream: string, field: string) {
  assert.equal(res.status, 200);
  assert.ok(res.body.errors && res.body.errors.length > 0, 'expected errors');
  for (const error of res.body.errors!) {
    assert.equal(error.extensions?.code, code);
    assert.equal(error.extensions?.upstream, upstream);
    assert.equal(error.path?.at(-1), field);
    assert.equal(typeof error.extensions?.requestId, 'string');
  }
}

test('inventory down (nothing listening): stock is null, everything else arrives', async () => {
  const bff = await startBff('web', backends, { INVENTORY_ADDR: `127.0.0.1:${DEAD_PORT}` });
  try {
    const res = await table(bff);
    assertFieldErrors(res, 'UPSTREAM_UNAVAILABLE', 'inventory', 'stock');
    const nodes = res.body.data!.orders.nodes;
    assert.equal(nodes.length, 10);
    for (const order of nodes) {
      assert.equal(typeof order.customer.name, 'string');
      for (const item of order.items) {
        assert.equal(typeof item.product.title, 'string');
        assert.equal(item.product.stock, null);
      }
    }
  } finally {
    await bff.close();
  }
});

test('users answers 500: customers are null with UPSTREAM_ERROR naming users', async () => {
  await backends.admin.faults({ users: { errorRate: 1, httpStatus: 500 } });
  const res = await table();
  assertFieldErrors(res, 'UPSTREAM_ERROR', 'users', 'customer');
  for (const order of res.body.data!.orders.nodes) {
    assert.equal(order.customer, null);
    assert.ok(order.items.every((i: any) => typeof i.product.title === 'string'));
  }
});

test('catalog answers garbage: products are null with UPSTREAM_BAD_RESPONSE naming catalog', async () => {
  await backends.admin.faults({ catalog: { garbageRate: 1 } });
  const res = await table();
  assertFieldErrors(res, 'UPSTREAM_BAD_RESPONSE', 'catalog', 'product');
  for (const order of res.body.data!.orders.nodes) {
    assert.equal(typeof order.customer.name, 'string');
    assert.ok(order.items.every((i: any) => i.product === null));
  }
});

test('inventory answers ids nobody asked for (gRPC garbage): UPSTREAM_BAD_RESPONSE', async () => {
  await backends.admin.faults({ inventory: { garbageRate: 1 } });
  const res = await table();
  assertFieldErrors(res, 'UPSTREAM_BAD_RESPONSE', 'inventory', 'stock');
});

test('orders answers a gRPC error: the orders field is null with the translated code', async () => {
  await backends.admin.faults({ orders: { errorRate: 1, grpcCode: 'INTERNAL' } });
  const res = await table();
  assertFieldErrors(res, 'UPSTREAM_ERROR', 'orders', 'orders');
  assert.equal(res.body.data!.orders, null);
  assert.equal(res.body.errors![0]!.extensions!.reason, 'grpc_INTERNAL');
});

/** Runs `check` against a web BFF whose deadline for `backend` alone is 300 ms (the deadline under test). */
async function withShortDeadline(backend: 'orders' | 'users', check: (bff: RunningBff) => Promise<void>) {
  const bff = await startBff('web', backends, { [`${backend.toUpperCase()}_TIMEOUT_MS`]: '300', BREAKER_THRESHOLD: '1000' });
  try {
    await check(bff);
  } finally {
    await bff.close();
  }
}

test('orders slow past its deadline: UPSTREAM_TIMEOUT, and no other backend is called', async () => {
  await backends.admin.faults({ orders: { latencyMs: 3000 } });
  await withShortDeadline('orders', async (bff) => {
    const res = await table(bff);
    assertFieldErrors(res, 'UPSTREAM_TIMEOUT', 'orders', 'orders');
    assert.deepEqual(res.body.extensions!.fanout!.totals.byBackend, { orders: 1 });
  });
});

test('a slow REST backend times out too (users, 300 ms deadline)', async () => {
  await backends.admin.faults({ users: { latencyMs: 3000 } });
  await withShortDeadline('users', async (bff) => {
    const res = await table(bff);
    assertFieldErrors(res, 'UPSTREAM_TIMEOUT', 'users', 'customer');
  });
});

test('reviews (GraphQL) answers 500: review fields are null, the product still arrives', async () => {
  await backends.admin.faults({ reviews: { errorRate: 1, httpStatus: 500 } });
  const res = await gql<{ product: any }>(web.url, operation('web', 'ProductPage').query, { id: 'p-00042' });
  assert.equal(res.body.data!.product.id, 'p-00042');
  assert.equal(res.body.data!.product.reviewSummary, null);
  assert.equal(res.body.data!.product.reviews, null);
  assert.ok(res.body.errors!.every((e) => e.extensions!.upstream === 'reviews' && e.extensions!.code === 'UPSTREAM_ERROR'));
});

test('reviews answers garbage: UPSTREAM_BAD_RESPONSE naming reviews', async () => {
  await backends.admin.faults({ reviews: { garbageRate: 1 } });
  const res = await gql<{ product: any }>(web.url, '{ product(id: "p-00042") { id reviewSummary { count } } }');
  assert.equal(res.body.data!.product.id, 'p-00042');
  assert.equal(res.body.errors![0]!.extensions!.code, 'UPSTREAM_BAD_RESPONSE');
  assert.equal(res.body.errors![0]!.extensions!.upstream, 'reviews');
});

test('an unavailable read is retried once; it then succeeds and the client sees no error', async () => {
  // errorRate 0.5 fails every second call: call 1 passes, call 2 fails, its retry (call 3) passes.
  await backends.admin.faults({ inventory: { errorRate: 0.5, grpcCode: 'UNAVAILABLE' } });
  const query = '{ product(id: "p-00042") { stock { totalAvailable } } }';
  assert.equal((await gql(web.url, query)).body.errors, undefined);
  const res = await gql<{ product: any }>(web.url, query);
  assert.equal(res.body.errors, undefined);
  assert.equal(typeof res.body.data!.product.stock.totalAvailable, 'number');
  assert.equal((await backends.admin.stats()).inventory.calls, 3);
  // One logical call in the receipt, whatever the attempts.
  assert.equal(res.body.extensions!.fanout!.totals.byBackend.inventory, 1);
});

test('the BFF keeps serving: after the faults clear, the same request is whole again', async () => {
  await backends.admin.faults({ users: { errorRate: 1 }, inventory: { errorRate: 1 } });
  assert.ok((await table()).body.errors);
  await backends.admin.faults({ users: {}, inventory: {} });
  const res = await table();
  assert.equal(res.body.errors, undefined);
  assert.equal(res.body.data!.orders.nodes.length, 10);
});

test('an open circuit fails fast without calling the backend', async () => {
  const bff = await startBff('web', backends, { BREAKER_THRESHOLD: '2', UPSTREAM_RETRIES: '0' });
  try {
    await backends.admin.faults({ inventory: { errorRate: 1 } });
    const query = '{ product(id: "p-00042") { id stock { totalAvailable } } }';
    for (let i = 0; i < 2; i++) await gql(bff.url, query);
    const callsBefore = (await backends.admin.stats()).inventory.calls;
    const res = await gql<{ product: any }>(bff.url, query);
    assert.equal((await backends.admin.stats()).inventory.calls, callsBefore);
    assert.equal(res.body.data!.product.id, 'p-00042');
    assert.equal(res.body.errors![0]!.extensions!.code, 'UPSTREAM_UNAVAILABLE');
    assert.equal(res.body.errors![0]!.extensions!.reason, 'circuit_open');
  } finally {
    await bff.close();
  }
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { operation } from '../fixtures/operations.js';
import { startBackendsProcess, type BackendsProcess, type BackendStats } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';

// The N+1 guard: backend calls per request equal the backends touched per query level,
// whatever the list length — counted both by the fan-out receipt and by the backends.

let backends: BackendsProcess;
let web: RunningBff;
let mobile: RunningBff;
let staff: string;
let user: string;

before(async () => {
  backends = await startBackendsProcess();
  [web, mobile] = await Promise.all([startBff('web', backends), startBff('mobile', backends)]);
  staff = await tokenFor(backends, 'u-00001', 'orders:read:all customers:read');
  user = await tokenFor(backends, 'u-00003');
});
after(async () => {
  await Promise.all([web?.close(), mobile?.close()]);
  await backends?.stop();
});

const totalCalls = (stats: BackendStats) => Object.values(stats).reduce((n, s) => n + s.calls, 0);

for (const first of [10, 50]) {
  test(`OrdersTable over ${first} orders: one call per backend per level (4), counted by receipt and backends`, async () => {
    const { query } = operation('web', 'OrdersTable');
    const before = await backends.admin.stats();
    const res = await gql(web.url, query, { first }, { authorization: `Bearer ${staff}` });
    const afterStats = await backends.admin.stats();
    assert.equal(res.body.errors, undefined);
    const fanout = res.body.extensions!.fanout!;
    // Level 1: orders. Level 2: customers (users) and products (catalog). Level 3: stock (inventory).
    assert.deepEqual(fanout.totals.byBackend, { orders: 1, users: 1, catalog: 1, inventory: 1 });
    assert.equal(fanout.totals.calls, 4);
    assert.equal(totalCalls(afterStats) - totalCalls(before), 4);
    const protocols = Object.fromEntries(fanout.calls.map((c) => [c.backend, c.protocol]));
    assert.deepEqual(protocols, { orders: 'grpc', users: 'rest', catalog: 'rest', inventory: 'grpc' });
    // Every product id of the page went out in the one catalog call, each once.
    const nodes = (res.body.data as any).orders.nodes as { items: { product: { id: string } }[] }[];
    const distinctProducts = new Set(nodes.flatMap((o) => o.items.map((i) => i.product.id)));
    assert.equal(fanout.calls.find((c) => c.backend === 'catalog')!.keys, distinctProducts.size);
  });
}

test('an order list fetches only the joins its selection asks for (the prefetch looks ahead, and not past @skip)', async () => {
  const auth = { authorization: `Bearer ${staff}` };
  const byBackend = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await gql(web.url, query, variables, auth);
    assert.equal(res.body.errors, undefined);
    return res.body.extensions!.fanout!.totals.byBackend;
  };
  assert.deepEqual(await byBackend('{ orders(first: 20) { nodes { id customer { name } } } }'), { orders: 1, users: 1 });
  assert.deepEqual(await byBackend('{ orders(first: 20) { nodes { items { product { title } } } } }'), { orders: 1, catalog: 1 });
  assert.deepEqual(
    await byBackend(
      'query($s: Boolean!) { orders(first: 20) { nodes { items @skip(if: $s) { product { stock { totalAvailable } } } } } }',
      { s: true },
    ),
    { orders: 1 },
  );
  assert.deepEqual(
    await byBackend(
      'query($s: Boolean!) { orders(first: 20) { nodes { items @skip(if: $s) { product { stock { totalAvailable } } } } } }',
      { s: false },
    ),
    { orders: 1, catalog: 1, inventory: 1 },
  );
});

test("when the catalog fails, each line item's product is an error at its own path and stock is never asked for", async () => {
  await backends.admin.faults({ catalog: { errorRate: 1 } });
  try {
    const res = await gql(web.url, operation('web', 'OrdersTable').query, { first: 5 }, { authorization: `Bearer ${staff}` });
    assert.equal(res.status, 200);
    const errors = res.body.errors as unknown as { path: (string | number)[]; extensions: { code: string } }[];
    assert.ok(errors.length > 0);
    for (const error of errors) {
      assert.equal(error.path.at(-1), 'product');
      assert.equal(error.extensions.code, 'UPSTREAM_ERROR'); // the catalog answers 500
    }
    const nodes = (res.body.data as any).orders.nodes as { id: string; customer: { name: string } | null }[];
    assert.equal(nodes.length, 5);
    assert.ok(
      nodes.every((order) => order.customer !== null),
      'the other joins still answer',
    );
    assert.equal(res.body.extensions!.fanout!.totals.byBackend.inventory, undefined);
  } finally {
    await backends.admin.faults({ catalog: {} });
  }
});

test('mobile Home: one call per backend per level, whatever the number of orders', async () => {
  const { query } = operation('mobile', 'Home');
  for (const recent of [2, 10]) {
    const res = await gql(mobile.url, query, { recent, featured: 6 }, { authorization: `Bearer ${user}` });
    assert.equal(res.body.errors, undefined);
    // users (viewer), orders (recent), catalog (featured list), then catalog (thumbnails) and inventory (badges).
    assert.deepEqual(res.body.extensions!.fanout!.totals.byBackend, { users: 1, orders: 1, catalog: 2, inventory: 1 });
  }
});

test("mobile order rows: every row's thumbnails in one catalog call, none when thumbnails are not selected or skipped", async () => {
  const auth = { authorization: `Bearer ${user}` };
  const history = await gql(mobile.url, operation('mobile', 'OrderHistory').query, { first: 10 }, auth);
  assert.equal(history.body.errors, undefined);
  assert.deepEqual(history.body.extensions!.fanout!.totals.byBackend, { orders: 1, catalog: 1 });
  const rows = (history.body.data as any).myOrders.orders as { thumbnails: string[] }[];
  assert.ok(rows.length > 1 && rows.every((row) => row.thumbnails.length > 0));
  // The same rows and thumbnails as each product asked for on its own.
  const catalogCall = history.body.extensions!.fanout!.calls.find((c) => c.backend === 'catalog')!;
  assert.ok(catalogCall.keys >= Math.max(...rows.map((row) => row.thumbnails.length)));

  const byBackend = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await gql(mobile.url, query, variables, auth);
    assert.equal(res.body.errors, undefined);
    return res.body.extensions!.fanout!.totals.byBackend;
  };
  assert.deepEqual(await byBackend('{ home { recentOrders { id total } } }'), { orders: 1 });
  const skippable = 'query($s: Boolean!) { home { recentOrders { id thumbnails @skip(if: $s) } } }';
  assert.deepEqual(await byBackend(skippable, { s: true }), { orders: 1 });
  assert.deepEqual(await byBackend(skippable, { s: false }), { orders: 1, catalog: 1 });
});

test("mobile Home while the catalog fails: each row's thumbnails and the featured list are errors at their own paths", async () => {
  await backends.admin.faults({ catalog: { errorRate: 1 } });
  try {
    const res = await gql(mobile.url, operation('mobile', 'Home').query, { recent: 3, featured: 6 }, { authorization: `Bearer ${user}` });
    assert.equal(res.status, 200);
    const errors = res.body.errors as unknown as { path: (string | number)[]; extensions: { code: string } }[];
    const paths = errors.map((error) => error.path.join('.')).sort();
    assert.deepEqual(paths, [
      'home.featured',
      'home.recentOrders.0.thumbnails',
      'home.recentOrders.1.thumbnails',
      'home.recentOrders.2.thumbnails',
    ]);
    for (const error of errors) assert.equal(error.extensions.code, 'UPSTREAM_ERROR');
    const home = (res.body.data as any).home;
    assert.ok(home.viewer, 'the other fields still answer');
    assert.equal(home.recentOrders.length, 3);
    assert.ok(home.recentOrders.every((row: { total: string }) => typeof row.total === 'string'));
  } finally {
    await backends.admin.faults({ catalog: {} });
  }
});

test("mobile Home while inventory fails: each featured card's badge is null with an error at its path, one inventory call", async () => {
  await backends.admin.faults({ inventory: { errorRate: 1, grpcCode: 'INTERNAL' } });
  try {
    const res = await gql(mobile.url, operation('mobile', 'Home').query, { recent: 2, featured: 4 }, { authorization: `Bearer ${user}` });
    assert.equal(res.status, 200);
    const errors = res.body.errors as unknown as { path: (string | number)[]; extensions: { code: string; upstream: string } }[];
    assert.deepEqual(
      errors.map((error) => error.path.join('.')).sort(),
      [0, 1, 2, 3].map((i) => `home.featured.${i}.stock`),
    );
    for (const error of errors) assert.deepEqual([error.extensions.code, error.extensions.upstream], ['UPSTREAM_ERROR', 'inventory']);
    const featured = (res.body.data as any).home.featured as { id: string; stock: string | null }[];
    assert.equal(featured.length, 4);
    assert.ok(featured.every((card) => card.id && card.stock === null));
    assert.equal(res.body.extensions!.fanout!.totals.byBackend.inventory, 1);
  } finally {
    await backends.admin.faults({ inventory: {} });
  }
});

test('ProductPage: rating summary and reviews of a product cost one reviews call, not one per field', async () => {
  const { query } = operation('web', 'ProductPage');
  const res = await gql(web.url, query, { id: 'p-00042', reviews: 5 });
  assert.equal(res.body.errors, undefined);
  assert.deepEqual(res.body.extensions!.fanout!.totals.byBackend, { catalog: 1, inventory: 1, reviews: 1 });
  assert.equal(res.body.extensions!.fanout!.calls.find((c) => c.backend === 'reviews')!.operation, 'reviewSummaries+reviews');
});

test('the same product asked for twice in one request is fetched once', async () => {
  const res = await gql(mobile.url, 'query { a: product(id: "p-00010") { id title } b: product(id: "p-00010") { id price } }');
  assert.equal(res.body.extensions!.fanout!.totals.calls, 1);
  assert.equal(res.body.extensions!.fanout!.calls[0]!.keys, 1);
});

test('without x-bff-debug: fanout there is no receipt', async () => {
  const res = await fetch(mobile.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ product(id: "p-00001") { id } }' }),
  });
  const body = (await res.json()) as { extensions?: unknown };
  assert.equal(body.extensions, undefined);
});

test('in production the receipt is never emitted, even when asked for', async () => {
  // SAFELIST_MODE=log: in production bff-mobile otherwise accepts only its manifest's operations.
  const prod = await startBff('mobile', backends, {
    NODE_ENV: 'production',
    IDENTITY_HMAC_SECRET: 'dev-identity-secret-change-me',
    SAFELIST_MODE: 'log',
  });
  try {
    const res = await gql(prod.url, '{ product(id: "p-00001") { id } }');
    assert.equal(res.status, 200);
    assert.equal((res.body.data as any).product.id, 'p-00001');
    assert.equal(res.body.extensions?.fanout, undefined);
  } finally {
    await prod.close();
  }
});

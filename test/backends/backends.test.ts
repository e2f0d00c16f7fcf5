import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { seed, SEED_NOW_MS } from '../../backends/seed/seedData.js';
import { identityHeaders } from '../../backends/identity/verifyIdentity.js';
import { sortProducts } from '../../backends/catalog/createCatalogServer.js';
import { PROTO_LOADER_OPTIONS, PROTOS_DIR } from '../../backends/common/loadShopProtos.js';

const SECRET = 'dev-identity-secret-change-me';
let backends: BackendsProcess;
let orders: grpc.Client;
let inventory: grpc.Client;

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * An identity as the BFF sends it, not yet signed: `withIdentity` signs it for the call it is
 * sent with (a signature binds one backend and one call).
 */
function signed(
  userId: string | null,
  scopes = 'orders:read:self profile:write orders:write',
  requestId = 'req-test',
  ts = Date.now(),
): Record<string, string> {
  return {
    'x-bff-client': 'test',
    'x-bff-scopes': scopes,
    'x-request-id': requestId,
    'x-bff-identity-ts': String(ts),
    ...(userId !== null && { 'x-bff-user-id': userId }),
  };
}

/**
 * `headers` with the identity signed for `backend` and `call`: their own (from `signed`), or an
 * anonymous one (client `test`, no user) when they carry none. Headers that already have a
 * signature, or identity headers without a timestamp, are sent as they are (the refusals).
 */
function withIdentity(headers: Record<string, string>, backend: string, call: string): Record<string, string> {
  if (headers['x-bff-identity-sig'] !== undefined) return headers;
  if (Object.keys(headers).some((k) => k.startsWith('x-bff-')) && headers['x-bff-identity-ts'] === undefined) return headers;
  const fields = {
    client: headers['x-bff-client'] ?? 'test',
    userId: headers['x-bff-user-id'] ?? null,
    scopes: headers['x-bff-scopes'] ?? '',
    requestId: headers['x-request-id'] ?? '',
    ts: Number(headers['x-bff-identity-ts'] ?? Date.now()),
    backend,
    call,
  };
  return { ...headers, ...identityHeaders(SECRET, fields) };
}

/** fetch to a REST or GraphQL backend with a signed identity (see withIdentity). */
function backendFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const target = new URL(url);
  const backend = (['users', 'catalog', 'reviews'] as const).find((name) => new URL(backends.urls[name]).origin === target.origin);
  if (!backend) return fetch(url, init);
  const headers = withIdentity(
    (init.headers ?? {}) as Record<string, string>,
    backend,
    `${init.method ?? 'GET'} ${target.pathname}${target.search}`,
  );
  return fetch(url, { ...init, headers });
}

function metadataOf(headers: Record<string, string>): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) md.set(k, v);
  return md;
}

function unary(client: grpc.Client, method: string, request: object, headers: Record<string, string> = {}): Promise<Json> {
  return new Promise((resolve, reject) => {
    const fn = (client as unknown as Record<string, ((...args: unknown[]) => void) & { path: string }>)[method]!;
    fn.call(
      client,
      request,
      metadataOf(withIdentity(headers, client === orders ? 'orders' : 'inventory', fn.path)),
      { deadline: Date.now() + 5000 },
      (err: grpc.ServiceError | null, res: Json) => (err ? reject(err) : resolve(res)),
    );
  });
}

async function getJson(url: string, init: RequestInit = {}): Promise<{ status: number; body: Json }> {
  const res = await backendFetch(url, init);
  return { status: res.status, body: await res.json() };
}

function newestFirst(userId: string) {
  return seed.orders.filter((o) => o.userId === userId).reverse();
}

before(async () => {
  backends = await startBackendsProcess();
  const def = protoLoader.loadSync(['orders/v1/orders.proto', 'inventory/v1/inventory.proto'], {
    ...PROTO_LOADER_OPTIONS,
    includeDirs: [PROTOS_DIR],
  });
  const pkg = grpc.loadPackageDefinition(def) as Json;
  orders = new pkg.shop.orders.v1.OrdersService(backends.urls.orders, grpc.credentials.createInsecure());
  inventory = new pkg.shop.inventory.v1.InventoryService(backends.urls.inventory, grpc.credentials.createInsecure());
});

after(async () => {
  orders?.close();
  inventory?.close();
  await backends?.stop();
});

test('seed is deterministic and shaped as documented', () => {
  assert.equal(seed.users.length, 5000);
  assert.equal(seed.products.length, 2000);
  assert.equal(seed.orders.length, 50000);
  assert.equal(seed.orders.at(-1)!.id, 'o-050000');
  for (let i = 1; i <= 10; i++) assert.ok(newestFirst(`u-${String(i).padStart(5, '0')}`).length >= 12);
  assert.ok(seed.orders.every((o) => o.createdAtMs < SEED_NOW_MS && o.updatedAtMs < SEED_NOW_MS));
  assert.ok(seed.products.every((p) => p.description.length >= 400 && p.description.length <= 1200));
});

test('users: by id, by ids, limits', async () => {
  const one = await getJson(`${backends.urls.users}/users/u-00003`);
  assert.deepEqual(one.body, seed.users[2]);
  const many = await getJson(`${backends.urls.users}/users?ids=u-00001,u-99999,u-00002`);
  assert.deepEqual(
    many.body.users.map((u: Json) => u.id),
    ['u-00001', 'u-00002'],
  );
  const missing = await getJson(`${backends.urls.users}/users/u-99999`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'NOT_FOUND');
  const ids = Array.from({ length: 501 }, (_, i) => `u-${String(i + 1).padStart(5, '0')}`).join(',');
  assert.equal((await getJson(`${backends.urls.users}/users?ids=${ids}`)).status, 400);
  const openapi = await getJson(`${backends.urls.users}/openapi.json`);
  assert.equal(openapi.body.openapi, '3.0.3');
});

test('users: PATCH needs the own identity and valid fields', async () => {
  const patch = (id: string, body: unknown, headers: Record<string, string> = {}) =>
    getJson(`${backends.urls.users}/users/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  assert.equal((await patch('u-00001', { name: 'X' })).status, 401);
  const other = await patch('u-00001', { name: 'X' }, signed('u-00002'));
  assert.equal(other.status, 403);
  assert.equal(other.body.error.code, 'FORBIDDEN');
  const invalid = await patch('u-00001', { email: 'not-an-email' }, signed('u-00001'));
  assert.equal(invalid.status, 422);
  assert.deepEqual([invalid.body.error.code, invalid.body.error.field], ['VALIDATION', 'email']);
  const ok = await patch('u-00001', { name: 'New Name', phone: '+31 6 12345678' }, signed('u-00001'));
  assert.equal(ok.status, 200);
  assert.equal(ok.body.name, 'New Name');
  assert.equal((await getJson(`${backends.urls.users}/users/u-00001`)).body.phone, '+31 6 12345678');
});

test('catalog: listing pages, ids, categories', async () => {
  const expected = sortProducts(seed.products, 'shoes', 'price_asc').map((p) => p.id);
  const first = await getJson(`${backends.urls.catalog}/products?category=shoes&sort=price_asc&limit=5`);
  assert.deepEqual(
    first.body.products.map((p: Json) => p.id),
    expected.slice(0, 5),
  );
  assert.equal(first.body.total, expected.length);
  const second = await getJson(`${backends.urls.catalog}/products?category=shoes&sort=price_asc&limit=5&cursor=${first.body.nextCursor}`);
  assert.deepEqual(
    second.body.products.map((p: Json) => p.id),
    expected.slice(5, 10),
  );
  const ids: string[] = first.body.products.map((p: Json) => p.id);
  for (let cursor = first.body.nextCursor; cursor !== null; ) {
    const next = await getJson(`${backends.urls.catalog}/products?category=shoes&sort=price_asc&limit=100&cursor=${cursor}`);
    ids.push(...next.body.products.map((p: Json) => p.id));
    cursor = next.body.nextCursor;
  }
  assert.deepEqual(ids, expected, 'following nextCursor to null walks the whole listing');
  const byIds = await getJson(`${backends.urls.catalog}/products?ids=p-00002,p-00001,nope`);
  assert.deepEqual(
    byIds.body.products.map((p: Json) => p.id),
    ['p-00002', 'p-00001'],
  );
  assert.deepEqual(byIds.body.products[1], seed.products[0]);
  assert.equal((await getJson(`${backends.urls.catalog}/products?limit=101`)).status, 400);
  assert.equal((await getJson(`${backends.urls.catalog}/products/p-00007`)).body.id, 'p-00007');
  const categories = await getJson(`${backends.urls.catalog}/categories`);
  assert.equal(categories.body.categories.length, seed.categories.length);
});

test('orders: ListUserOrders pages newest first and guards other users', async () => {
  const expected = newestFirst('u-00005');
  const page1 = await unary(orders, 'ListUserOrders', { userId: 'u-00005', pageSize: 5 }, signed('u-00005'));
  assert.deepEqual(
    page1.orders.map((o: Json) => o.id),
    expected.slice(0, 5).map((o) => o.id),
  );
  assert.equal(page1.totalSize, expected.length);
  assert.equal(page1.orders[0].status, expected[0]!.status);
  assert.equal(typeof page1.orders[0].createdAtMs, 'number');
  const page2 = await unary(orders, 'ListUserOrders', { userId: 'u-00005', pageSize: 5, pageToken: page1.nextPageToken });
  assert.deepEqual(
    page2.orders.map((o: Json) => o.id),
    expected.slice(5, 10).map((o) => o.id),
  );
  await assert.rejects(unary(orders, 'ListUserOrders', { userId: 'u-00005' }, signed('u-00006')), { code: grpc.status.PERMISSION_DENIED });
  const staff = await unary(orders, 'ListUserOrders', { userId: 'u-00005' }, signed('u-00006', 'orders:read:all'));
  assert.equal(staff.orders.length, Math.min(20, expected.length));
  const batch = await unary(orders, 'BatchGetOrders', { ids: ['o-000002', 'o-999999', 'o-000001'] });
  assert.deepEqual(
    batch.orders.map((o: Json) => o.id),
    ['o-000002', 'o-000001'],
  );
  assert.deepEqual(batch.orders[1].items, seed.orders[0]!.items);
  const recent = await unary(orders, 'ListRecentOrders', { pageSize: 3, status: 'ORDER_STATUS_CANCELLED' });
  assert.ok(recent.orders.every((o: Json) => o.status === 'ORDER_STATUS_CANCELLED'));
});

test('orders: PlaceOrder places, refuses, and is idempotent', async () => {
  const inStock = seed.stock.find((s) => s.totalAvailable >= 20)!;
  const product = seed.products.find((p) => p.id === inStock.productId)!;
  const item = { productId: product.id, quantity: 2, expectedUnitPriceCents: product.price.amountCents };
  const request = { userId: 'u-00007', items: [item], idempotencyKey: 'k-1' };

  await assert.rejects(unary(orders, 'PlaceOrder', request), { code: grpc.status.UNAUTHENTICATED });
  await assert.rejects(unary(orders, 'PlaceOrder', request, signed('u-00008')), { code: grpc.status.PERMISSION_DENIED });
  await assert.rejects(unary(orders, 'PlaceOrder', { ...request, items: [] }, signed('u-00007')), { code: grpc.status.INVALID_ARGUMENT });
  await assert.rejects(unary(orders, 'PlaceOrder', { ...request, items: [{ ...item, quantity: 100 }] }, signed('u-00007')), {
    code: grpc.status.INVALID_ARGUMENT,
  });

  const placed = await unary(orders, 'PlaceOrder', request, signed('u-00007'));
  assert.equal(placed.result, 'placed');
  assert.match(placed.placed.id, /^o-0500\d\d$/);
  assert.equal(placed.placed.totalCents, 2 * product.price.amountCents);
  const again = await unary(orders, 'PlaceOrder', request, signed('u-00007'));
  assert.equal(again.placed.id, placed.placed.id);
  const stock = await unary(inventory, 'BatchGetStock', { productIds: [product.id] });
  assert.equal(stock.stocks[0].totalAvailable, inStock.totalAvailable - 2, 'reserved once');

  const list = await unary(orders, 'ListUserOrders', { userId: 'u-00007', pageSize: 1 });
  assert.equal(list.orders[0].id, placed.placed.id);
  assert.equal((await unary(orders, 'BatchGetOrders', { ids: [placed.placed.id] })).orders.length, 1);

  const changed = await unary(
    orders,
    'PlaceOrder',
    { userId: 'u-00007', items: [{ ...item, expectedUnitPriceCents: 1 }] },
    signed('u-00007'),
  );
  assert.equal(changed.result, 'priceChanged');
  assert.equal(changed.priceChanged.actualUnitPriceCents, product.price.amountCents);

  const soldOut = seed.products.find((p) => seed.stock.find((s) => s.productId === p.id)!.totalAvailable === 0)!;
  const oos = await unary(
    orders,
    'PlaceOrder',
    { userId: 'u-00007', items: [{ productId: soldOut.id, quantity: 1, expectedUnitPriceCents: soldOut.price.amountCents }] },
    signed('u-00007'),
  );
  assert.equal(oos.result, 'outOfStock');
  assert.deepEqual([oos.outOfStock.productId, oos.outOfStock.requested, oos.outOfStock.available], [soldOut.id, 1, 0]);
});

test('orders: WatchOrderStatus streams to a final status', async () => {
  const pending = seed.orders.filter((o) => o.status === 'ORDER_STATUS_PENDING').at(-1)!;
  const events: Json[] = [];
  const watchOrderStatus = (
    orders as unknown as Record<string, ((req: object, md: grpc.Metadata) => grpc.ClientReadableStream<Json>) & { path: string }>
  )['WatchOrderStatus']!;
  const watch = (orderId: string, headers: Record<string, string>) =>
    watchOrderStatus.call(orders, { orderId }, metadataOf(withIdentity(headers, 'orders', watchOrderStatus.path)));
  for await (const event of watch(pending.id, signed(pending.userId))) events.push(event);
  assert.deepEqual(
    events.map((e) => e.status),
    ['ORDER_STATUS_PENDING', 'ORDER_STATUS_PAID', 'ORDER_STATUS_SHIPPED', 'ORDER_STATUS_DELIVERED'],
  );
  const drain = async (stream: grpc.ClientReadableStream<Json>) => {
    for await (const _ of stream) {
      /* drain */
    }
  };
  await assert.rejects(drain(watch('o-999999', signed(pending.userId))), { code: grpc.status.NOT_FOUND });
  // Who may follow an order is the service's decision: its owner, or staff.
  await assert.rejects(drain(watch(pending.id, {})), { code: grpc.status.UNAUTHENTICATED }); // anonymous
  await assert.rejects(drain(watchOrderStatus.call(orders, { orderId: pending.id }, new grpc.Metadata())), {
    code: grpc.status.UNAUTHENTICATED,
  }); // unsigned
  await assert.rejects(drain(watch(pending.id, signed('u-not-the-owner'))), { code: grpc.status.PERMISSION_DENIED });
  const staff: Json[] = [];
  for await (const event of watch(pending.id, signed('u-staff', 'orders:read:all'))) staff.push(event);
  assert.equal(staff.length, 4);
  assert.deepEqual(
    (await getJson(`${backends.urls.admin}/stats`)).body.orders.openStreams,
    { WatchOrderStatus: 0 },
    'every stream counted open was counted closed',
  );
});

test('inventory: BatchGetStock and its limit', async () => {
  const res = await unary(inventory, 'BatchGetStock', { productIds: ['p-00010', 'nope', 'p-00011'] });
  assert.deepEqual(
    res.stocks.map((s: Json) => s.productId),
    ['p-00010', 'p-00011'],
  );
  assert.deepEqual(
    res.stocks[0].warehouses.map((w: Json) => w.warehouseId),
    ['ams', 'fra', 'lon'],
  );
  const tooMany = Array.from({ length: 501 }, (_, i) => `p-${i}`);
  await assert.rejects(unary(inventory, 'BatchGetStock', { productIds: tooMany }), { code: grpc.status.INVALID_ARGUMENT });
});

test('reviews: GraphQL summaries and reviews', async () => {
  const query =
    'query S($ids: [ID!]!) { reviewSummaries(productIds: $ids) { productId averageRating count histogram } reviews(productIds: $ids, limitPerProduct: 2) { productId reviews { id rating } } }';
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    getJson(backends.urls.reviews, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const res = await post({ query, variables: { ids: ['p-00003', 'nope'] }, operationName: 'S' });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.data.reviewSummaries[0], seed.summaries.get('p-00003'));
  assert.deepEqual(res.body.data.reviewSummaries[1], { productId: 'nope', averageRating: 0, count: 0, histogram: [0, 0, 0, 0, 0] });
  assert.deepEqual(
    res.body.data.reviews[0].reviews.map((r: Json) => r.id),
    seed.reviews
      .get('p-00003')!
      .slice(0, 2)
      .map((r) => r.id),
  );
  const tooMany = await post({ query, variables: { ids: Array.from({ length: 501 }, (_, i) => `p-${i}`) } });
  assert.ok(tooMany.body.errors.length > 0);
  assert.equal((await post({ query: '{ nope }' })).status, 400);
});

test('identity: a bad or stale signature is refused everywhere', async () => {
  const bad = { ...signed('u-00001'), 'x-bff-identity-sig': 'AAAA' };
  const rest = await getJson(`${backends.urls.users}/users/u-00001`, { headers: bad });
  assert.equal(rest.status, 401);
  assert.equal(rest.body.error.code, 'UNAUTHENTICATED');
  const stale = await getJson(`${backends.urls.catalog}/products/p-00001`, { headers: signed(null, '', 'r', Date.now() - 31_000) });
  assert.equal(stale.status, 401);
  const gql = await backendFetch(backends.urls.reviews, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bad },
    body: JSON.stringify({ query: '{ reviewSummaries(productIds: []) { count } }' }),
  });
  assert.equal(gql.status, 401);
  await assert.rejects(unary(orders, 'BatchGetOrders', { ids: [] }, bad), { code: grpc.status.UNAUTHENTICATED });
  await assert.rejects(unary(inventory, 'BatchGetStock', { productIds: [] }, { 'x-bff-client': 'test' }), {
    code: grpc.status.UNAUTHENTICATED,
  });
});

test('idp: tokens verify against the JWKS, also after a rotation', async () => {
  const token = async () =>
    (
      await getJson(`${backends.urls.idp}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sub: 'u-00001' }),
      })
    ).body.access_token as string;
  const jwksRes = await fetch(`${backends.urls.idp}/.well-known/jwks.json`);
  assert.match(jwksRes.headers.get('cache-control') ?? '', /max-age=300/);
  const before = await token();
  const jwks = createRemoteJWKSet(new URL(`${backends.urls.idp}/.well-known/jwks.json`));
  const { payload } = await jwtVerify(before, jwks, { issuer: 'https://idp.demo.shop', audience: 'shop-bff' });
  assert.equal(payload.sub, 'u-00001');
  assert.equal(payload.scope, 'orders:read:self profile:write orders:write');
  await fetch(`${backends.urls.idp}/rotate`, { method: 'POST' });
  const afterRotation = await token();
  assert.notEqual(decodeProtectedHeader(afterRotation).kid, decodeProtectedHeader(before).kid);
  const fresh = createRemoteJWKSet(new URL(`${backends.urls.idp}/.well-known/jwks.json`));
  await jwtVerify(before, fresh, { issuer: 'https://idp.demo.shop', audience: 'shop-bff' });
  await jwtVerify(afterRotation, fresh, { issuer: 'https://idp.demo.shop', audience: 'shop-bff' });
  assert.equal((await getJson(`${backends.urls.idp}/token`, { method: 'POST', body: '{}' })).status, 400);
});

test('faults: errors, garbage and latency per protocol, deterministic rates', async () => {
  try {
    await backends.admin.faults({ users: { errorRate: 1 }, catalog: { garbageRate: 1 }, reviews: { errorRate: 0.5, httpStatus: 503 } });
    assert.equal((await backendFetch(`${backends.urls.users}/users/u-00001`)).status, 500);
    const garbage = await backendFetch(`${backends.urls.catalog}/products/p-00001`);
    assert.equal(garbage.status, 200);
    await assert.rejects(garbage.json());
    const gql = () =>
      backendFetch(backends.urls.reviews, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ reviewSummaries(productIds: ["p-00001"]) { count } }' }),
      }).then((r) => r.status);
    assert.deepEqual([await gql(), await gql(), await gql(), await gql()], [200, 503, 200, 503]);

    await backends.admin.faults({ users: {}, inventory: { garbageRate: 1 }, orders: { errorRate: 1, grpcCode: 'DEADLINE_EXCEEDED' } });
    assert.equal((await backendFetch(`${backends.urls.users}/users/u-00001`)).status, 200);
    const wrongIds = await unary(inventory, 'BatchGetStock', { productIds: ['p-00001'] });
    assert.equal(wrongIds.stocks[0].productId, 'p-00001-garbage');
    await assert.rejects(unary(orders, 'BatchGetOrders', { ids: ['o-000001'] }), { code: grpc.status.DEADLINE_EXCEEDED });

    await backends.admin.faults({ users: { latencyMs: 150 } });
    const start = Date.now();
    await backendFetch(`${backends.urls.users}/users/u-00001`);
    assert.ok(Date.now() - start >= 140, 'latency applied');
  } finally {
    await backends.admin.reset();
  }
});

test('stats: every call counted, with keys and the last identity', async () => {
  await backends.admin.reset();
  const headers = {
    ...signed('u-00002', 'orders:read:self', 'req-42'),
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  };
  await backendFetch(`${backends.urls.users}/users?ids=u-00001,u-00002,u-00003`, { headers });
  await backendFetch(`${backends.urls.users}/users/u-00001`);
  await backends.admin.faults({ inventory: { errorRate: 1 } });
  await assert.rejects(unary(inventory, 'BatchGetStock', { productIds: ['p-00001', 'p-00002'] }, headers));
  await backends.admin.faults({ inventory: {} });
  await unary(orders, 'BatchGetOrders', { ids: ['o-000001'] }, headers);
  await backendFetch(backends.urls.reviews, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'query($ids: [ID!]!) { reviewSummaries(productIds: $ids) { count } }', variables: { ids: ['p-00001'] } }),
  });
  const stats = await backends.admin.stats();
  assert.equal(stats.users.calls, 2);
  assert.deepEqual(stats.users.byOperation, { 'GET /users': 1, 'GET /users/:id': 1 });
  assert.equal(stats.users.keys, 3);
  assert.deepEqual(stats.users.last!.identity, { client: 'test', userId: null, scopes: [] }, 'the last users call was anonymous');
  assert.deepEqual(stats.inventory.byOperation, { BatchGetStock: 1 });
  assert.equal(stats.inventory.keys, 2);
  assert.deepEqual(stats.orders.last, {
    requestId: 'req-42',
    traceparent: headers.traceparent,
    identity: { client: 'test', userId: 'u-00002', scopes: ['orders:read:self'] },
  });
  assert.deepEqual(stats.reviews.byOperation, { reviewSummaries: 1 });
  assert.equal(stats.catalog.calls, 0);
  await backends.admin.reset();
  assert.equal((await backends.admin.stats()).orders.calls, 0);
});

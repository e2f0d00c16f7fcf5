/**
 * Identity propagation and ownership: backends see only the identity the BFF verified
 * (signed), never identity headers a client sends, and a viewer never reads another user's
 * orders.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { identityHeaders, MAX_IDENTITY_AGE_MS } from '../../backends/identity/verifyIdentity.js';
import { PROTO_LOADER_OPTIONS, PROTOS_DIR } from '../../backends/common/loadShopProtos.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';
import { API_KEYS, API_KEYS_ENV } from './startSecuredBff.js';

const PROBE = '{ product(id: "p-00001") { id title } }';
const SPOOFED = {
  'x-bff-user-id': 'u-00001',
  'x-bff-scopes': 'orders:read:all customers:read',
  'x-bff-client': 'admin-console',
  'x-bff-identity-ts': String(Date.now()),
  'x-bff-identity-sig': 'forged',
};

let backends: BackendsProcess;
let mobile: RunningBff;
let web: RunningBff;
before(async () => {
  backends = await startBackendsProcess();
  [mobile, web] = await Promise.all([
    startBff('mobile', backends, { API_KEYS: API_KEYS_ENV }),
    startBff('web', backends, { API_KEYS: API_KEYS_ENV }),
  ]);
});
after(async () => {
  grpcClients?.orders.close();
  await Promise.all([mobile?.close(), web?.close()]);
  await backends?.stop();
});

describe('identity propagation', () => {
  test('identity headers sent by an anonymous client never reach a backend', async () => {
    for (const bff of [mobile, web]) {
      const res = await gql(bff.url, PROBE, {}, SPOOFED);
      assert.equal(res.status, 200);
      assert.equal(res.body.errors, undefined);
      const { last } = (await backends.admin.stats()).catalog;
      assert.deepEqual(last?.identity, { client: bff.name, userId: null, scopes: [] });
    }
  });

  test("a signed-in user's spoofed headers are replaced by the verified identity", async () => {
    const token = await tokenFor(backends, 'u-00007');
    const res = await gql(mobile.url, '{ myOrders(first: 3) { orders { id } } }', {}, { ...SPOOFED, authorization: `Bearer ${token}` });
    assert.equal(res.status, 200, JSON.stringify(res.body.errors));
    const identity = (await backends.admin.stats()).orders.last?.identity;
    assert.equal(identity?.userId, 'u-00007');
    assert.equal(identity?.client, 'mobile');
    assert.ok(!identity?.scopes.includes('orders:read:all'));
  });

  test("an API key's client and scopes are what backends see", async () => {
    const res = await gql(web.url, PROBE, {}, { 'x-api-key': API_KEYS.webPartner });
    assert.equal(res.status, 200);
    assert.deepEqual((await backends.admin.stats()).catalog.last?.identity, {
      client: 'acme-partner',
      userId: null,
      scopes: ['catalog:read'],
    });
  });

  test('a backend refuses a call whose identity signature is wrong', async () => {
    const fields = {
      client: 'mobile',
      userId: 'u-00001',
      scopes: '',
      requestId: 'r-1',
      ts: Date.now(),
      backend: 'users',
      call: 'PATCH /users/u-00001',
    };
    const forged = identityHeaders('not-the-shared-secret', fields);
    const res = await fetch(`${backends.urls.users}/users/u-00001`, {
      method: 'PATCH',
      headers: { ...forged, 'content-type': 'application/json' },
      body: '{"name":"Mallory"}',
    });
    assert.equal(res.status, 401);
    const genuine = identityHeaders('dev-identity-secret-change-me', { ...fields, call: 'GET /users/u-00001' });
    const ok = await fetch(`${backends.urls.users}/users/u-00001`, { headers: genuine });
    assert.equal(ok.status, 200);
  });

  test('a call straight to a backend without a signed identity is refused; health and docs stay open', async () => {
    const pii = await fetch(`${backends.urls.users}/users?ids=u-00001,u-00002`);
    assert.equal(pii.status, 401, 'no user data without an identity');
    assert.equal(((await pii.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
    assert.equal((await fetch(`${backends.urls.catalog}/products/p-00001`)).status, 401);
    const reviews = await fetch(backends.urls.reviews, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ reviewSummaries(productIds: ["p-00001"]) { count } }' }),
    });
    assert.equal(reviews.status, 401);
    for (const url of [
      `${backends.urls.users}/healthz`,
      `${backends.urls.users}/openapi.json`,
      `${backends.urls.catalog}/healthz`,
      `${backends.urls.catalog}/openapi.json`,
    ]) {
      assert.equal((await fetch(url)).status, 200, url);
    }
    const { orders } = clients();
    await assert.rejects(unary(orders, 'BatchGetOrders', { ids: ['o-000001'] }, {}), { code: grpc.status.UNAUTHENTICATED });
  });

  test('a signature replayed for another path, query, method or backend is refused', async () => {
    const fields = {
      client: 'web',
      userId: null,
      scopes: '',
      requestId: 'r-2',
      ts: Date.now(),
      backend: 'users',
      call: 'GET /users/u-00001',
    };
    const captured = identityHeaders('dev-identity-secret-change-me', fields);
    assert.equal((await fetch(`${backends.urls.users}/users/u-00001`, { headers: captured })).status, 200, 'the call it was signed for');
    assert.equal((await fetch(`${backends.urls.users}/users/u-00002`, { headers: captured })).status, 401, 'another path');
    assert.equal((await fetch(`${backends.urls.users}/users?ids=u-00001,u-00002`, { headers: captured })).status, 401, 'another resource');
    const forBatch = identityHeaders('dev-identity-secret-change-me', { ...fields, call: 'GET /users?ids=u-00001' });
    assert.equal((await fetch(`${backends.urls.users}/users?ids=u-00001`, { headers: forBatch })).status, 200);
    assert.equal((await fetch(`${backends.urls.users}/users?ids=u-00001,u-00002`, { headers: forBatch })).status, 401, 'another query');
    const patch = await fetch(`${backends.urls.users}/users/u-00001`, {
      method: 'PATCH',
      headers: { ...captured, 'content-type': 'application/json' },
      body: '{"name":"Mallory"}',
    });
    assert.equal(patch.status, 401, 'another method');
    const forCatalog = identityHeaders('dev-identity-secret-change-me', { ...fields, backend: 'catalog', call: 'GET /users/u-00001' });
    assert.equal((await fetch(`${backends.urls.users}/users/u-00001`, { headers: forCatalog })).status, 401, 'signed for another backend');
    const stale = identityHeaders('dev-identity-secret-change-me', { ...fields, ts: Date.now() - MAX_IDENTITY_AGE_MS - 1_000 });
    assert.equal((await fetch(`${backends.urls.users}/users/u-00001`, { headers: stale })).status, 401, 'the same call, after the window');
    assert.ok(MAX_IDENTITY_AGE_MS <= 30_000, 'the window is short');

    const { orders } = clients();
    const listOrders = (orders as unknown as Record<string, { path: string }>).batchGetOrders!.path;
    const grpcSigned = identityHeaders('dev-identity-secret-change-me', { ...fields, backend: 'orders', call: listOrders });
    const answer = await unary(orders, 'BatchGetOrders', { ids: ['o-000001'] }, grpcSigned);
    assert.equal((answer as { orders: unknown[] }).orders.length, 1);
    await assert.rejects(
      unary(orders, 'ListRecentOrders', { pageSize: 1 }, grpcSigned),
      { code: grpc.status.UNAUTHENTICATED },
      'another gRPC method',
    );
  });

  test('anonymous BFF calls carry a signed anonymous identity', async () => {
    const res = await gql(web.url, PROBE);
    assert.equal(res.status, 200);
    assert.equal(res.body.errors, undefined);
    assert.deepEqual((await backends.admin.stats()).catalog.last?.identity, { client: 'web', userId: null, scopes: [] });
  });

  test('a malformed traceparent is not passed on: the backend sees none; a valid one is', async () => {
    const valid = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const malformed = [
      `00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01${'x'.repeat(8_000)}`,
      '00-00000000000000000000000000000000-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
      '00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01',
      'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331',
      '\u00ff\u00fe-raw-bytes',
    ];
    for (const bff of [mobile, web]) {
      for (const traceparent of malformed) {
        const res = await gql(bff.url, PROBE, {}, { traceparent, tracestate: `k=${'v'.repeat(8_000)}` });
        assert.equal(res.status, 200, traceparent.slice(0, 60));
        assert.equal((await backends.admin.stats()).catalog.last?.traceparent, null, `${traceparent.slice(0, 60)} was forwarded`);
      }
      await gql(bff.url, PROBE, {}, { traceparent: valid });
      assert.equal((await backends.admin.stats()).catalog.last?.traceparent, valid);
    }
  });

  test('a BFF signing with another secret gets nothing from the backends', async () => {
    const rogue = await startBff('web', backends, { IDENTITY_HMAC_SECRET: 'a-different-secret-of-16+' });
    try {
      const res = await gql(rogue.url, PROBE);
      assert.equal((res.body.data as { product: unknown } | null)?.product ?? null, null);
      assert.ok(res.body.errors?.length, 'the refused backend call is an error beside the data');
    } finally {
      await rogue.close();
    }
  });
});

describe('ownership', () => {
  const ORDER = '{ order(id: $id) { id customer { id } } }'.replace('{ order', 'query ($id: ID!) { order');

  test("web order(id) is null for someone else's order and the order for its owner", async () => {
    const staff = await tokenFor(backends, 'u-00001', 'orders:read:all');
    const table = await gql<{ orders: { nodes: { id: string; customer: { id: string } }[] } }>(
      web.url,
      '{ orders(first: 20) { nodes { id customer { id } } } }',
      {},
      { authorization: `Bearer ${staff}` },
    );
    const theirs = table.body.data!.orders.nodes.find((o) => o.customer.id !== 'u-00007' && o.customer.id !== 'u-00001')!;
    assert.ok(theirs, 'the seed has orders of other users');

    const user = await tokenFor(backends, 'u-00007');
    const stolen = await gql(web.url, ORDER, { id: theirs.id }, { authorization: `Bearer ${user}` });
    assert.equal(stolen.status, 200);
    assert.deepEqual(stolen.body.data, { order: null });

    const owner = await tokenFor(backends, theirs.customer.id);
    const own = await gql(web.url, ORDER, { id: theirs.id }, { authorization: `Bearer ${owner}` });
    assert.deepEqual(own.body.data, { order: { id: theirs.id, customer: { id: theirs.customer.id } } });
  });

  test("the orders backend refuses another user's order list even when the BFF asks", async () => {
    // customers:read shows a customer's page; their orders still need orders:read:all,
    // and the orders service checks it against the signed identity.
    const token = await tokenFor(backends, 'u-00007', 'customers:read');
    const before = (await backends.admin.stats()).orders.byOperation.ListUserOrders ?? 0;
    const res = await gql<{ customer: { id: string; orders: unknown } }>(
      web.url,
      '{ customer(id: "u-00001") { id orders(first: 5) { nodes { id } } } }',
      {},
      { authorization: `Bearer ${token}` },
    );
    assert.equal(res.body.data?.customer.id, 'u-00001');
    assert.equal(res.body.data?.customer.orders, null);
    assert.deepEqual(res.body.errors?.[0]?.path, ['customer', 'orders']);
    assert.equal((await backends.admin.stats()).orders.byOperation.ListUserOrders, before + 1, 'the backend was asked and refused');
  });
});

let grpcClients: { orders: grpc.Client } | undefined;
/** A raw gRPC client of the orders backend, made once. */
function clients(): { orders: grpc.Client } {
  if (grpcClients) return grpcClients;
  const def = protoLoader.loadSync(['orders/v1/orders.proto'], { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTOS_DIR] });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { shop: { orders: { v1: { OrdersService: grpc.ServiceClientConstructor } } } };
  const orders = new pkg.shop.orders.v1.OrdersService(backends.urls.orders, grpc.credentials.createInsecure());
  grpcClients = { orders };
  return grpcClients;
}

/** One unary call with `headers` as metadata. */
function unary(client: grpc.Client, method: string, request: object, headers: Record<string, string>): Promise<unknown> {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  return new Promise((resolve, reject) => {
    const fn =
      (client as unknown as Record<string, (...args: unknown[]) => void>)[method.charAt(0).toLowerCase() + method.slice(1)] ??
      (client as unknown as Record<string, (...args: unknown[]) => void>)[method]!;
    fn.call(client, request, metadata, { deadline: Date.now() + 5000 }, (error: grpc.ServiceError | null, response: unknown) =>
      error ? reject(error) : resolve(response),
    );
  });
}

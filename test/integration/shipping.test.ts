/**
 * The demo's shipping backend, added through the backend declaration: `Order.shipment` on
 * bff-web is one batched shipping call per order page (the N+1 guard, counted by the receipt
 * and by the backend), a shipping outage nulls only the shipments, and the service, like every
 * demo backend, refuses a call without the BFF's signed identity.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { shipmentOf } from '../../backends/shipping/createShippingServer.js';
import { shippingOpenApi } from '../../backends/shipping/shippingOpenApi.js';
import { seed } from '../../backends/seed/seedData.js';
import { BACKENDS } from '../../src/config/backends.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';

let backends: BackendsProcess;
let web: RunningBff;
let naive: RunningBff;
let staff: string;

before(async () => {
  backends = await startBackendsProcess();
  [web, naive] = await Promise.all([startBff('web', backends), startBff('web', backends, { BFF_BATCHING: 'false' })]);
  staff = await tokenFor(backends, 'u-00001', 'orders:read:all customers:read');
});
after(async () => {
  await Promise.all([web?.close(), naive?.close()]);
  await backends?.stop();
});

const ORDERS =
  'query ($first: Int!, $status: OrderStatus) { orders(first: $first, status: $status) { nodes { id status shipment { carrier trackingNumber status estimatedDelivery updatedAt } } } }';
type Node = {
  id: string;
  status: string;
  shipment: { carrier: string; trackingNumber: string; status: string; estimatedDelivery: string | null; updatedAt: string } | null;
};
const seedOrders = new Map(seed.orders.map((order) => [order.id, order]));

for (const first of [10, BACKENDS.shipping.maxBatchSize]) {
  test(`${first} orders with their shipments: one shipping call, counted by the receipt and by the backend`, async () => {
    await backends.admin.reset();
    const res = await gql<{ orders: { nodes: Node[] } }>(web.url, ORDERS, { first }, { authorization: `Bearer ${staff}` });
    assert.equal(res.body.errors, undefined);
    const nodes = res.body.data!.orders.nodes;
    assert.equal(nodes.length, first);
    assert.deepEqual(res.body.extensions!.fanout!.totals.byBackend, { orders: 1, shipping: 1 });
    const stats = await backends.admin.stats();
    assert.equal(stats.shipping.calls, 1);
    assert.equal(stats.shipping.keys, first, 'every order asked for once');
    assert.ok(stats.shipping.last?.identity, 'the call carried a verified identity');
    assertShipments(nodes);
  });
}

/** Each order's shipment is what the shipping service holds for it (null for an order without a parcel). @returns how many had one. */
function assertShipments(nodes: readonly Node[]): number {
  let shipped = 0;
  for (const node of nodes) {
    const expected = shipmentOf(seedOrders.get(node.id)!);
    if (!expected) {
      assert.equal(node.shipment, null, `${node.id} (${node.status}) has no parcel`);
      continue;
    }
    shipped++;
    assert.deepEqual(node.shipment, {
      carrier: expected.carrier,
      trackingNumber: expected.trackingNumber,
      status: expected.status.toUpperCase(),
      estimatedDelivery: expected.estimatedDelivery,
      updatedAt: expected.updatedAt,
    });
  }
  return shipped;
}

test('shipped and delivered orders carry their parcel; pending ones none', async () => {
  const auth = { authorization: `Bearer ${staff}` };
  for (const [status, parcels] of [
    ['SHIPPED', 20],
    ['DELIVERED', 20],
    ['PENDING', 0],
  ] as const) {
    const res = await gql<{ orders: { nodes: Node[] } }>(web.url, ORDERS, { first: 20, status }, auth);
    assert.equal(res.body.errors, undefined);
    const nodes = res.body.data!.orders.nodes;
    assert.equal(nodes.length, 20, status);
    assert.equal(assertShipments(nodes), parcels, status);
    if (status === 'DELIVERED')
      assert.ok(nodes.every((node) => node.shipment?.status === 'DELIVERED' && node.shipment.estimatedDelivery === null));
  }
});

test('without batching (the N+1 baseline) the same page makes a shipping call per order: the count above is the guard', async () => {
  await backends.admin.reset();
  const res = await gql<{ orders: { nodes: Node[] } }>(naive.url, ORDERS, { first: 10 }, { authorization: `Bearer ${staff}` });
  assert.equal(res.body.errors, undefined);
  assert.equal((await backends.admin.stats()).shipping.calls, 10);
});

test('shipping down: each shipment is an error at its own path, the rest of the page answers', async () => {
  await backends.admin.faults({ shipping: { errorRate: 1 } });
  try {
    const res = await gql<{ orders: { nodes: Node[] } }>(web.url, ORDERS, { first: 5 }, { authorization: `Bearer ${staff}` });
    assert.equal(res.status, 200);
    const nodes = res.body.data!.orders.nodes;
    assert.equal(nodes.length, 5);
    assert.ok(nodes.every((node) => node.shipment === null && typeof node.status === 'string'));
    const errors = res.body.errors!;
    assert.equal(errors.length, 5);
    for (const error of errors) {
      assert.equal(error.path?.at(-1), 'shipment');
      assert.equal(error.extensions?.code, 'UPSTREAM_ERROR');
    }
  } finally {
    await backends.admin.faults({ shipping: {} });
  }
});

test('the shipping service refuses a call without a signed identity (401), like every demo backend, and serves its OpenAPI document', async () => {
  const res = await fetch(`${backends.urls.shipping}/shipments?ids=o-000001`);
  assert.equal(res.status, 401);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
  const contract = await fetch(`${backends.urls.shipping}/openapi.json`);
  assert.equal(contract.status, 200, 'its contract is public, as the users and catalog services serve theirs');
  assert.deepEqual(await contract.json(), shippingOpenApi);
});

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { createSeed } from '../../backends/seed/createSeed.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';
import { firstNextEvent } from '../fixtures/sse.js';

// The subscription transports' libraries (ws, graphql-ws, graphql-sse) load with the first
// subscription connection, not at start (docs/performance.md, "Memory"). The BFF runs in this
// process, so what it has loaded is this process's module cache; this file imports none of them.
// ws is the marker: it is CommonJS (in `require.cache`), and the three load together.

const seed = createSeed();
const order = seed.orders.find((o) => o.status === 'ORDER_STATUS_PENDING')!;
const ORDER_STATUS = 'subscription S($id: ID!) { orderStatus(orderId: $id) { orderId status } }';
const require = createRequire(import.meta.url);
const loaded = (pkg: string) => Object.keys(require.cache).some((path) => path.includes(`/node_modules/${pkg}/`));

let backends: BackendsProcess;
let mobile: RunningBff;

before(async () => {
  backends = await startBackendsProcess({ ORDERS_WATCH_INTERVAL_MS: '3600000' });
  mobile = await startBff('mobile', backends);
});
after(async () => {
  await mobile?.close();
  await backends?.stop();
});

test('a BFF loads no subscription transport until the first subscription connection, then serves it', async () => {
  assert.equal(loaded('ws'), false, 'ws loaded at start');
  // A query is no reason to load them either.
  const token = await tokenFor(backends, order.userId);
  const query = await fetch(`${mobile.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  assert.equal(query.status, 200);
  assert.equal(loaded('ws'), false, 'ws loaded by a query');

  const controller = new AbortController();
  const res = await fetch(`${mobile.origin}/graphql/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: ORDER_STATUS, variables: { id: order.id } }),
    signal: controller.signal,
  });
  assert.equal(res.status, 200);
  const event = await firstNextEvent<{ data: { orderStatus: { orderId: string; status: string } } }>(res);
  assert.deepEqual(event.data.orderStatus, { orderId: order.id, status: 'PENDING' });
  controller.abort();
  assert.equal(loaded('ws'), true, 'the first connection loads the transports');
});

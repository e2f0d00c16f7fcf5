import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { createSeed } from '../../backends/seed/createSeed.js';
import { metricValue } from '../fixtures/metricValue.js';
import { operation } from '../fixtures/operations.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBffProcess, type BffProcess } from '../fixtures/startBffProcess.js';
import { gql, tokenFor } from '../fixtures/startBffs.js';

// Graceful drain on SIGTERM with events in flight: the web dashboard's feed resolves each
// order's customer from the users service, made slow here, so that at SIGTERM one event is
// being executed and the next ones wait in the BFF. Every event already accepted from the
// broker reaches the client, in order, and only then does the socket close with 1001.

const seed = createSeed();
const customer = seed.orders.find((o) => o.status === 'ORDER_STATUS_PENDING')!.userId;
const USERS_LATENCY_MS = 1500;

let backends: BackendsProcess;
let web: BffProcess;
let mobile: BffProcess;
const sockets: WebSocket[] = [];

before(async () => {
  backends = await startBackendsProcess();
  [web, mobile] = await Promise.all([
    // Room for the slow users service: the per-call deadline and the shutdown deadline.
    startBffProcess('web', backends, { USERS_TIMEOUT_MS: '30000', SHUTDOWN_TIMEOUT_MS: '120000' }),
    startBffProcess('mobile', backends),
  ]);
});
after(async () => {
  for (const socket of sockets) socket.terminate();
  await Promise.all([web?.kill(), mobile?.kill()]);
  await backends?.stop();
});

const metric = async (name: string, labels: Record<string, string> = {}) => (await metricValue(web.adminOrigin, name, labels)) ?? 0;

test('SIGTERM with events queued and executing: each accepted event is sent, in order, then the socket closes with 1001', async () => {
  const staff = await tokenFor(backends, 'u-00001', 'orders:read:all');
  const socket = new WebSocket(web.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  sockets.push(socket);
  const frames: {
    type: string;
    payload?: { data?: { orderEvents: { order: { id: string; customer: { id: string; name: string } | null } } } };
  }[] = [];
  let acked!: () => void;
  const ack = new Promise<void>((resolve) => (acked = resolve));
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as (typeof frames)[number];
    if (frame.type === 'connection_ack') return acked();
    frames.push(frame);
  });
  const closed = once(socket, 'close').then(([code]) => code as number);
  await once(socket, 'open');
  socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${staff}` } }));
  await ack;
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: operation('web', 'OrderEvents').query } }));
  while ((await metric('bff_subscriptions_active', { field: 'orderEvents' })) !== 1)
    await new Promise((resolve) => setTimeout(resolve, 25));

  await backends.admin.faults({ users: { latencyMs: USERS_LATENCY_MS } });
  const token = await tokenFor(backends, customer);
  const product = seed.products[0]!;
  const placed: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await gql<{ placeOrder: { order: { id: string } } }>(
      mobile.url,
      operation('mobile', 'PlaceOrder').query,
      {
        input: {
          items: [{ productId: product.id, quantity: 1, expectedUnitPriceCents: product.price.amountCents }],
          idempotencyKey: `drain-${i}`,
        },
      },
      { authorization: `Bearer ${token}` },
    );
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    placed.push(res.body.data!.placeOrder.order.id);
  }
  // All three accepted by the BFF (taken for execution or queued), at least one still queued.
  for (;;) {
    const [taken, queued] = [
      await metric('bff_subscription_events_total', { field: 'orderEvents' }),
      await metric('bff_subscription_events_queued'),
    ];
    if (queued >= 1 && taken + queued === 3) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const sentBefore = frames.length;
  web.child.kill('SIGTERM');

  assert.equal(await closed, 1001, 'going away');
  const events = frames.filter((f) => f.type === 'next');
  assert.ok(sentBefore < 3, 'events were still in flight at SIGTERM');
  assert.deepEqual(
    events.map((e) => e.payload!.data!.orderEvents.order.id),
    placed,
    'every accepted event, in order',
  );
  for (const event of events)
    assert.equal(event.payload!.data!.orderEvents.order.customer?.id, customer, 'executed in full (the slow call finished)');
  assert.equal(frames.filter((f) => f.type === 'complete').length, 0, 'not completed: a graphql-ws client resubscribes after 1001');
  assert.equal(await web.exited, 0);
  await backends.admin.faults({ users: {} });
});

test('SHUTDOWN_TIMEOUT_MS bounds the drain: events still in flight at the deadline are dropped, the socket closes with 1001, the process exits', async () => {
  const bff = await startBffProcess('web', backends, { USERS_TIMEOUT_MS: '30000', SHUTDOWN_TIMEOUT_MS: '300' });
  try {
    const staff = await tokenFor(backends, 'u-00001', 'orders:read:all');
    const socket = new WebSocket(bff.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    sockets.push(socket);
    const types: string[] = [];
    let acked!: () => void;
    const ack = new Promise<void>((resolve) => (acked = resolve));
    socket.on('message', (data) => {
      const { type } = JSON.parse(String(data)) as { type: string };
      if (type === 'connection_ack') acked();
      else types.push(type);
    });
    const closed = once(socket, 'close').then(([code]) => code as number);
    await once(socket, 'open');
    socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${staff}` } }));
    await ack;
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: operation('web', 'OrderEvents').query } }));
    while (((await metricValue(bff.adminOrigin, 'bff_subscriptions_active', { field: 'orderEvents' })) ?? 0) !== 1)
      await new Promise((resolve) => setTimeout(resolve, 25));

    // The users service takes far longer than the shutdown deadline.
    await backends.admin.faults({ users: { latencyMs: 60_000 } });
    const product = seed.products[0]!;
    const res = await gql(
      mobile.url,
      operation('mobile', 'PlaceOrder').query,
      {
        input: {
          items: [{ productId: product.id, quantity: 1, expectedUnitPriceCents: product.price.amountCents }],
          idempotencyKey: 'drain-deadline',
        },
      },
      { authorization: `Bearer ${await tokenFor(backends, customer)}` },
    );
    assert.equal(res.body.errors, undefined);
    while (((await metricValue(bff.adminOrigin, 'bff_subscription_events_total', { field: 'orderEvents' })) ?? 0) < 1)
      await new Promise((resolve) => setTimeout(resolve, 25));

    bff.child.kill('SIGTERM');
    assert.equal(await closed, 1001);
    assert.deepEqual(types, [], 'the event still executing at the deadline was not sent');
    assert.equal(await bff.exited, 1, 'exit 1: something was cut off at the deadline');
  } finally {
    await backends.admin.faults({ users: {} });
    await bff.kill();
  }
});

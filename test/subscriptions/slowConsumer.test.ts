import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { createSeed } from '../../backends/seed/createSeed.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBffProcess, type BffProcess } from '../fixtures/startBffProcess.js';
import { tokenFor } from '../fixtures/startBffs.js';

// A stream that never ends (the orders service cycles an order's statuses every 5 ms) and a
// client that stops reading: the BFF cuts that client off with 4413, and only that client.

let backends: BackendsProcess;
let mobile: BffProcess;
const sockets: WebSocket[] = [];
const seed = createSeed();
const order = seed.orders.find((o) => o.status === 'ORDER_STATUS_PENDING')!;
const QUERY = 'subscription S($id: ID!) { orderStatus(orderId: $id) { status statusLabel updated } }';
const NEXT: Record<string, string> = { PENDING: 'PAID', PAID: 'SHIPPED', SHIPPED: 'DELIVERED', DELIVERED: 'PENDING' };

before(async () => {
  backends = await startBackendsProcess({ ORDERS_WATCH_INTERVAL_MS: '5', ORDERS_WATCH_REPEAT: '1' });
  // No keepalive: a client that stops reading answers no ping either, and on a loaded machine
  // the keepalive could drop it (1006) before its buffers fill, which is not what this tests.
  mobile = await startBffProcess('mobile', backends, { WS_MAX_QUEUED_EVENTS: '200', WS_MAX_SUBSCRIPTIONS: '20', WS_KEEPALIVE_MS: '0' });
});
after(async () => {
  for (const socket of sockets) socket.terminate();
  await mobile?.kill();
  await backends?.stop();
});

/** A graphql-transport-ws connection, acknowledged, with `count` subscriptions to the order. */
async function connect(
  token: string,
  count: number,
  onNext: (payload: { data: { orderStatus: { status: string } } }) => void,
): Promise<WebSocket> {
  const socket = new WebSocket(mobile.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  sockets.push(socket);
  await once(socket, 'open');
  socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } }));
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; payload: never };
    if (message.type === 'next') onNext(message.payload);
  });
  await new Promise<void>((resolve) => socket.on('message', (data) => String(data).includes('connection_ack') && resolve()));
  for (let i = 0; i < count; i++)
    socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: QUERY, variables: { id: order.id } } }));
  return socket;
}

async function dropsOf(reason: string): Promise<number> {
  const text = await fetch(`${mobile.adminOrigin}/metrics`).then((r) => r.text());
  return Number(new RegExp(`bff_subscription_drops_total\\{reason="${reason}"[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0);
}

test('events arrive in order; a client that stops reading is cut off with 4413, the others keep their stream', async () => {
  const token = await tokenFor(backends, order.userId);
  const statuses: string[] = [];
  let enough!: () => void;
  const eight = new Promise<void>((resolve) => (enough = resolve));
  const fast = await connect(token, 1, (payload) => {
    statuses.push(payload.data.orderStatus.status);
    if (statuses.length === 8) enough();
  });
  let fastClosed: number | undefined;
  fast.on('close', (code) => (fastClosed = code));
  await eight;
  for (let i = 1; i < 8; i++)
    assert.equal(statuses[i], NEXT[statuses[i - 1]!], `event ${i} follows event ${i - 1}: ${statuses.join(', ')}`);

  let first!: () => void;
  const started = new Promise<void>((resolve) => (first = resolve));
  const slow = await connect(token, 20, () => first());
  await started;
  // Stop reading: the kernel's buffers fill, then the BFF's writes stall, then its queue grows.
  (slow as unknown as { _socket: { pause(): void } })._socket.pause();
  for (;;) {
    if ((await dropsOf('slow_consumer')) >= 1) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const closed = once(slow, 'close');
  (slow as unknown as { _socket: { resume(): void } })._socket.resume();
  const [code] = (await closed) as [number];
  assert.equal(code, 4413);

  const before = statuses.length;
  await new Promise<void>((resolve) => fast.on('message', () => statuses.length > before + 4 && resolve()));
  assert.equal(fastClosed, undefined, 'the reading client is not cut off');
  assert.equal((await backends.admin.stats()).orders.openStreams.WatchOrderStatus, 1, 'one upstream stream throughout');
});

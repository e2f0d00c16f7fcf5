import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { createSeed } from '../../backends/seed/createSeed.js';
import { metricValue } from '../fixtures/metricValue.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBffProcess, type BffProcess } from '../fixtures/startBffProcess.js';
import { tokenFor } from '../fixtures/startBffs.js';

// The per-connection limits and timers of the WebSocket transport, each against a real BFF
// process with the limit set small, each asserting the close code docs/operations.md lists
// (the per-user connection limit and the token expiry are in subscriptions.test.ts, the slow
// consumer in slowConsumer.test.ts).

const seed = createSeed();
const order = seed.orders.find((o) => o.status === 'ORDER_STATUS_PENDING')!;
const ORDER_STATUS = 'subscription S($id: ID!) { orderStatus(orderId: $id) { status } }';

let backends: BackendsProcess;
/**
 * Short timers: keepalive every second, idle after 2.5 s, any connection closed at 6 s. (The
 * ping interval is also how long a client has to answer: on a loaded machine a test client
 * needs some room, or the keepalive drops the clients that do answer.)
 */
let timers: BffProcess;
/** Small counts: 2 subscriptions per connection, 8 client messages per second. */
let counts: BffProcess;
const sockets: WebSocket[] = [];

before(async () => {
  // Streams stay open (one event, then an hour's pause) until someone closes them.
  backends = await startBackendsProcess({ ORDERS_WATCH_INTERVAL_MS: '3600000' });
  [timers, counts] = await Promise.all([
    startBffProcess('mobile', backends, { WS_KEEPALIVE_MS: '1000', WS_IDLE_TIMEOUT_MS: '2500', WS_MAX_LIFETIME_MS: '6000' }),
    startBffProcess('mobile', backends, { WS_MAX_SUBSCRIPTIONS: '2', WS_MAX_MESSAGES_PER_SECOND: '8' }),
  ]);
});
after(async () => {
  for (const socket of sockets) socket.terminate();
  await Promise.all([timers?.kill(), counts?.kill()]);
  await backends?.stop();
});

interface Connection {
  socket: WebSocket;
  /** Every graphql-transport-ws message received, in order. */
  messages: { type: string; id?: string; payload?: unknown }[];
  /** The close code the client saw (1006: dropped without a close frame). */
  closed: Promise<number>;
  /** Resolves once a message `match` accepts has arrived (or had); rejects if the socket closes first. */
  waitFor(match: (message: { type: string; id?: string; payload?: unknown }) => boolean): Promise<void>;
  pings: number;
}

/** A raw graphql-transport-ws connection, acknowledged (the frames are what the test asserts). */
async function connect(bff: BffProcess, token: string, options: { autoPong?: boolean } = {}): Promise<Connection> {
  const socket = new WebSocket(bff.url.replace(/^http/, 'ws'), 'graphql-transport-ws', { autoPong: options.autoPong ?? true });
  sockets.push(socket);
  const messages: Connection['messages'] = [];
  const waiters: { match: (m: Connection['messages'][number]) => boolean; resolve: () => void }[] = [];
  const connection: Connection = {
    socket,
    messages,
    pings: 0,
    closed: once(socket, 'close').then(([code]) => code as number),
    waitFor: (match) =>
      messages.some(match)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiters.push({ match, resolve })),
            connection.closed.then((code) => {
              throw new Error(`closed with ${code} first`);
            }),
          ]),
  };
  socket.on('ping', () => connection.pings++);
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as Connection['messages'][number];
    messages.push(message);
    for (const w of [...waiters]) if (w.match(message)) waiters.splice(waiters.indexOf(w), 1) && w.resolve();
  });
  await once(socket, 'open');
  socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } }));
  await connection.waitFor((m) => m.type === 'connection_ack');
  return connection;
}

function subscribe(connection: Connection, id: string): void {
  connection.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: ORDER_STATUS, variables: { id: order.id } } }));
}

/** Polls `read` until `accept` holds (the condition is in another process). */
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const drops = (bff: BffProcess, reason: string) => metricValue(bff.adminOrigin, 'bff_subscription_drops_total', { reason });

describe('timers', () => {
  test('keepalive: the server pings; a client that answers stays, one that never answers a ping is dropped', async () => {
    const token = await tokenFor(backends, order.userId);
    // Subscribed, so neither is idle; both are cut at the 2 s lifetime at the latest.
    const [answering, silent] = await Promise.all([connect(timers, token), connect(timers, token, { autoPong: false })]);
    subscribe(answering, '1');
    subscribe(silent, '1');
    const silentCode = await silent.closed;
    assert.equal(silentCode, 1006, 'terminated without a close frame: the peer is presumed dead');
    assert.ok(silent.pings >= 1, 'it was pinged before it was dropped');
    assert.equal(await drops(timers, 'keepalive'), 1);
    // The answering client is pinged again and again, and stays open.
    let early: number | undefined;
    void answering.closed.then((code) => (early = code));
    await eventually(
      async () => (early !== undefined ? Infinity : answering.pings),
      (n) => n > silent.pings + 1,
    );
    assert.equal(early, undefined, 'the answering client was not dropped');
    assert.equal(answering.socket.readyState, WebSocket.OPEN);
  });

  test('max lifetime: a busy connection that answers every ping is closed with 4412 after WS_MAX_LIFETIME_MS', async () => {
    const token = await tokenFor(backends, order.userId);
    const busy = await connect(timers, token);
    subscribe(busy, '1');
    await busy.waitFor((m) => m.type === 'next');
    assert.equal(await busy.closed, 4412);
    assert.ok(busy.pings >= 2, `it answered pings meanwhile (${busy.pings})`);
    assert.ok(((await drops(timers, 'max_lifetime')) ?? 0) >= 1);
  });

  test('idle: a connection with no subscription and no message is closed with 4411 after WS_IDLE_TIMEOUT_MS (pongs do not count)', async () => {
    const token = await tokenFor(backends, order.userId);
    const idle = await connect(timers, token);
    assert.equal(await idle.closed, 4411);
    assert.equal(idle.messages.filter((m) => m.type !== 'connection_ack').length, 0);
    assert.ok(idle.pings >= 1, 'pings were answered meanwhile and did not keep it open');
    assert.ok(((await drops(timers, 'idle')) ?? 0) >= 1);
  });

  test('idle does not close a connection that holds a subscription', async () => {
    const token = await tokenFor(backends, order.userId);
    const [held, idle] = await Promise.all([connect(timers, token), connect(timers, token)]);
    subscribe(held, '1');
    await held.waitFor((m) => m.type === 'next');
    // The idle one, opened at the same time, is closed first; the subscribed one lives until its lifetime.
    assert.equal(await idle.closed, 4411);
    assert.equal(held.socket.readyState, WebSocket.OPEN);
    assert.equal(await held.closed, 4412);
  });
});

describe('counts', () => {
  test(`subscriptions per connection: past WS_MAX_SUBSCRIPTIONS (2) the subscribe gets RATE_LIMITED and the others keep running`, async () => {
    const token = await tokenFor(backends, order.userId);
    const c = await connect(counts, token);
    subscribe(c, 'a');
    subscribe(c, 'b');
    await c.waitFor((m) => m.type === 'next' && m.id === 'a');
    await c.waitFor((m) => m.type === 'next' && m.id === 'b');
    subscribe(c, 'c');
    await c.waitFor((m) => m.id === 'c');
    const refused = c.messages.find((m) => m.id === 'c')!;
    assert.equal(refused.type, 'error');
    assert.equal((refused.payload as { extensions: { code: string } }[])[0]!.extensions.code, 'RATE_LIMITED');
    assert.equal(c.socket.readyState, WebSocket.OPEN, 'the connection stays open');
    assert.equal(await drops(counts, 'subscriptions_per_connection'), 1);

    // One finished frees a place.
    c.socket.send(JSON.stringify({ id: 'a', type: 'complete' }));
    await eventually(
      async () => metricValue(counts.adminOrigin, 'bff_subscriptions_active', { field: 'orderStatus' }),
      (n) => n === 1,
    );
    subscribe(c, 'd');
    await c.waitFor((m) => m.id === 'd');
    assert.equal(c.messages.find((m) => m.id === 'd')!.type, 'next');
    c.socket.close();
  });

  test('messages per second: past WS_MAX_MESSAGES_PER_SECOND (8) the connection is closed with 4429', async () => {
    const token = await tokenFor(backends, order.userId);
    const c = await connect(counts, token);
    // connection_init was the first message of this second; twenty pings are well past eight.
    for (let i = 0; i < 20; i++) c.socket.send(JSON.stringify({ type: 'ping' }));
    assert.equal(await c.closed, 4429);
    assert.ok(c.messages.filter((m) => m.type === 'pong').length <= 7, 'messages past the budget are not answered');
    assert.equal(await drops(counts, 'messages_per_second'), 1);
  });
});

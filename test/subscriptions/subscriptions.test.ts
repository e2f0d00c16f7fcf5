import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { readFileSync } from 'node:fs';
import { createSeed } from '../../backends/seed/createSeed.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBffProcess, type BffProcess } from '../fixtures/startBffProcess.js';
import { gql, tokenFor } from '../fixtures/startBffs.js';
import { firstNextEvent } from '../fixtures/sse.js';

// Subscriptions against real processes: a graphql-ws client and an SSE client, the demo
// backends (whose orders service counts its open WatchOrderStatus streams), both BFFs.

let backends: BackendsProcess;
let mobile: BffProcess;
let web: BffProcess;
const clients: Client[] = [];

const seed = createSeed();
const [pendingA, pendingB] = seed.orders.filter((o) => o.status === 'ORDER_STATUS_PENDING' && o.items.length > 0);
const ORDER_STATUS = 'subscription S($id: ID!) { orderStatus(orderId: $id) { orderId status statusLabel updated } }';

before(async () => {
  // Streams stay open (one event, then a pause of an hour) until someone closes them.
  backends = await startBackendsProcess({ ORDERS_WATCH_INTERVAL_MS: '3600000' });
  const env = { SHUTDOWN_TIMEOUT_MS: '10000', JWT_CLOCK_TOLERANCE_S: '0', WS_MAX_CONNECTIONS_PER_USER: '3' };
  [mobile, web] = await Promise.all([startBffProcess('mobile', backends, env), startBffProcess('web', backends, env)]);
});
after(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await Promise.all([mobile?.kill(), web?.kill()]);
  await backends?.stop();
});

function wsUrl(bff: BffProcess): string {
  return bff.url.replace(/^http/, 'ws');
}

/** A graphql-ws client that does not retry, so a close is seen as it is. */
function client(bff: BffProcess, token: string | undefined, onClose?: (code: number, reason: string) => void): Client {
  const c = createClient({
    url: wsUrl(bff),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
    on: { closed: (event) => onClose?.((event as { code: number }).code, String((event as { reason: unknown }).reason)) },
    onNonLazyError: () => undefined,
  });
  clients.push(c);
  return c;
}

interface Received {
  next: unknown[];
  errors: unknown[];
  done: Promise<void>;
  waitFor(count: number): Promise<void>;
  unsubscribe(): void;
}

function follow(c: Client, query: string, variables: Record<string, unknown> = {}): Received {
  const next: unknown[] = [];
  const errors: unknown[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const wake = () => {
    for (const w of [...waiters])
      if (next.length >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  };
  const unsubscribe = c.subscribe(
    { query, variables },
    {
      next: (value) => {
        next.push(value);
        wake();
      },
      error: (error) => {
        errors.push(error);
        finish();
      },
      complete: () => finish(),
    },
  );
  return {
    next,
    errors,
    done,
    unsubscribe,
    waitFor: (count) =>
      next.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => {
            waiters.push({ count, resolve });
          }),
  };
}

/** Polls `read` until `accept` holds (the condition is in another process). */
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`not true after 15 s: ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const openWatchStreams = async () => (await backends.admin.stats()).orders.openStreams?.WatchOrderStatus ?? 0;

test('mobile orderStatus over WebSocket: two clients of one order share one gRPC stream, closed when the last unsubscribes', async () => {
  const token = await tokenFor(backends, pendingA!.userId);
  const [one, two] = [client(mobile, token), client(mobile, token)];
  const first = follow(one, ORDER_STATUS, { id: pendingA!.id });
  await first.waitFor(1);
  const second = follow(two, ORDER_STATUS, { id: pendingA!.id });
  await second.waitFor(1);
  assert.deepEqual(first.next[0], {
    data: {
      orderStatus: {
        orderId: pendingA!.id,
        status: 'PENDING',
        statusLabel: 'Pending',
        updated: (first.next[0] as { data: { orderStatus: { updated: string } } }).data.orderStatus.updated,
      },
    },
  });
  assert.deepEqual(second.next[0], first.next[0], 'a late joiner gets the latest status at once');
  assert.equal(await openWatchStreams(), 1, 'one upstream stream for both clients');

  first.unsubscribe();
  await first.done;
  assert.equal(await openWatchStreams(), 1, 'still followed by the second client');
  second.unsubscribe();
  await second.done;
  await eventually(openWatchStreams, (n) => n === 0, 'the stream is closed when the last client leaves');
});

test('mobile orderStatus over SSE (distinct connections): the same payload', async () => {
  const token = await tokenFor(backends, pendingB!.userId);
  const controller = new AbortController();
  const res = await fetch(`${mobile.origin}/graphql/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: ORDER_STATUS, variables: { id: pendingB!.id } }),
    signal: controller.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const data = await firstNextEvent<{ data: { orderStatus: Record<string, string> } }>(res);
  assert.equal(data.data.orderStatus.orderId, pendingB!.id);
  assert.equal(data.data.orderStatus.status, 'PENDING');
  assert.equal(data.data.orderStatus.statusLabel, 'Pending');
  assert.equal(await openWatchStreams(), 1);
  controller.abort();
  await eventually(openWatchStreams, (n) => n === 0, 'the stream is closed when the SSE client goes away');
});

test("refusals: a bad token closes with 4401; anonymous gets UNAUTHENTICATED; another user's order FORBIDDEN (decided by the orders service)", async () => {
  const closed = new Promise<number>((resolve) => client(mobile, 'not.a-valid.token', (code) => resolve(code)));
  assert.equal(await closed, 4401);

  const anonymous = follow(client(mobile, undefined), ORDER_STATUS, { id: pendingA!.id });
  await anonymous.done;
  assert.equal(
    (anonymous.errors[0] as { extensions?: { code?: string } }[])[0]?.extensions?.code ??
      (anonymous.next[0] as { errors?: { extensions: { code: string } }[] })?.errors?.[0]?.extensions.code,
    'UNAUTHENTICATED',
  );

  const stranger = await tokenFor(backends, pendingB!.userId);
  const foreign = follow(client(mobile, stranger), ORDER_STATUS, { id: pendingA!.id });
  await foreign.done;
  const refusal =
    (foreign.next[0] as { errors?: { extensions: { code: string } }[] } | undefined)?.errors?.[0] ??
    (foreign.errors[0] as { extensions: { code: string } }[])[0];
  assert.equal(refusal?.extensions.code, 'FORBIDDEN');
  assert.equal(await openWatchStreams(), 0, 'a refused stream does not stay open');
});

test('web orderEvents: staff get new orders in order, as full rows; a customer is refused', async () => {
  const staff = await tokenFor(backends, 'u-00001', 'orders:read:all');
  const feed = follow(
    client(web, staff),
    'subscription { orderEvents { kind order { id status total { formatted } itemCount customer { id } } } }',
  );
  const customer = await tokenFor(backends, pendingA!.userId);
  // The feed reads the queue from when it runs: wait until the subscription is running.
  await eventually(
    async () => await fetch(`${web.adminOrigin}/metrics`).then((r) => r.text()),
    (t) => /bff_subscriptions_active\{field="orderEvents"[^}]*\} 1/.test(t),
    'the feed runs',
  );
  const placed: string[] = [];
  const product = seed.products[0]!;
  for (let i = 0; i < 3; i++) {
    const res = await gql<{ placeOrder: { order: { id: string } } }>(
      mobile.url,
      `mutation P($input: PlaceOrderInput!) { placeOrder(input: $input) { ... on OrderPlaced { order { id } } } }`,
      {
        input: {
          items: [{ productId: product.id, quantity: 1, expectedUnitPriceCents: product.price.amountCents }],
          idempotencyKey: `sub-test-${i}`,
        },
      },
      { authorization: `Bearer ${customer}` },
    );
    placed.push(res.body.data!.placeOrder.order.id);
  }
  await feed.waitFor(3);
  const rows = feed.next.slice(0, 3) as {
    data: { orderEvents: { kind: string; order: { id: string; status: string; itemCount: number; customer: { id: string } } } };
  }[];
  assert.deepEqual(
    rows.map((r) => r.data.orderEvents.order.id),
    placed,
    'in the order they were placed',
  );
  for (const row of rows) {
    assert.equal(row.data.orderEvents.kind, 'CREATED');
    assert.equal(row.data.orderEvents.order.status, 'PENDING');
    assert.equal(row.data.orderEvents.order.customer.id, pendingA!.userId);
  }
  feed.unsubscribe();

  const refused = follow(client(web, customer), 'subscription { orderEvents { kind } }');
  await refused.done;
  const error = (refused.errors[0] as { extensions: { code: string } }[] | undefined)?.[0];
  assert.equal(error?.extensions.code, 'FORBIDDEN');
});

test('the connection closes with 4410 when its token expires', async () => {
  const token = await tokenFor(backends, pendingA!.userId, undefined, { ttlSeconds: 2 });
  const closed = new Promise<number>((resolve) => {
    const c = client(mobile, token, (code) => resolve(code));
    follow(c, ORDER_STATUS, { id: pendingA!.id });
  });
  assert.equal(await closed, 4410);
});

test('a user past WS_MAX_CONNECTIONS_PER_USER (3) is refused with 4429', async () => {
  const token = await tokenFor(backends, 'u-00042');
  const acked = () =>
    new Promise<Client>((resolve) => {
      const c = createClient({
        url: wsUrl(mobile),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: false,
        connectionParams: { Authorization: `Bearer ${token}` },
        on: { connected: () => resolve(c) },
        onNonLazyError: () => undefined,
      });
      clients.push(c);
    });
  await acked();
  await acked();
  await acked();
  const fourth = await new Promise<number>((resolve) => client(mobile, token, (code) => resolve(code)));
  assert.equal(fourth, 4429);
  await eventually(
    async () => await fetch(`${mobile.adminOrigin}/metrics`).then((r) => r.text()),
    (t) => /bff_subscription_drops_total\{reason="connections_per_user"[^}]*\} 1/.test(t),
    'the refusal is counted',
  );
});

test('a query over the WebSocket is refused: only subscriptions are served there', async () => {
  const sub = follow(client(web, undefined), '{ product(id: "p-00001") { id } }');
  await sub.done;
  assert.equal((sub.errors[0] as { extensions: { code: string } }[])[0]?.extensions.code, 'BAD_REQUEST');
});

test("production: the mobile safelist admits the manifest's subscription (by text or by hash) and refuses any other", async () => {
  const bff = await startBffProcess('mobile', backends, {
    NODE_ENV: 'production',
    IDENTITY_HMAC_SECRET: 'dev-identity-secret-change-me',
    RATE_LIMIT_ENABLED: 'false',
  });
  try {
    const manifest = JSON.parse(readFileSync(new URL('../../bff-mobile/operations/manifest.json', import.meta.url), 'utf8')) as {
      operations: { id: string; name: string; body: string }[];
    };
    const entry = manifest.operations.find((o) => o.name === 'OrderStatus')!;
    const token = await tokenFor(backends, pendingA!.userId);
    const c = client(bff, token);
    const adHoc = follow(c, ORDER_STATUS, { id: pendingA!.id });
    await adHoc.done;
    assert.equal((adHoc.errors[0] as { extensions: { code: string } }[])[0]?.extensions.code, 'PERSISTED_QUERY_NOT_ALLOWED');

    const listed = follow(c, entry.body, { orderId: pendingA!.id });
    await listed.waitFor(1);
    assert.equal((listed.next[0] as { data: { orderStatus: { status: string } } }).data.orderStatus.status, 'PENDING');
    listed.unsubscribe();

    const byHash: unknown[] = [];
    await new Promise<void>((resolve) => {
      const stop = c.subscribe(
        { query: '', variables: { orderId: pendingA!.id }, extensions: { persistedQuery: { version: 1, sha256Hash: entry.id } } },
        {
          next: (value) => {
            byHash.push(value);
            stop();
            resolve();
          },
          error: (error) => {
            byHash.push(error);
            resolve();
          },
          complete: () => resolve(),
        },
      );
    });
    assert.equal((byHash[0] as { data?: { orderStatus: { status: string } } }).data?.orderStatus.status, 'PENDING', JSON.stringify(byHash));
  } finally {
    await bff.kill();
  }
});

test('SIGTERM: open sockets are closed with 1001 (going away) and the process exits 0', async () => {
  const bff = await startBffProcess('mobile', backends, { SHUTDOWN_TIMEOUT_MS: '10000' });
  try {
    const token = await tokenFor(backends, pendingA!.userId);
    let closedWith: ((code: number) => void) | undefined;
    const closed = new Promise<number>((resolve) => (closedWith = resolve));
    const c = client(bff, token, (code) => closedWith?.(code));
    const sub = follow(c, ORDER_STATUS, { id: pendingA!.id });
    await sub.waitFor(1);
    bff.child.kill('SIGTERM');
    assert.equal(await closed, 1001);
    assert.equal(await bff.exited, 0);
    await eventually(openWatchStreams, (n) => n === 0, 'the upstream stream is closed on shutdown');
  } finally {
    await bff.kill();
  }
});

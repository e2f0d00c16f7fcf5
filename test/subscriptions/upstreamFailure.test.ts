import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createSeed } from '../../backends/seed/createSeed.js';
import { metricValue } from '../fixtures/metricValue.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBffProcess, type BffProcess } from '../fixtures/startBffProcess.js';
import { tokenFor } from '../fixtures/startBffs.js';

// The orders backend dies while a client follows an order. What the code promises
// (docs/operations.md, Subscriptions): the shared stream is reopened with backoff (100 ms
// doubling, 5 times; unit-tested in test/unit/createSharedStreams.test.ts); when it cannot be,
// the client gets one typed error event — the field null with UPSTREAM_UNAVAILABLE — then the
// subscription completes; the connection and the BFF stay up.

const seed = createSeed();
const order = seed.orders.find((o) => o.status === 'ORDER_STATUS_PENDING')!;

let backends: BackendsProcess;
let mobile: BffProcess;
let client: Client | undefined;

before(async () => {
  backends = await startBackendsProcess({ ORDERS_WATCH_INTERVAL_MS: '3600000' });
  mobile = await startBffProcess('mobile', backends);
});
after(async () => {
  await client?.dispose();
  await mobile?.kill();
  await backends?.stop();
});

test('orders backend killed mid-stream: after the reconnects, one UPSTREAM_UNAVAILABLE event, then complete; the connection stays open', async () => {
  const token = await tokenFor(backends, order.userId);
  let closed: number | undefined;
  client = createClient({
    url: mobile.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { Authorization: `Bearer ${token}` },
    on: { closed: (event) => (closed = (event as { code: number }).code) },
  });
  const events: { data?: unknown; errors?: { message: string; path?: string[]; extensions: Record<string, unknown> }[] }[] = [];
  let first!: () => void;
  const started = new Promise<void>((resolve) => (first = resolve));
  const completed = new Promise<string>((resolve) => {
    client!.subscribe(
      { query: 'subscription S($id: ID!) { orderStatus(orderId: $id) { status } }', variables: { id: order.id } },
      {
        next: (value) => {
          events.push(value as (typeof events)[number]);
          first();
        },
        error: (error) => resolve(`error: ${JSON.stringify(error)}`),
        complete: () => resolve('complete'),
      },
    );
  });
  await started;
  assert.deepEqual(events[0], { data: { orderStatus: { status: 'PENDING' } } });
  assert.equal(await metricValue(mobile.adminOrigin, 'bff_upstream_streams_open', {}), 1);

  await backends.stop();
  assert.equal(await completed, 'complete', 'the subscription completes (not a transport error)');
  assert.equal(events.length, 2, JSON.stringify(events));
  const failure = events[1]!;
  assert.deepEqual(failure.data, { orderStatus: null });
  assert.equal(failure.errors?.length, 1);
  assert.equal(failure.errors![0]!.extensions.code, 'UPSTREAM_UNAVAILABLE');
  assert.deepEqual(failure.errors![0]!.path, ['orderStatus']);
  assert.doesNotMatch(failure.errors![0]!.message, /grpc|ECONNREFUSED|at .*\.ts/i, 'no internal detail');

  assert.equal(closed, undefined, 'the connection is still open');
  assert.equal(await metricValue(mobile.adminOrigin, 'bff_upstream_streams_open', {}), 0, 'no upstream stream is left open');
  assert.equal((await fetch(`${mobile.origin}/healthz`)).status, 200);
  assert.equal(mobile.child.exitCode, null);
});

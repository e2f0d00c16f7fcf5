import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { after, before, test } from 'node:test';
import type { UpstreamCallEvent } from '../../src/observability/channels.js';
import { operation } from '../fixtures/operations.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';
import { untilHeld } from '../fixtures/holdRequests.js';

// A client that hangs up stops its request's backend calls, and its impatience is not held
// against the backend: the circuit breaker does not count cancelled calls.

let backends: BackendsProcess;
let web: RunningBff;
let staff: string;

before(async () => {
  backends = await startBackendsProcess();
  // A breaker that opens on the first counted failure: any cancellation counted would open it.
  web = await startBff('web', backends, { BREAKER_THRESHOLD: '1', UPSTREAM_TIMEOUT_MS: '5000' });
  staff = await tokenFor(backends, 'u-00001', 'orders:read:all customers:read');
});
after(async () => {
  await web?.close();
  await backends?.stop();
});

test('a client hanging up cancels the backend call, and the breaker stays closed', async () => {
  // The backend holds the call for 8 s: well past the cancellation, short of the request's 10 s budget.
  await backends.admin.faults({ orders: { latencyMs: 8000 } });
  const finished = new Promise<UpstreamCallEvent>((resolve) => {
    const onCall = (message: unknown) => {
      const event = message as UpstreamCallEvent;
      if (event.backend !== 'orders') return;
      unsubscribe('bff:upstream:call', onCall);
      resolve(event);
    };
    subscribe('bff:upstream:call', onCall);
  });

  const client = new AbortController();
  const request = fetch(web.url, {
    method: 'POST',
    signal: client.signal,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${staff}` },
    body: JSON.stringify({ query: operation('web', 'OrdersTable').query, variables: { first: 10 } }),
  }).catch((error: unknown) => error);
  // Hang up once the backend has the call.
  await untilHeld([request], async () => (await backends.admin.stats()).orders.calls > 0);
  client.abort();
  await request;

  const event = await finished;
  // Cancelled: not completed after the backend's 8 s, and not timed out (UPSTREAM_TIMEOUT).
  assert.equal(event.error, 'UPSTREAM_UNAVAILABLE');
  assert.ok(event.ms < 7000, `cancelled after ${event.ms} ms`);

  await backends.admin.faults({ orders: {} });
  const res = await gql(web.url, operation('web', 'OrdersTable').query, { first: 10 }, { authorization: `Bearer ${staff}` });
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
});

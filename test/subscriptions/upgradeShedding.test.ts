import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { metricValue } from '../fixtures/metricValue.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';
import { until } from '../fixtures/until.js';

// Load shedding covers new subscription connections: while the process sheds GraphQL requests,
// a WebSocket upgrade is refused with 503 and the JSON error body before the handshake
// completes, and an SSE stream the same way; once the load is gone both are admitted.

let backends: BackendsProcess;
let bff: RunningBff;

before(async () => {
  backends = await startBackendsProcess();
  bff = await startBff('web', backends, { SHED_MAX_IN_FLIGHT: '1' });
});
after(async () => {
  await backends?.admin.faults({ catalog: {} });
  await bff?.close();
  await backends?.stop();
});

const PRODUCT = 'query Product($id: ID!) { product(id: $id) { id title } }';

/** @returns the HTTP response a WebSocket upgrade got instead of the handshake, or 'open'. */
async function upgrade(url: string): Promise<{ status: number; headers: IncomingMessage['headers']; body: string } | 'open'> {
  const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  socket.on('error', () => undefined);
  return new Promise((resolve) => {
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_request, response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
  });
}

const sse = (token?: string) =>
  fetch(`${bff.origin}/graphql/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query: 'subscription { orderEvents { kind } }' }),
  });

test('while GraphQL requests are shed, WebSocket upgrades and SSE streams get 503 OVERLOADED before the handshake', async () => {
  await backends.admin.faults({ catalog: { latencyMs: 1500 } });
  // One request in flight fills SHED_MAX_IN_FLIGHT=1.
  const held = gql(bff.url, PRODUCT, { id: 'p-00001' });
  await until(
    'the held request at the catalog backend',
    async () => (await backends.admin.stats()).catalog.calls,
    (n) => n >= 1,
  );

  const refused = await upgrade(bff.url);
  assert.notEqual(refused, 'open', 'the handshake did not complete');
  if (refused === 'open') return;
  assert.equal(refused.status, 503);
  assert.equal(refused.headers['retry-after'], '1');
  assert.match(refused.headers['content-type'] ?? '', /application\/json/);
  assert.deepEqual(JSON.parse(refused.body), {
    errors: [{ message: 'The server is overloaded; retry shortly.', extensions: { code: 'OVERLOADED', retryAfterSeconds: 1 } }],
  });

  const stream = await sse();
  assert.equal(stream.status, 503);
  assert.equal(stream.headers.get('retry-after'), '1');
  const body = (await stream.json()) as { errors: { extensions: { code: string; retryAfterSeconds: number } }[] };
  assert.equal(body.errors[0]!.extensions.code, 'OVERLOADED');
  assert.equal(body.errors[0]!.extensions.retryAfterSeconds, 1);
  assert.equal(await metricValue(bff.adminOrigin, 'bff_subscription_drops_total', { reason: 'shed_in_flight' }), 2);
  assert.equal(
    (await metricValue(bff.adminOrigin, 'bff_subscription_connections', { transport: 'ws' })) ?? 0,
    0,
    'no connection was opened',
  );

  assert.equal((await held).status, 200);
  await backends.admin.faults({ catalog: {} });
  // The load is gone: both are admitted.
  assert.equal(await upgrade(bff.url), 'open');
  const admitted = await sse(await tokenFor(backends, 'u-00001', 'orders:read:all'));
  assert.equal(admitted.status, 200);
  assert.match(admitted.headers.get('content-type') ?? '', /text\/event-stream/);
  await admitted.body?.cancel();
});

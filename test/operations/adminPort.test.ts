import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { sampleOf } from '../fixtures/metricValue.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBffProcess, type BffProcess } from '../fixtures/startBffProcess.js';
import { gql, tokenFor } from '../fixtures/startBffs.js';
import { refused } from '../fixtures/refused.js';
import { holdRequests, untilHeld } from '../fixtures/holdRequests.js';
import { until } from '../fixtures/until.js';

// The admin (ops) port of a BFF process (issue 15 §5): probes with detail, /dependencies and
// /metrics there, the public port keeping only the status; the admin port never shed, rate
// limited or upgraded to a WebSocket, and readiness false on both ports from SIGTERM on.
// One process, its tests in order: the last one stops it.

let backends: BackendsProcess;
let bff: BffProcess;
let token: string;

before(async () => {
  backends = await startBackendsProcess();
  bff = await startBffProcess('web', backends, {
    // Admission at a fixed limit of 6 (min = initial = max): sheddable (ad-hoc) requests may fill 4.
    SHED_MAX_IN_FLIGHT: '6',
    // The held requests need their reviews call, and reviews are LOW fields: 4 of 6 in flight
    // is pressure (TRAFFIC_DEGRADE_AT), which would leave them out.
    TRAFFIC_DEGRADE: 'false',
    TRAFFIC_LIMIT_MIN: '6',
    TRAFFIC_LIMIT_INITIAL: '6',
    // Three anonymous requests per window; signed-in ones have the default 600.
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_ANONYMOUS: '3',
    // Held requests wait on the reviews backend until the test hangs up, not on a deadline.
    REVIEWS_TIMEOUT_MS: '60000',
    BFF_REQUEST_TIMEOUT_MS: '60000',
    BFF_IDLE_TIMEOUT_MS: '120000',
    SHUTDOWN_TIMEOUT_MS: '120000',
  });
  token = await tokenFor(backends, 'u-00007');
});
after(async () => {
  await bff?.kill();
  await backends?.stop();
});

const PRODUCT = 'query Product($id: ID!) { product(id: $id) { id title } }';

interface ErrorBody {
  errors: { message: string; extensions: { code: string; requestId?: string } }[];
}

/** Opens a graphql-ws WebSocket to `url`: `open`, or the handshake's refusal as ws reports it. */
function upgrade(url: string): Promise<{ opened: true; socket: WebSocket } | { opened: false; status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    socket.once('open', () => resolve({ opened: true, socket }));
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ opened: false, status: response.statusCode ?? 0, body }));
    });
    socket.once('error', reject);
  });
}

test('the bff.ready line names the admin port, a port of its own on 127.0.0.1', () => {
  assert.match(bff.adminOrigin, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(bff.adminOrigin, bff.origin);
});

test('the public port: /healthz, and /readyz with the status only; /metrics and /dependencies are 404 with the JSON error body', async () => {
  const health = await fetch(`${bff.origin}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });
  const ready = await fetch(`${bff.origin}/readyz`);
  assert.equal(ready.status, 200);
  assert.equal(ready.headers.get('cache-control'), 'no-store');
  assert.deepEqual(await ready.json(), { status: 'ready' }, 'no checks, no detail, no addresses');

  for (const path of ['/metrics', '/dependencies']) {
    const res = await fetch(`${bff.origin}${path}`, { headers: { 'x-request-id': `public-${path.slice(1)}` } });
    assert.equal(res.status, 404, path);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await res.json()) as ErrorBody;
    assert.equal(body.errors[0]!.extensions.code, 'NOT_FOUND');
    assert.equal(body.errors[0]!.extensions.requestId, `public-${path.slice(1)}`);
    assert.equal(body.errors[0]!.message, `No route GET ${path}.`);
  }
});

test('the admin port: /readyz with its checks, /dependencies, /metrics; no GraphQL, and unknown routes get the JSON error body', async () => {
  const ready = await fetch(`${bff.adminOrigin}/readyz`);
  assert.equal(ready.status, 200);
  const readiness = (await ready.json()) as { ready: boolean; status: string; checks: Record<string, { ok: boolean; detail: string }> };
  assert.equal(readiness.ready, true);
  assert.equal(readiness.status, 'ready');
  assert.deepEqual(Object.keys(readiness.checks).sort(), ['identity', 'keys']);
  assert.deepEqual(await (await fetch(`${bff.adminOrigin}/healthz`)).json(), { status: 'ok' });

  const dependencies = await fetch(`${bff.adminOrigin}/dependencies`);
  assert.equal(dependencies.status, 200);
  const report = (await dependencies.json()) as { ok: boolean; backends: Record<string, { ok: boolean }> };
  assert.equal(report.backends.catalog?.ok, true);

  const metrics = await fetch(`${bff.adminOrigin}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await metrics.text();
  assert.equal(sampleOf(text, 'bff_in_flight_requests', { bff: 'web' }), 0);
  // Subscription metrics are served here too.
  assert.equal(sampleOf(text, 'bff_upstream_streams_open', { bff: 'web' }), 0);
  assert.match(text, /^# TYPE bff_subscription_connections gauge$/m);
  // The admin port's own requests are not client requests: only the public 404s above count.
  assert.equal(sampleOf(text, 'bff_requests_total', { client: 'unknown', status: '200' }), undefined);
  assert.equal(sampleOf(text, 'bff_requests_total', { client: 'unknown', status: '404' }), 2);

  const graphql = await fetch(`${bff.adminOrigin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  assert.equal(graphql.status, 404, 'GraphQL is served on the public port only');
  assert.equal(((await graphql.json()) as ErrorBody).errors[0]!.extensions.code, 'NOT_FOUND');
});

test('a WebSocket upgrade to the admin port is refused (404, JSON); the public /graphql accepts it', async () => {
  for (const path of ['/graphql', '/metrics']) {
    const refusal = await upgrade(`${bff.adminOrigin.replace(/^http/, 'ws')}${path}`);
    assert.equal(refusal.opened, false, `an upgrade on ${path} of the admin port`);
    if (refusal.opened) continue;
    assert.equal(refusal.status, 404);
    assert.equal((JSON.parse(refusal.body) as ErrorBody).errors[0]!.extensions.code, 'NOT_FOUND');
  }
  const accepted = await upgrade(`${bff.origin.replace(/^http/, 'ws')}/graphql`);
  assert.equal(accepted.opened, true);
  if (accepted.opened) {
    accepted.socket.close();
    await new Promise((resolve) => accepted.socket.once('close', resolve));
  }
});

test('over the rate limit the admin port still answers every probe and scrape', async () => {
  for (const id of ['p-00001', 'p-00002', 'p-00003']) assert.equal((await gql(bff.url, PRODUCT, { id })).status, 200);
  const limited = await gql(bff.url, PRODUCT, { id: 'p-00004' });
  assert.equal(limited.status, 429);
  assert.equal(limited.body.errors![0]!.extensions!.code, 'RATE_LIMITED');
  // More requests than the limit allows in the window, from the same address.
  for (let i = 0; i < 5; i++) {
    for (const path of ['/healthz', '/readyz', '/dependencies', '/metrics']) {
      const res = await fetch(`${bff.adminOrigin}${path}`);
      assert.equal(res.status, 200, `${path} on the admin port`);
      assert.equal(res.headers.get('ratelimit'), null, 'not counted');
      await res.arrayBuffer();
    }
  }
});

test('with admission full the admin port is not shed; SIGTERM makes both ports unready while the public one drains, the admin port closes last', async () => {
  await backends.admin.reset();
  // Saturation by construction, not by timing: the held requests stay until this test hangs up.
  await backends.admin.faults({ reviews: { latencyMs: 50_000 } });
  const hangUp = new AbortController();
  const held = holdRequests(bff.url, 4, hangUp.signal, { headers: { authorization: `Bearer ${token}` } });
  const settled = Promise.all(held);
  try {
    await untilHeld(held, async () => (await backends.admin.stats()).reviews.calls >= 4);
    const shed = await gql(bff.url, PRODUCT, { id: 'p-00009' }, { authorization: `Bearer ${token}` });
    assert.equal(shed.status, 503);
    assert.equal(shed.body.errors![0]!.extensions!.code, 'OVERLOADED');
    for (const path of ['/healthz', '/readyz', '/dependencies', '/metrics']) {
      assert.equal((await fetch(`${bff.adminOrigin}${path}`)).status, 200, `${path} on the admin port is not shed`);
    }
    const loaded = await (await fetch(`${bff.adminOrigin}/metrics`)).text();
    assert.equal(sampleOf(loaded, 'bff_in_flight_requests', { bff: 'web' }), 4);
    assert.equal(sampleOf(loaded, 'bff_shed_total', { bff: 'web', reason: 'in_flight' }), 1);

    bff.child.kill('SIGTERM');
    await bff.waitForLine((line) => line.signal === 'SIGTERM');
    const adminReady = await until(
      'the admin /readyz to say 503',
      () => fetch(`${bff.adminOrigin}/readyz`),
      (res) => res.status === 503,
    );
    assert.deepEqual(await adminReady.json(), { ready: false, status: 'shutting_down', checks: {} });
    // The public port is closing: a probe there is refused, or answered 503 while it still accepts.
    const publicReady = await fetch(`${bff.origin}/readyz`).then(
      async (res) => ({ status: res.status, body: await res.text() }),
      () => 'refused' as const,
    );
    if (publicReady !== 'refused') assert.equal(publicReady.status, 503, publicReady.body);
    await until('the public port to refuse connections', () => refused(bff.origin), Boolean);
    // The drain is visible where the orchestrator and Prometheus look.
    const draining = await fetch(`${bff.adminOrigin}/metrics`);
    assert.equal(draining.status, 200);
    assert.equal(sampleOf(await draining.text(), 'bff_in_flight_requests', { bff: 'web' }), 4);
    assert.equal((await fetch(`${bff.adminOrigin}/readyz`)).status, 503);
    assert.equal(await Promise.race([settled.then(() => 'done'), Promise.resolve('pending')]), 'pending', 'still draining');
  } finally {
    hangUp.abort();
    await settled;
    await backends.admin.faults({ reviews: {} });
  }
  assert.equal(await bff.exited, 0);
  assert.ok(bff.lines.some((line) => line.msg === 'bff-web stopped' && line.cutOff === false));
  assert.equal(await refused(bff.adminOrigin), true, 'the admin port closed with the process');
});

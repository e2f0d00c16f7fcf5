import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { createBffWeb } from '../../bff-web/createBffWeb.js';
import { loadConfig } from '../../src/config/loadConfig.js';
import type { BffServer } from '../../src/server/createServer.js';
import { DEAD_PORT } from '../fixtures/deadPort.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { backendEnv, gql } from '../fixtures/startBffs.js';
import { operation } from '../fixtures/operations.js';
import { sampleOf } from '../fixtures/metricValue.js';
import { webProfile } from '../../bff-web/webProfile.js';

// Access log, /metrics, /healthz and /readyz of a BFF built in-process with a captured logger
// (the public port and the admin one; test/operations/adminPort.test.ts has the process's view).

type Line = Record<string, unknown>;

let backends: BackendsProcess;
const servers: BffServer[] = [];

before(async () => {
  backends = await startBackendsProcess();
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await backends?.stop();
});

/** A web BFF whose log lines are kept; `lineOf(id)` resolves with a request's access line. */
async function startWeb(env: Record<string, string> = {}) {
  const lines: Line[] = [];
  const waiters = new Map<string, (line: Line) => void>();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = JSON.parse(chunk.toString()) as Line;
      lines.push(line);
      if (line.msg === 'request completed') waiters.get(line.requestId as string)?.(line);
      done();
    },
  });
  const config = loadConfig(webProfile, { NODE_ENV: 'test', BFF_HOST: '127.0.0.1', BFF_PORT: '0', ...backendEnv(backends), ...env });
  const server = await createBffWeb(config, { logger: pino({ level: 'info', base: { bff: 'web' } }, sink) });
  servers.push(server);
  const url = await server.listen();
  const lineOf = (requestId: string) => {
    const seen = lines.find((l) => l.msg === 'request completed' && l.requestId === requestId);
    return seen ? Promise.resolve(seen) : new Promise<Line>((resolve) => waiters.set(requestId, resolve));
  };
  return { server, url, origin: new URL(url).origin, adminOrigin: server.adminUrl!, lineOf };
}

const PRODUCT = 'query ProductCard($id: ID!) { product(id: $id) { id title stock { totalAvailable } } }';

async function metricsOf(origin: string): Promise<string> {
  const res = await fetch(`${origin}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  return res.text();
}

const sample = sampleOf;

test('one access line per request: GraphQL, and rejections before GraphQL (401, 413)', async () => {
  const web = await startWeb();
  const ok = await gql(web.url, PRODUCT, { id: 'p-00042' }, { 'x-request-id': 'req-ops-1' });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('x-request-id'), 'req-ops-1');
  const line = await web.lineOf('req-ops-1');
  assert.equal(line.status, 200);
  assert.equal(line.client, 'web');
  assert.equal(line.operation, 'ProductCard');
  assert.equal(line.operationType, 'query');
  assert.match(line.documentHash as string, /^[0-9a-f]{64}$/);
  assert.equal(line.backendCalls, ok.body.extensions!.fanout!.totals.calls);
  assert.ok((line.backendCalls as number) >= 2);
  assert.equal(typeof line.durationMs, 'number');
  assert.equal(line.bff, 'web');
  assert.equal(line.fastPath, undefined, 'an ad-hoc document goes through Apollo');

  // One of the client's own operations is served by the fast path, and its line says so.
  const page = operation('web', 'ProductPage');
  const fast = await gql(web.url, page.query, page.variables, { 'x-request-id': 'req-ops-fast' });
  assert.equal(fast.status, 200);
  const fastLine = await web.lineOf('req-ops-fast');
  assert.equal(fastLine.fastPath, true);
  assert.equal(fastLine.operation, 'ProductPage');
  assert.equal(fastLine.operationType, 'query');
  assert.match(fastLine.documentHash as string, /^[0-9a-f]{64}$/);
  assert.equal(fastLine.backendCalls, fast.body.extensions!.fanout!.totals.calls);

  const unauthenticated = await gql(web.url, PRODUCT, { id: 'p-00042' }, { authorization: 'Bearer a.b.c', 'x-request-id': 'req-ops-401' });
  assert.equal(unauthenticated.status, 401);
  assert.equal(unauthenticated.body.errors![0]!.extensions!.requestId, 'req-ops-401');
  const refused = await web.lineOf('req-ops-401');
  assert.deepEqual(refused.errorCodes, ['UNAUTHENTICATED']);
  assert.equal(refused.backendCalls, 0);
  assert.equal(refused.operation, undefined);

  const big = await fetch(web.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'req-ops-413' },
    body: JSON.stringify({ query: `{ __typename } #${'x'.repeat(2 * 1024 * 1024)}` }),
  });
  assert.equal(big.status, 413);
  assert.equal(((await big.json()) as { errors: { extensions: { requestId: string } }[] }).errors[0]!.extensions.requestId, 'req-ops-413');
  const tooLarge = await web.lineOf('req-ops-413');
  assert.equal(tooLarge.status, 413);
  assert.deepEqual(tooLarge.errorCodes, ['PAYLOAD_TOO_LARGE']);
});

test('/metrics: requests, errors, backend calls, loader batches, breakers, process; operation labels capped', async () => {
  const web = await startWeb({ METRICS_MAX_OPERATIONS: '3' });
  await gql(web.url, PRODUCT, { id: 'p-00001' }, { 'x-request-id': 'm-1' });
  // As application/graphql-response+json: a validation failure is then a 400 (as application/json, 200).
  await gql(web.url, '{ nope }', {}, { 'x-request-id': 'm-2', accept: 'application/graphql-response+json' });
  for (const n of [1, 2, 3, 4, 5]) await gql(web.url, `query Op${n} { __typename }`, {}, { 'x-request-id': `m-op-${n}` });
  await web.lineOf('m-op-5');

  const text = await metricsOf(web.adminOrigin);
  assert.equal(sample(text, 'bff_requests_total', { bff: 'web', client: 'web', operation: 'ProductCard', status: '200' }), 1);
  assert.equal(sample(text, 'bff_request_duration_seconds_count', { bff: 'web', client: 'web', operation: 'ProductCard' }), 1);
  // A document that never resolved to an operation is `none`, whatever it says.
  assert.equal(sample(text, 'bff_requests_total', { operation: 'none', status: '400' }), 1);
  assert.equal(sample(text, 'bff_errors_total', { code: 'GRAPHQL_VALIDATION_FAILED' }), 1);
  // ProductCard, Op1, Op2 fill the three label slots; Op3..Op5 are `other`.
  assert.equal(sample(text, 'bff_requests_total', { operation: 'Op2' }), 1);
  assert.equal(sample(text, 'bff_requests_total', { operation: 'Op3' }), undefined);
  assert.equal(sample(text, 'bff_requests_total', { operation: 'other', status: '200' }), 3);

  assert.ok(sample(text, 'bff_upstream_calls_total', { backend: 'catalog', protocol: 'rest' })! >= 1);
  assert.ok(sample(text, 'bff_upstream_calls_total', { backend: 'inventory', protocol: 'grpc' })! >= 1);
  assert.ok(sample(text, 'bff_upstream_call_duration_seconds_count', { backend: 'catalog', protocol: 'rest' })! >= 1);
  assert.ok(sample(text, 'bff_loader_batch_size_count', { loader: 'productById' })! >= 1);
  assert.equal(sample(text, 'bff_upstream_breaker_state', { backend: 'orders', state: 'closed' }), 1);
  assert.equal(sample(text, 'bff_upstream_breaker_state', { backend: 'orders', state: 'open' }), 0);
  assert.equal(sample(text, 'bff_in_flight_requests', { bff: 'web' }), 0);
  assert.match(text, /^nodejs_eventloop_lag_p99_seconds\{bff="web"\} /m);
  assert.match(text, /^process_cpu_user_seconds_total\{bff="web"\} /m);
  assert.match(text, /^bff_event_loop_utilization\{bff="web"\} /m);
  // Probes and scrapes are not client requests.
  assert.equal(sample(text, 'bff_requests_total', { operation: 'none', status: '200' }), undefined);
});

test('/healthz is trivial; /readyz is 200 with its checks, and stays 200 with a backend down, which /dependencies names', async () => {
  const web = await startWeb();
  for (const origin of [web.origin, web.adminOrigin]) {
    const health = await fetch(`${origin}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
  }
  const ready = await fetch(`${web.adminOrigin}/readyz`);
  assert.equal(ready.status, 200);
  const body = (await ready.json()) as { status: string; checks: { keys: { ok: boolean } } };
  assert.equal(body.status, 'ready');
  assert.equal(body.checks.keys.ok, true);
  // The public port says only whether: the checks' detail names internal addresses.
  const publicReady = await fetch(`${web.origin}/readyz`);
  assert.equal(publicReady.status, 200);
  assert.deepEqual(await publicReady.json(), { status: 'ready' });
  const deps = (await (await fetch(`${web.adminOrigin}/dependencies`)).json()) as {
    ok: boolean;
    backends: Record<string, { ok: boolean }>;
  };
  assert.equal(deps.ok, true);
  // The backends bff-web's profile declares, each reported (test/operations/topology.test.ts has both BFFs).
  assert.deepEqual(Object.keys(deps.backends).sort(), [...webProfile.backends].sort());

  // A port nobody listens on: the catalog is down, its breaker opens at the first failure.
  const broken = await startWeb({ CATALOG_URL: `http://127.0.0.1:${DEAD_PORT}`, BREAKER_THRESHOLD: '1', UPSTREAM_RETRIES: '0' });
  const failed = await gql(broken.url, PRODUCT, { id: 'p-00042' });
  assert.equal(failed.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE');
  assert.equal((await fetch(`${broken.origin}/readyz`)).status, 200, 'a backend outage never gates readiness');
  assert.equal((await fetch(`${broken.adminOrigin}/readyz`)).status, 200, 'a backend outage never gates readiness');
  const report = await fetch(`${broken.adminOrigin}/dependencies`);
  assert.equal(report.status, 200);
  const why = (await report.json()) as { ok: boolean; backends: Record<string, { ok: boolean; detail: string }> };
  assert.equal(why.ok, false);
  assert.equal(why.backends.catalog!.ok, false);
  assert.match(why.backends.catalog!.detail, /breaker open; unreachable/);
  assert.equal(why.backends.users!.ok, true);
});

/**
 * Readiness does not cascade: it says whether this process can serve, never whether its
 * backends or Redis are up (they are shared by every replica; following them would take all
 * replicas out of rotation at once). Their state is reported on /dependencies and /metrics.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEAD_PORT } from '../fixtures/deadPort.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, type RunningBff } from '../fixtures/startBffs.js';
import { requireRedis, startRedis, type RedisProcess } from '../fixtures/startRedis.js';

let backends: BackendsProcess;
let redis: RedisProcess | undefined;
const bffs: RunningBff[] = [];

before(async () => {
  backends = await startBackendsProcess();
});
after(async () => {
  await Promise.all(bffs.map((b) => b.close()));
  await redis?.stop();
  await backends?.stop();
});

interface Report {
  ok: boolean;
  backends: Record<string, { ok: boolean; detail: string }>;
  redis?: { ok: boolean; detail: string };
}

const PRODUCT = 'query ($id: ID!) { product(id: $id) { id title stock { totalAvailable } } }';

test('with inventory and Redis stopped, /readyz is 200 and /graphql serves partial data; /dependencies and /metrics say what is down', async (t) => {
  if (!requireRedis(t)) return;
  redis = await startRedis();
  const web = await startBff('web', backends, {
    REDIS_URL: redis.url,
    INVENTORY_ADDR: `127.0.0.1:${DEAD_PORT}`,
    BREAKER_THRESHOLD: '1',
    UPSTREAM_RETRIES: '0',
  });
  bffs.push(web);
  await redis.stop();
  // The client learns of the closed socket asynchronously: ask until it has (the test's own
  // timeout bounds the wait; a count of tries would be a budget a slow machine can exceed).
  let report = (await (await fetch(`${web.adminOrigin}/dependencies`)).json()) as Report;
  while (report.redis?.ok !== false) {
    await new Promise((resolve) => setImmediate(resolve));
    report = (await (await fetch(`${web.adminOrigin}/dependencies`)).json()) as Report;
  }
  assert.equal(report.redis?.ok, false, 'Redis is reported down');

  const partial = await gql<{ product: { id: string; title: string; stock: unknown } }>(web.url, PRODUCT, { id: 'p-00001' });
  assert.equal(partial.status, 200);
  assert.equal(partial.body.data?.product.id, 'p-00001');
  assert.equal(typeof partial.body.data?.product.title, 'string', 'the catalog data is served');
  assert.equal(partial.body.data?.product.stock, null, 'the inventory part is null');
  assert.equal(partial.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE');

  const ready = await fetch(`${web.adminOrigin}/readyz`);
  assert.equal(ready.status, 200, 'a shared dependency being down never takes the replica out of rotation');
  const readiness = (await ready.json()) as { status: string; checks: Record<string, unknown> };
  assert.equal(readiness.status, 'ready');
  // Both are this process's own: its key set, and whether the backends accept its identity secret.
  assert.deepEqual(Object.keys(readiness.checks).sort(), ['identity', 'keys'], 'readiness asks only about this process');

  const dependencies = await fetch(`${web.adminOrigin}/dependencies`);
  assert.equal(dependencies.status, 200, 'a report, not a probe');
  report = (await dependencies.json()) as Report;
  assert.equal(report.ok, false);
  assert.equal(report.backends.inventory!.ok, false);
  assert.match(report.backends.inventory!.detail, /breaker open; unreachable/);
  assert.equal(report.backends.catalog!.ok, true);
  assert.deepEqual(report.redis, { ok: false, detail: 'not connected' });

  const metrics = await (await fetch(`${web.adminOrigin}/metrics`)).text();
  assert.match(metrics, /^bff_redis_connected\{bff="web"\} 0$/m);
  assert.match(metrics, /^bff_upstream_breaker_state\{backend="inventory",state="open",bff="web"\} 1$/m);
});

test('/readyz is 503 only for this process: a key set never loaded', async () => {
  const web = await startBff('web', backends, { JWKS_URL: `http://127.0.0.1:${DEAD_PORT}/jwks.json` });
  bffs.push(web);
  const res = await fetch(`${web.adminOrigin}/readyz`);
  assert.equal(res.status, 503);
  // The public port says the same without the detail.
  const publicRes = await fetch(`${web.origin}/readyz`);
  assert.equal(publicRes.status, 503);
  assert.deepEqual(await publicRes.json(), { status: 'not_ready' });
  const body = (await res.json()) as { status: string; checks: { keys: { ok: boolean; detail: string } } };
  assert.equal(body.status, 'not_ready');
  assert.equal(body.checks.keys.ok, false);
  assert.match(body.checks.keys.detail, /never loaded/);
});

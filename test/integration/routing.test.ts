import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { operation } from '../fixtures/operations.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBffProcess, type BffProcess } from '../fixtures/startBffProcess.js';
import { gql, startBff, tokenFor, type GqlResponse, type RunningBff } from '../fixtures/startBffs.js';
import { sampleOf } from '../fixtures/metricValue.js';
import { bucketOf, variantOfBucket } from '../../src/routing/assignVariant.js';

// Dynamic routing against real backends: catalog v1 and its second instance v2 (the demo
// harness runs both), both BFFs in this process, and a second bff-mobile process with its own
// copy of the same rules (a replica).

const TEST_KEY = 'routing-test-key-0123456789';
const FEATURED = 'query Featured { home { featured(first: 4) { id } } }';
const BROWSE = 'query Browse { products(first: 3) { nodes { id } } }';
const ORDERS_TABLE = operation('web', 'OrdersTable').query;

let backends: BackendsProcess;
let dir: string;
let mobile: RunningBff;
let web: RunningBff;
let replica: BffProcess;
let staff: string;
let customer: string;
let replicaRules: string;

const variants = [
  { name: 'v1', weight: 50 },
  { name: 'v2', weight: 50 },
];
const rules = (address: string, weights: [number, number] = [50, 50]) => ({
  staff: [{ scope: 'customers:read' }],
  experiments: [
    {
      name: 'catalog-v2',
      backend: 'catalog',
      variants: [
        { name: 'v1', weight: weights[0] },
        { name: 'v2', weight: weights[1], address },
      ],
      // A long window and a low bar: the test decides when the canary fails.
      canary: { variant: 'v2', windowSeconds: 600, minCalls: 5, maxErrorRateIncrease: 0.2, maxLatencyRatio: 1000, latencySlackMs: 60_000 },
    },
    {
      name: 'mobile-featured-ranking',
      bffs: ['mobile'],
      variants: [
        { name: 'top-rated', weight: 50 },
        { name: 'newest', weight: 50 },
      ],
    },
  ],
});
const expected = (device: string) => variantOfBucket(variants, bucketOf('catalog-v2', `device:${device}`));

before(async () => {
  backends = await startBackendsProcess();
  dir = mkdtempSync(join(tmpdir(), 'routing-it-'));
  const shared = join(dir, 'rules.json');
  replicaRules = join(dir, 'replica', 'rules.json');
  writeFileSync(shared, JSON.stringify(rules(backends.urls.catalogV2)));
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'replica'));
  writeFileSync(replicaRules, JSON.stringify(rules(backends.urls.catalogV2)));
  // TRAFFIC_LIMIT_INITIAL: a test below sends 12 requests at once to a fresh BFF; at the default
  // initial limit of 20, 12 in flight is pressure (TRAFFIC_DEGRADE_AT 0.6) and LOW fields would
  // be left out of answers that test checks for routing, not admission.
  const env = { ROUTING_RULES_FILE: shared, ROUTING_TEST_KEYS: TEST_KEY, BREAKER_THRESHOLD: '1000', TRAFFIC_LIMIT_INITIAL: '100' };
  [mobile, web, replica, staff, customer] = await Promise.all([
    startBff('mobile', backends, env),
    startBff('web', backends, env),
    startBffProcess('mobile', backends, { ...env, ROUTING_RULES_FILE: replicaRules }),
    tokenFor(backends, 'u-00001', 'orders:read:all customers:read'),
    tokenFor(backends, 'u-00007'),
  ]);
});
after(async () => {
  await Promise.all([mobile?.close(), web?.close(), replica?.kill()]);
  await backends?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const catalogCalls = (res: GqlResponse) =>
  res.body.extensions!.fanout!.calls.filter((c) => c.backend === 'catalog') as Array<{ variant?: string; error?: string; keys: number }>;
const routingOf = (res: GqlResponse) => (res.body.extensions!.fanout as unknown as { routing: Record<string, string> }).routing;

test('a user keeps their variant across requests, both BFFs and two BFF processes; the split follows the hash', async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 16; i++) {
    const device = `device-${i}`;
    const headers = { 'x-device-id': device };
    const want = expected(device);
    seen.add(want);
    const answers = [
      await gql(mobile.url, FEATURED, {}, headers),
      await gql(mobile.url, FEATURED, {}, headers),
      await gql(replica.url, FEATURED, {}, headers),
    ];
    for (const res of answers) {
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      assert.equal(routingOf(res)['catalog-v2'], want);
      const calls = catalogCalls(res);
      assert.ok(calls.length >= 1);
      for (const call of calls) assert.equal(call.variant, want, 'every catalog call of the request went to its variant');
    }
    // The replica's access line names the request's variants.
    const requestId = answers[2]!.headers.get('x-request-id');
    const access = await replica.waitForLine((l) => l.msg === 'request completed' && l.requestId === requestId);
    assert.equal((access.routing as Record<string, string>)['catalog-v2'], want);
    // One variant of the featured-ranking experiment per user, in every process: the same list.
    assert.equal(routingOf(answers[0]!)['mobile-featured-ranking'], routingOf(answers[2]!)['mobile-featured-ranking']);
    assert.deepEqual(answers[0]!.body.data, answers[2]!.body.data);
    const webRes = await gql(web.url, BROWSE, {}, headers);
    assert.equal(webRes.status, 200);
    assert.equal(webRes.body.errors, undefined, JSON.stringify(webRes.body.errors));
    assert.deepEqual(routingOf(webRes), { 'catalog-v2': want }, 'bff-web runs the catalog experiment, not the mobile-only one');
    for (const call of catalogCalls(webRes)) assert.equal(call.variant, want);
  }
  assert.deepEqual([...seen].sort(), ['v1', 'v2']);
});

test('the featured-ranking variants rank the list two ways; catalog v2 ranks by its own order', async () => {
  const featured = async (catalog: string, ranking: string) => {
    const res = await gql(
      mobile.url,
      FEATURED,
      {},
      { 'x-bff-test-key': TEST_KEY, 'x-bff-variant': `catalog-v2=${catalog}, mobile-featured-ranking=${ranking}` },
    );
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.deepEqual(routingOf(res), { 'catalog-v2': catalog, 'mobile-featured-ranking': ranking });
    return res.body.data;
  };
  const topRated = await featured('v1', 'top-rated');
  assert.notDeepEqual(await featured('v1', 'newest'), topRated, 'the A/B test: two rankings of the same catalog');
  assert.notDeepEqual(await featured('v2', 'top-rated'), topRated, 'catalog v2: a different ranking of the same products');
});

test('a batch never mixes variants: calls are counted per instance at the backends', async () => {
  const auth = { authorization: `Bearer ${staff}` };
  for (const variant of ['v1', 'v2']) {
    await backends.admin.reset();
    const res = await gql(web.url, ORDERS_TABLE, { first: 10 }, { ...auth, 'x-bff-variant': `catalog-v2=${variant}` });
    assert.equal(res.status, 200, JSON.stringify(res.body.errors));
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const calls = catalogCalls(res);
    assert.equal(calls.length, 1, 'the products of 10 orders are one batch');
    assert.equal(calls[0]!.variant, variant);
    const stats = await backends.admin.stats();
    assert.equal(stats[variant === 'v1' ? 'catalog' : 'catalogV2'].calls, 1);
    assert.equal(stats[variant === 'v1' ? 'catalogV2' : 'catalog'].calls, 0);
  }
  // Many users at once, on both variants: each request's calls go to its own instance only, and
  // the backends count exactly the calls the receipts name.
  await backends.admin.reset();
  const answers = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      gql(mobile.url, operation('mobile', 'ProductScreen').query, operation('mobile', 'ProductScreen').variables, {
        'x-device-id': `batch-${i}`,
      }),
    ),
  );
  const perVariant = { v1: 0, v2: 0 };
  for (const res of answers) {
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const calls = catalogCalls(res);
    const variantsSeen = new Set(calls.map((c) => c.variant));
    // At most one: a request whose catalog read joined an identical one in flight (request
    // collapsing, per instance) lists no call of its own.
    assert.ok(variantsSeen.size <= 1, 'one variant per request');
    for (const call of calls) perVariant[call.variant as 'v1' | 'v2']++;
  }
  const stats = await backends.admin.stats();
  assert.deepEqual({ v1: stats.catalog.calls, v2: stats.catalogV2.calls }, perVariant);
  assert.ok(perVariant.v1 > 0 && perVariant.v2 > 0);
});

test('the override header is refused for customers and anonymous callers, allowed for staff and a test key', async () => {
  const override = { 'x-bff-variant': 'catalog-v2=v2' };
  for (const headers of [{ authorization: `Bearer ${customer}` }, {}] as Record<string, string>[]) {
    const res = await gql(mobile.url, FEATURED, {}, { ...headers, ...override });
    assert.equal(res.status, 403);
    assert.equal(res.body.errors![0]!.extensions!.code, 'FORBIDDEN');
    assert.equal(res.body.errors![0]!.extensions!.reason, 'variant_override_not_allowed');
  }
  const staffRes = await gql(
    mobile.url,
    FEATURED,
    {},
    { authorization: `Bearer ${staff}`, 'x-bff-variant': 'catalog-v2=v2, mobile-featured-ranking=newest' },
  );
  assert.deepEqual(routingOf(staffRes), { 'catalog-v2': 'v2', 'mobile-featured-ranking': 'newest' });
  const keyed = await gql(mobile.url, FEATURED, {}, { 'x-bff-test-key': TEST_KEY, ...override });
  assert.equal(routingOf(keyed)['catalog-v2'], 'v2');
  const unknown = await gql(mobile.url, FEATURED, {}, { authorization: `Bearer ${staff}`, 'x-bff-variant': 'catalog-v3=v2' });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.errors![0]!.extensions!.reason, 'unknown_variant');
});

/** The replica's next log line that `match` accepts, ignoring those already printed. */
const nextLine = (match: (line: Record<string, unknown>) => boolean) => {
  const old = new Set(replica.lines.filter(match));
  return replica.waitForLine((line) => match(line) && !old.has(line));
};
const readiness = async (bff: { adminOrigin: string }) =>
  (await (await fetch(`${bff.adminOrigin}/readyz`)).json()) as { status: string; checks: { routing?: { ok: boolean; detail: string } } };

test('a failing canary is rolled back by itself: logs, metrics and readiness say so, its users go back to the baseline', async () => {
  const rolledBack = nextLine((l) => l.msg === 'canary rolled back: its users are served by the baseline');
  await backends.admin.faults({ catalogV2: { errorRate: 1, httpStatus: 503 } });
  try {
    const forced = { 'x-bff-test-key': TEST_KEY, 'x-bff-variant': 'catalog-v2=v2' };
    let served = 0;
    // Bounded: each of these requests makes a failing v2 call; minCalls is 5.
    for (let i = 0; i < 40 && !(await readiness(replica)).checks.routing?.detail.includes('ROLLED BACK'); i++) {
      const res = await gql(replica.url, FEATURED, {}, forced);
      if (catalogCalls(res).some((c) => c.variant === 'v2' && c.error === 'UPSTREAM_UNAVAILABLE')) served++;
    }
    // Its earlier calls (the tests before) succeeded: a few failures push its rate past +20 %.
    assert.ok(served >= 1, `the canary failed ${served} requests before the rollback`);
    const line = await rolledBack;
    assert.equal(line.level, 40);
    assert.match(String(line.reason), /^error rate \d+\.\d % vs baseline 0\.0 % over \d+ calls/);
    const ready = await readiness(replica);
    assert.equal(ready.status, 'ready', 'a rollback does not take the replica out of rotation');
    assert.match(ready.checks.routing!.detail, /canary catalog-v2 \(catalog v2\) ROLLED BACK/);
    const metrics = await (await fetch(`${replica.adminOrigin}/metrics`)).text();
    assert.equal(sampleOf(metrics, 'bff_routing_canary_serving', { experiment: 'catalog-v2', backend: 'catalog', variant: 'v2' }), 0);
    assert.equal(sampleOf(metrics, 'bff_routing_backend_calls_total', { backend: 'catalog', variant: 'v2', outcome: 'error' }), served);

    // From now on: the canary's users, and even an override, are served by the baseline.
    await backends.admin.reset();
    await backends.admin.faults({ catalogV2: { errorRate: 1, httpStatus: 503 } });
    const v2Devices = Array.from({ length: 30 }, (_, i) => `canary-${i}`)
      .filter((d) => expected(d) === 'v2')
      .slice(0, 5);
    assert.equal(v2Devices.length, 5);
    for (const headers of [...v2Devices.map((d) => ({ 'x-device-id': d })), forced]) {
      const res = await gql(replica.url, FEATURED, {}, headers);
      assert.equal(res.status, 200);
      assert.equal(res.body.errors, undefined);
      assert.equal(routingOf(res)['catalog-v2'], 'v1');
      for (const call of catalogCalls(res)) assert.equal(call.variant, 'v1');
    }
    const stats = await backends.admin.stats();
    assert.equal(stats.catalogV2.calls, 0, 'no call reached the rolled-back instance');
    assert.ok(stats.catalog.calls >= 6);
  } finally {
    await backends.admin.reset();
  }
});

test('rules reload on a file change and on SIGHUP; an invalid file is logged and the last good rules stay', async () => {
  const variantOf = async () => routingOf(await gql(replica.url, FEATURED, {}, { 'x-device-id': 'reload-1' }))['catalog-v2'];
  // Everyone on v2: a change of the file alone is picked up (and ends the rollback of the test before).
  let reloaded = nextLine((l) => l.msg === 'routing rules reloaded');
  writeFileSync(replicaRules, JSON.stringify(rules(backends.urls.catalogV2, [0, 100])));
  await reloaded;
  assert.equal(await variantOf(), 'v2');
  assert.match((await readiness(replica)).checks.routing!.detail, /canary catalog-v2 \(catalog v2\) serving/);

  const invalid = (trigger: string) =>
    nextLine(
      (l) => l.msg === 'routing rules not reloaded: the file is invalid; the last good rules stay in force' && l.trigger === trigger,
    );
  let refused = invalid('file');
  writeFileSync(
    replicaRules,
    '{"experiments": [{"name": "catalog-v2", "backend": "catalog", "variants": [{"name": "v1", "weight": -1}]}]}',
  );
  const line = await refused;
  assert.equal(line.level, 50);
  assert.equal(await variantOf(), 'v2', 'the last good rules stay in force');
  refused = invalid('sighup');
  replica.child.kill('SIGHUP');
  await refused;
  assert.equal(await variantOf(), 'v2');
  assert.equal(replica.child.exitCode, null, 'SIGHUP does not end the process');

  // Back to everyone on v1, applied by the signal (whether or not the watcher saw the write first).
  writeFileSync(replicaRules, JSON.stringify(rules(backends.urls.catalogV2, [100, 0])));
  reloaded = nextLine((l) => l.msg === 'routing rules reloaded' && l.trigger === 'sighup');
  replica.child.kill('SIGHUP');
  await reloaded;
  assert.equal(await variantOf(), 'v1');
});

test("a slow canary is rolled back too: its mean latency against the baseline's", async () => {
  const slowRules = rules(backends.urls.catalogV2);
  // Errors cannot trip this one (an increase above 100 % is impossible): latency alone decides.
  slowRules.experiments[0]!.canary = {
    variant: 'v2',
    windowSeconds: 600,
    minCalls: 5,
    maxErrorRateIncrease: 1,
    maxLatencyRatio: 2,
    latencySlackMs: 100,
  };
  writeFileSync(replicaRules, JSON.stringify(slowRules));
  const reloaded = nextLine((l) => l.msg === 'routing rules reloaded' && l.trigger === 'sighup');
  replica.child.kill('SIGHUP');
  await reloaded;
  const rolledBack = nextLine((l) => l.msg === 'canary rolled back: its users are served by the baseline');
  await backends.admin.faults({ catalogV2: { latencyMs: 400 } });
  try {
    const as = (variant: string) => ({ 'x-bff-test-key': TEST_KEY, 'x-bff-variant': `catalog-v2=${variant}` });
    for (let i = 0; i < 30 && !(await readiness(replica)).checks.routing?.detail.includes('ROLLED BACK'); i++) {
      assert.equal((await gql(replica.url, FEATURED, {}, as('v1'))).status, 200);
      const slow = await gql(replica.url, FEATURED, {}, as('v2'));
      assert.equal(slow.body.errors, undefined, `slow, not failing: ${JSON.stringify(slow.body.errors)}`);
    }
    const line = await rolledBack;
    assert.match(String(line.reason), /^mean latency \d+\.\d ms vs baseline \d+\.\d ms over \d+ calls/);
    const after = await gql(replica.url, FEATURED, {}, as('v2'));
    assert.equal(routingOf(after)['catalog-v2'], 'v1');
  } finally {
    await backends.admin.reset();
  }
});

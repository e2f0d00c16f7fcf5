import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { metricValue } from '../fixtures/metricValue.js';
import { operation } from '../fixtures/operations.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, type RunningBff } from '../fixtures/startBffs.js';
import { holdRequests, untilHeld } from '../fixtures/holdRequests.js';
import { until } from '../fixtures/until.js';

// Under pressure (the admission's signal), @criticality(level: LOW) fields resolve to null with
// DEGRADED and make no backend call; the rest of the response is served.

let backends: BackendsProcess;
let web: RunningBff;

before(async () => {
  backends = await startBackendsProcess();
  // A fixed limit of 4: pressure turns on at 0.7 of it (3 in flight) and off below 0.56 (2).
  // Ad-hoc documents are `normal` here (sheddable by default, refused at 0.7 of the limit: 2).
  web = await startBff('web', backends, {
    TRAFFIC_UNKNOWN_CLASS: 'normal',
    SHED_MAX_IN_FLIGHT: '4',
    TRAFFIC_LIMIT_MIN: '4',
    TRAFFIC_LIMIT_INITIAL: '4',
    REVIEWS_TIMEOUT_MS: '60000',
    BFF_REQUEST_TIMEOUT_MS: '60000',
    BFF_IDLE_TIMEOUT_MS: '120000',
  });
});
after(async () => {
  await web?.close();
  await backends?.stop();
});

test('under pressure, LOW fields are null with a path-tagged DEGRADED error and no backend call; without it they are served', async () => {
  const page = operation('web', 'ProductPage');
  await backends.admin.reset();
  await backends.admin.faults({ reviews: { latencyMs: 50_000 } });
  const hangUp = new AbortController();
  // Two requests held by the reviews backend until this test hangs up: with the page's own, 3 in flight.
  const holding = holdRequests(web.url, 2, hangUp.signal, { selection: 'reviewSummary { count }' });
  let degraded;
  let stats;
  try {
    await untilHeld(holding, async () => (await backends.admin.stats()).reviews.calls >= 2);
    const before = await backends.admin.stats();
    degraded = await gql<{ product: Record<string, unknown> }>(web.url, page.query, page.variables);
    stats = await backends.admin.stats();
    assert.equal(stats.reviews.calls, before.reviews.calls, 'no reviews call for the degraded fields');
    assert.equal(stats.inventory.calls, before.inventory.calls, 'no inventory call for the degraded stock');
  } finally {
    hangUp.abort();
    await Promise.all(holding);
    await backends.admin.faults({ reviews: {} });
  }
  assert.equal(degraded.status, 200);
  const product = degraded.body.data!.product;
  assert.equal(product.title !== undefined && product.title !== null, true, 'the rest is served');
  assert.equal(product.stock, null);
  assert.equal(product.reviewSummary, null);
  assert.equal(product.reviews, null);
  const errors = degraded.body.errors ?? [];
  assert.deepEqual(errors.map((e) => e.path?.join('.')).sort(), ['product.reviewSummary', 'product.reviews', 'product.stock']);
  for (const error of errors) {
    assert.equal(error.extensions?.code, 'DEGRADED');
    assert.equal(error.extensions?.reason, 'under_load');
  }
  assert.equal(
    await metricValue(web.adminOrigin, 'bff_degraded_fields_total', { operation: 'ProductPage', field: 'Product.reviews', bff: 'web' }),
    1,
  );

  // The held requests gone, pressure is off (below 0.56 of the limit): the fields are served.
  await until(
    'no request in flight',
    () => metricValue(web.adminOrigin, 'bff_in_flight_requests', { bff: 'web' }),
    (n) => n === 0,
  );
  const served = await gql<{ product: Record<string, unknown> }>(web.url, page.query, page.variables);
  assert.equal(served.body.errors, undefined, JSON.stringify(served.body.errors));
  assert.ok(Array.isArray(served.body.data!.product.reviews));
  assert.notEqual(served.body.data!.product.stock, null);
});

test('a list under pressure carries one DEGRADED error per field left out, with its coordinate and how many places', async () => {
  const browse = 'query Browse { products(first: 6) { nodes { id title stock { totalAvailable } } } }';
  await backends.admin.reset();
  await backends.admin.faults({ reviews: { latencyMs: 50_000 } });
  const hangUp = new AbortController();
  const holding = holdRequests(web.url, 2, hangUp.signal, { selection: 'reviewSummary { count }' });
  const metric = () =>
    metricValue(web.adminOrigin, 'bff_degraded_fields_total', { operation: 'Browse', field: 'Product.stock', bff: 'web' });
  let res;
  let before;
  try {
    await untilHeld(holding, async () => (await backends.admin.stats()).reviews.calls >= 2);
    before = (await metric()) ?? 0;
    const calls = await backends.admin.stats();
    res = await gql<{ products: { nodes: { id: string; title: string; stock: unknown }[] } }>(web.url, browse);
    assert.equal((await backends.admin.stats()).inventory.calls, calls.inventory.calls, 'no inventory call for any row');
  } finally {
    hangUp.abort();
    await Promise.all(holding);
    await backends.admin.faults({ reviews: {} });
  }
  assert.equal(res.status, 200);
  const nodes = res.body.data!.products.nodes;
  assert.ok(nodes.length > 1, 'a page of several rows');
  for (const node of nodes) {
    assert.ok(node.title, 'the rest of each row is served');
    assert.equal(node.stock, null);
  }
  const errors = res.body.errors ?? [];
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.deepEqual(errors[0]!.path, ['products', 'nodes', 0, 'stock'], 'the first place it was left out');
  assert.equal(errors[0]!.extensions?.code, 'DEGRADED');
  assert.equal(errors[0]!.extensions?.field, 'Product.stock');
  assert.equal(errors[0]!.extensions?.count, nodes.length);
  // The metric counts every place left out, not errors.
  assert.equal(((await metric()) ?? 0) - before, nodes.length);
});

test('with TRAFFIC_DEGRADE=false the same pressure leaves LOW fields served (the bench compares both)', async () => {
  // The construction above (a limit of 4, two held, the third request brings pressure on); ad-hoc
  // documents are `normal` here so the third is admitted like ProductPage was.
  const steady = await startBff('web', backends, {
    SHED_MAX_IN_FLIGHT: '4',
    TRAFFIC_LIMIT_MIN: '4',
    TRAFFIC_LIMIT_INITIAL: '4',
    TRAFFIC_UNKNOWN_CLASS: 'normal',
    TRAFFIC_DEGRADE: 'false',
    REVIEWS_TIMEOUT_MS: '60000',
    BFF_REQUEST_TIMEOUT_MS: '60000',
    BFF_IDLE_TIMEOUT_MS: '120000',
  });
  await backends.admin.reset();
  await backends.admin.faults({ reviews: { latencyMs: 50_000 } });
  const hangUp = new AbortController();
  const holding = holdRequests(steady.url, 2, hangUp.signal, { selection: 'reviewSummary { count }' });
  try {
    await untilHeld(holding, async () => (await backends.admin.stats()).reviews.calls >= 2);
    const before = await backends.admin.stats();
    const res = await gql<{ product: { stock: unknown } }>(
      steady.url,
      'query Stock { product(id: "p-00002") { id stock { totalAvailable } } }',
    );
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.notEqual(res.body.data!.product.stock, null);
    assert.equal((await backends.admin.stats()).inventory.calls, before.inventory.calls + 1, 'the stock was fetched');
  } finally {
    hangUp.abort();
    await Promise.all(holding);
    await backends.admin.faults({ reviews: {} });
    await steady.close();
  }
});

test('the latency the adaptive limit takes as normal is exported once a window of answers is in', async () => {
  const bff = await startBff('web', backends);
  const baseline = () => metricValue(bff.adminOrigin, 'bff_admission_baseline_latency_seconds', { bff: 'web' });
  try {
    assert.equal(await baseline(), 0, 'no answer yet');
    // The limit averages its samples ten at a time (a window).
    for (let i = 0; i < 10; i++) {
      const res = await gql(bff.url, 'query Title { product(id: "p-00003") { id title } }');
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    }
    assert.ok(((await baseline()) ?? 0) > 0, 'ten answers are a window of samples');
  } finally {
    await bff.close();
  }
});

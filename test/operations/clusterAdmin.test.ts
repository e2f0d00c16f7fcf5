import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBffProcess, type BffProcess } from '../fixtures/startBffProcess.js';
import { refused } from '../fixtures/refused.js';
import { until } from '../fixtures/until.js';
import { untilHeld } from '../fixtures/holdRequests.js';

// Cluster mode (BFF_WORKERS > 1): the primary holds the admin port and answers for every
// worker, so one scrape sees the pod's totals and one probe every worker's readiness.

let backends: BackendsProcess;
let bff: BffProcess;

before(async () => {
  backends = await startBackendsProcess();
  bff = await startBffProcess('mobile', backends, {
    BFF_WORKERS: '2',
    // Not a test of the deadline: held requests end when the test hangs up.
    SHUTDOWN_TIMEOUT_MS: '120000',
    REVIEWS_TIMEOUT_MS: '60000',
    BFF_REQUEST_TIMEOUT_MS: '60000',
    BFF_IDLE_TIMEOUT_MS: '120000',
  });
  // Both workers listening: the first ready line is only the first worker's.
  await bff.waitForLine(() => bff.lines.filter((line) => line.event === 'bff.ready').length >= 2);
});
after(async () => {
  await bff?.kill();
  await backends?.stop();
});

/** Sums every sample of `name` whose labels include `labels`. */
function total(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(match[3]);
  }
  return sum;
}

test("the primary's admin port: /metrics sums every worker's, /readyz and /dependencies list each worker", async () => {
  const workers = new Set(bff.lines.filter((line) => line.event === 'bff.ready').map((line) => line.pid));
  assert.equal(workers.size, 2);
  assert.ok(
    bff.lines.every((line) => line.event !== 'bff.ready' || line.adminUrl === undefined),
    'workers open no admin port',
  );

  // Round-robin spreads the connections over both workers; each request on a new connection.
  const requests = 6;
  for (let i = 0; i < requests; i++) {
    const res = await fetch(bff.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ query: 'query Counted { __typename }' }),
    });
    assert.equal(res.status, 200);
    await res.text();
  }
  const metrics = await fetch(`${bff.adminOrigin}/metrics`);
  assert.equal(metrics.status, 200);
  const text = await metrics.text();
  assert.equal(total(text, 'bff_requests_total', { operation: 'Counted', status: '200' }), requests, 'every worker counted');

  const ready = await fetch(`${bff.adminOrigin}/readyz`);
  assert.equal(ready.status, 200);
  const readiness = (await ready.json()) as { status: string; workers: { pid: number; status: string; checks: object }[] };
  assert.equal(readiness.status, 'ready');
  assert.deepEqual(new Set(readiness.workers.map((w) => w.pid)), workers);
  for (const worker of readiness.workers) {
    assert.equal(worker.status, 'ready');
    assert.ok(worker.checks, 'with each worker’s checks');
  }
  const dependencies = (await (await fetch(`${bff.adminOrigin}/dependencies`)).json()) as {
    ok: boolean;
    workers: { pid: number; backends: Record<string, { ok: boolean }> }[];
  };
  assert.equal(dependencies.ok, true);
  assert.deepEqual(new Set(dependencies.workers.map((w) => w.pid)), workers);
  assert.equal(dependencies.workers[0]!.backends.catalog?.ok, true);
  // The public port of every worker answers without the detail.
  assert.deepEqual(await (await fetch(`${bff.origin}/readyz`)).json(), { status: 'ready' });
});

test('SIGTERM: the primary answers 503 shutting_down while the workers drain, and closes its admin port last', async () => {
  await backends.admin.reset();
  await backends.admin.faults({ reviews: { latencyMs: 50_000 } });
  const hangUp = new AbortController();
  const held = fetch(bff.url, {
    method: 'POST',
    signal: hangUp.signal,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ product(id: "p-00001") { id topReviews { rating } } }' }),
  }).then(
    (res) => res.text(),
    (error: unknown) => error,
  );
  try {
    await untilHeld([held], async () => (await backends.admin.stats()).reviews.calls >= 1);
    bff.child.kill('SIGTERM');
    const ready = await until(
      'the admin /readyz to say 503',
      () => fetch(`${bff.adminOrigin}/readyz`),
      (res) => res.status === 503,
    );
    assert.equal(((await ready.json()) as { status: string }).status, 'shutting_down');
    // A worker is still draining its held request; the admin port still answers.
    assert.equal(await Promise.race([held.then(() => 'done'), Promise.resolve('pending')]), 'pending');
    assert.equal((await fetch(`${bff.adminOrigin}/metrics`)).status, 200);
  } finally {
    hangUp.abort();
    await held;
    await backends.admin.faults({ reviews: {} });
  }
  assert.equal(await bff.exited, 0);
  assert.equal(await refused(bff.adminOrigin), true);
});

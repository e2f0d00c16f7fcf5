import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startBackendsProcess, type BackendsProcess, type BackendStats } from '../fixtures/startBackends.js';
import { gql, startBff, type GqlResponse, type RunningBff } from '../fixtures/startBffs.js';

// Shedding happens in onRequest, before the body is read: the shed request never reaches a
// backend, and probes are never shed.

let backends: BackendsProcess;
const bffs: RunningBff[] = [];

before(async () => {
  backends = await startBackendsProcess();
});
after(async () => {
  await Promise.all(bffs.map((b) => b.close()));
  await backends?.stop();
});

const PRODUCT = 'query Product($id: ID!) { product(id: $id) { id title } }';
const calls = (stats: BackendStats) => Object.values(stats).reduce((n, s) => n + s.calls, 0);

function assertShed(res: GqlResponse): void {
  assert.equal(res.status, 503);
  assert.equal(res.body.errors![0]!.extensions!.code, 'OVERLOADED');
  assert.equal(res.body.errors![0]!.extensions!.retryAfterSeconds, 1);
  assert.equal(res.headers.get('retry-after'), '1');
}

test('with N requests in flight, request N+1 gets 503 OVERLOADED without reaching a backend', async () => {
  const N = 3;
  const bff = await startBff('web', backends, { SHED_MAX_IN_FLIGHT: String(N) });
  bffs.push(bff);
  await backends.admin.reset();
  await backends.admin.faults({ catalog: { latencyMs: 1000 } });
  try {
    const held = Array.from({ length: N }, (_, i) => gql(bff.url, PRODUCT, { id: `p-0000${i + 1}` }));
    while ((await backends.admin.stats()).catalog.calls < N);

    const before = calls(await backends.admin.stats());
    assertShed(await gql(bff.url, PRODUCT, { id: 'p-00009' }));
    assert.equal(calls(await backends.admin.stats()), before, 'the shed request reached no backend');
    assert.equal((await fetch(`${bff.origin}/healthz`)).status, 200, 'probes are not shed');
    const metrics = await (await fetch(`${bff.origin}/metrics`)).text();
    assert.match(metrics, /^bff_in_flight_requests\{bff="web"\} 3$/m);
    assert.match(metrics, /^bff_shed_total\{reason="in_flight",bff="web"\} 1$/m);

    for (const res of await Promise.all(held)) assert.equal(res.status, 200);
    // The slots are free again once those finished.
    await backends.admin.faults({ catalog: {} });
    assert.equal((await gql(bff.url, PRODUCT, { id: 'p-00009' })).status, 200);
  } finally {
    await backends.admin.faults({ catalog: {} });
  }
});

/** Asks for a product until the BFF serves it (an idle gap between tries lets utilization fall). */
async function untilServed(bff: RunningBff): Promise<GqlResponse> {
  for (;;) {
    const res = await gql(bff.url, PRODUCT, { id: 'p-00001' });
    if (res.status !== 503) return res;
    // Idleness is the stimulus here, not a synchronisation: utilization is measured over 100 ms
    // windows, and only an idle window brings it down (back-to-back retries would keep it busy).
    await delay(100);
  }
}

test('a saturated event loop (utilization over the threshold) sheds, and recovers when it is idle again', async () => {
  const bff = await startBff('web', backends, { SHED_MAX_ELU: '0.7' });
  bffs.push(bff);
  // A cold BFF (compiling, loading) can itself be over the threshold at first, and on a loaded
  // machine for longer: wait until it serves rather than assume it does at once.
  assert.equal((await untilServed(bff)).status, 200);
  // Keep this process's event loop (the BFF's) busy for half a second, as a CPU-bound burst would.
  const until = performance.now() + 500;
  while (performance.now() < until);
  assertShed(await gql(bff.url, PRODUCT, { id: 'p-00001' }));
  assert.equal((await untilServed(bff)).status, 200);
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RetryBudget } from '../../src/traffic/RetryBudget.js';
import { operation } from '../fixtures/operations.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';

test('retries are capped at the floor plus a share of the calls in the window, which slides', () => {
  let clock = 0;
  const budget = new RetryBudget({ ratio: 0.1, minPerWindow: 2, windowMs: 1_000, now: () => clock });
  for (let i = 0; i < 30; i++) budget.recordCall();
  let allowed = 0;
  while (budget.tryRetry()) allowed++;
  assert.equal(allowed, 5, '2 + 10 % of 30');
  clock = 500;
  assert.equal(budget.tryRetry(), false, 'still in the window');
  clock = 1_050;
  // The calls and retries of bucket 0 have left the window.
  assert.equal(budget.tryRetry(), true);
  assert.throws(() => new RetryBudget({ ratio: 2 }), /ratio must be in \[0, 1\], got 2/);
});

let backends: BackendsProcess;
let mobile: RunningBff;

before(async () => {
  backends = await startBackendsProcess();
  // A breaker that never opens here: every call must reach the backend to be counted.
  mobile = await startBff('mobile', backends, { BREAKER_THRESHOLD: '1000', UPSTREAM_RETRIES: '1' });
});
after(async () => {
  await mobile?.close();
  await backends?.stop();
});

test("with the orders backend failing every call, the retry budget keeps its calls near the clients' (counted at the backend)", async () => {
  const history = operation('mobile', 'OrderHistory');
  const auth = { authorization: `Bearer ${await tokenFor(backends, 'u-00001')}` };
  await backends.admin.reset();
  await backends.admin.faults({ orders: { errorRate: 1 } });
  const N = 40;
  const started = performance.now();
  try {
    for (let i = 0; i < N; i++) {
      const res = await gql(mobile.url, history.query, history.variables, auth);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE');
    }
  } finally {
    await backends.admin.faults({ orders: {} });
  }
  const calls = (await backends.admin.stats()).orders.calls;
  // One retry per call would make 2N. The budget allows 3 per 10 s window plus 10 % of the calls;
  // a slow machine spreads the requests over more windows, each with its own floor of 3.
  const windows = Math.ceil((performance.now() - started) / 10_000) + 1;
  assert.ok(calls >= N, `${calls} calls`);
  assert.ok(calls <= N + 3 * windows + Math.ceil(0.1 * N), `${calls} calls for ${N} requests over ${windows} windows`);
  assert.ok(calls < 2 * N);
});

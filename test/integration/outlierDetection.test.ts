import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { operation } from '../fixtures/operations.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';

// A gRPC backend with two endpoints, one of them failing every call: outlier detection takes the
// bad endpoint out of rotation (src/datasources/grpc/outlierDetection.ts), and the clients'
// requests go to the healthy one, without the backend's breaker opening.

let healthy: BackendsProcess;
let failing: BackendsProcess;
let mobile: RunningBff;
let auth: Record<string, string>;

before(async () => {
  [healthy, failing] = await Promise.all([startBackendsProcess(), startBackendsProcess()]);
  await failing.admin.faults({ orders: { errorRate: 1, grpcCode: 'UNAVAILABLE' } });
  mobile = await startBff('mobile', healthy, {
    ORDERS_ADDR: `ipv4:127.0.0.1:${healthy.ports.orders},127.0.0.1:${failing.ports.orders}`,
    // Failures surface (no retry to the other endpoint) and the breaker stays out of it.
    UPSTREAM_RETRIES: '0',
    BREAKER_THRESHOLD: '1000',
    GRPC_OUTLIER_MIN_CALLS: '2',
    GRPC_OUTLIER_INTERVAL_MS: '500',
    // Longer than the test: once out, the failing endpoint stays out.
    GRPC_OUTLIER_EJECTION_MS: '600000',
  });
  auth = { authorization: `Bearer ${await tokenFor(healthy, 'u-00001')}` };
});
after(async () => {
  await mobile?.close();
  await Promise.all([healthy?.stop(), failing?.stop()]);
});

const history = operation('mobile', 'OrderHistory');
const ordersCalls = async (backends: BackendsProcess) => (await backends.admin.stats()).orders.calls;

/** Ten OrderHistory requests at once: @returns how many came back with errors. */
async function batch(): Promise<number> {
  const responses = await Promise.all(Array.from({ length: 10 }, () => gql(mobile.url, history.query, history.variables, auth)));
  for (const res of responses) assert.equal(res.status, 200);
  return responses.filter((res) => res.body.errors?.length).length;
}

test('a failing endpoint of a gRPC backend is ejected: its calls stop and the answers are whole again', async () => {
  // Round robin: both endpoints take calls at first, and the failing one's show as errors.
  let failed = 0;
  for (let i = 0; i < 100 && (await ordersCalls(failing)) < 2; i++) failed += await batch();
  assert.ok((await ordersCalls(failing)) >= 2, 'the failing endpoint was in rotation');
  assert.ok(failed >= 1, 'its failures reached the clients (no retry)');

  // Ejected within an interval or two: ask until a whole batch reaches only the healthy one.
  // (Bounded by count: without outlier detection every batch sends half its calls to the failing one.)
  let clean = false;
  for (let i = 0; i < 300 && !clean; i++) {
    const [before, healthyBefore] = [await ordersCalls(failing), await ordersCalls(healthy)];
    const errors = await batch();
    clean = errors === 0 && (await ordersCalls(failing)) === before && (await ordersCalls(healthy)) - healthyBefore === 10;
  }
  assert.ok(clean, 'a batch of ten went wholly to the healthy endpoint, with no errors');

  const dependencies = (await (await fetch(`${mobile.adminOrigin}/dependencies`)).json()) as {
    backends: Record<string, { detail: string }>;
  };
  assert.match(dependencies.backends.orders!.detail, /breaker closed/, 'the backend as a whole was never cut off');
});

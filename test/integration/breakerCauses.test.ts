/**
 * Error codes survive the breaker (issue 14, item 5): a backend that answers garbage counts as
 * failing (the shape check runs inside the call), and once its breaker is open every caller
 * gets UPSTREAM_UNAVAILABLE / circuit_open while the fan-out receipt and the metrics still say
 * which faults opened it. Faults come from the demo backends' own injection (garbageRate,
 * errorRate).
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, type RunningBff } from '../fixtures/startBffs.js';
import { metricValue } from '../fixtures/metricValue.js';

const BREAKER = { BREAKER_THRESHOLD: '2', BREAKER_HALF_OPEN_MS: '600000', UPSTREAM_RETRIES: '0' };
const QUERY = {
  mobile: 'query ($id: ID!) { product(id: $id) { id title stock } }',
  web: 'query ($id: ID!) { product(id: $id) { id title stock { totalAvailable } } }',
} as const;

let backends: BackendsProcess;
before(async () => {
  backends = await startBackendsProcess();
});
after(async () => {
  await backends?.stop();
});
beforeEach(() => backends.admin.reset());

const metric = (bff: { adminOrigin: string }, name: string, labels: Record<string, string>) => metricValue(bff.adminOrigin, name, labels);

const inventoryCalls = async () => (await backends.admin.stats()).inventory.calls;

for (const name of ['mobile', 'web'] as const) {
  describe(`bff-${name}`, () => {
    let bff: RunningBff;
    beforeEach(async () => {
      bff = await startBff(name, backends, BREAKER);
    });
    afterEach(async () => {
      await bff?.close();
    });

    test('inventory answering garbage opens its breaker; refusals and metrics name the garbage', async () => {
      try {
        await backends.admin.faults({ inventory: { garbageRate: 1 } });
        for (let i = 0; i < 2; i++) {
          const res = await gql<{ product: { title: string } }>(bff.url, QUERY[name], { id: 'p-00042' });
          assert.equal(typeof res.body.data?.product.title, 'string', 'the catalog part still arrives');
          const error = res.body.errors?.[0];
          assert.equal(error?.extensions?.code, 'UPSTREAM_BAD_RESPONSE');
          assert.equal(error?.extensions?.upstream, 'inventory');
        }
        const calls = await inventoryCalls();
        const res = await gql(bff.url, QUERY[name], { id: 'p-00042' });
        assert.equal(await inventoryCalls(), calls, 'the open circuit fails fast');
        const error = res.body.errors?.[0];
        assert.equal(error?.extensions?.code, 'UPSTREAM_UNAVAILABLE');
        assert.equal(error?.extensions?.reason, 'circuit_open');
        const refused = res.body.extensions?.fanout?.calls.find((call) => call.backend === 'inventory') as
          | Record<string, unknown>
          | undefined;
        assert.equal(refused?.error, 'UPSTREAM_UNAVAILABLE');
        assert.equal(refused?.reason, 'circuit_open');
        assert.deepEqual(refused?.lastFaults, ['UPSTREAM_BAD_RESPONSE/unrequested_keys', 'UPSTREAM_BAD_RESPONSE/unrequested_keys']);
        assert.equal(
          await metric(bff, 'bff_upstream_breaker_opens_total', { backend: 'inventory', last_fault: 'UPSTREAM_BAD_RESPONSE' }),
          1,
        );
        assert.equal(await metric(bff, 'bff_upstream_breaker_state', { backend: 'inventory', state: 'open' }), 1);
      } finally {
        await backends.admin.faults({ inventory: {} });
      }
    });

    test('after other faults, the receipt names those: gRPC INTERNAL from inventory', async () => {
      try {
        await backends.admin.faults({ inventory: { errorRate: 1, grpcCode: 'INTERNAL' } });
        for (let i = 0; i < 2; i++) await gql(bff.url, QUERY[name], { id: 'p-00042' });
        const res = await gql(bff.url, QUERY[name], { id: 'p-00042' });
        const refused = res.body.extensions?.fanout?.calls.find((call) => call.backend === 'inventory') as
          | Record<string, unknown>
          | undefined;
        assert.equal(refused?.reason, 'circuit_open');
        assert.deepEqual(refused?.lastFaults, ['UPSTREAM_ERROR/grpc_INTERNAL', 'UPSTREAM_ERROR/grpc_INTERNAL']);
        assert.equal(await metric(bff, 'bff_upstream_breaker_opens_total', { backend: 'inventory', last_fault: 'UPSTREAM_ERROR' }), 1);
      } finally {
        await backends.admin.faults({ inventory: {} });
      }
    });
  });
}

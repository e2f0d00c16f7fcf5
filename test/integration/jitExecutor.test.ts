import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type GqlResponse, type RunningBff } from '../fixtures/startBffs.js';
import { operation } from '../fixtures/operations.js';

/**
 * BFF_EXECUTOR=jit must be invisible to clients: for the same request it gives the same
 * data, the same errors (message, path, locations, code, upstream, reason) and the same
 * status as graphql-js — including partial failures and bad variables.
 */
type Body = GqlResponse['body'];

/** What a client sees, minus what differs per request (the request id, the receipt's timings). */
function visible(response: GqlResponse) {
  const { data, errors } = response.body as Body;
  return {
    status: response.status,
    data,
    errors: errors?.map(({ extensions, ...error }) => {
      const { requestId: _id, stacktrace: _stack, ...rest } = extensions ?? {};
      return { ...error, extensions: rest };
    }),
    calls: response.body.extensions?.fanout?.totals.byBackend,
  };
}

describe('jit executor', { timeout: 60_000 }, () => {
  let backends: BackendsProcess;
  const bffs: RunningBff[] = [];
  let web: { jit: RunningBff; js: RunningBff };
  let mobile: { jit: RunningBff; js: RunningBff };
  let staff: string;
  let customer: string;

  before(async () => {
    backends = await startBackendsProcess();
    const [webJit, webJs, mobileJit, mobileJs] = await Promise.all([
      startBff('web', backends, { BFF_EXECUTOR: 'jit' }),
      startBff('web', backends, { BFF_EXECUTOR: 'graphql-js' }),
      startBff('mobile', backends, { BFF_EXECUTOR: 'jit' }),
      startBff('mobile', backends, { BFF_EXECUTOR: 'graphql-js' }),
    ]);
    bffs.push(webJit, webJs, mobileJit, mobileJs);
    web = { jit: webJit, js: webJs };
    mobile = { jit: mobileJit, js: mobileJs };
    staff = await tokenFor(backends, 'u-00001', 'orders:read:all customers:read');
    customer = await tokenFor(backends, 'u-00007');
  });
  after(async () => {
    await Promise.allSettled(bffs.map((b) => b.close()));
    await backends?.stop();
  });

  async function both(pair: { jit: RunningBff; js: RunningBff }, query: string, variables: Record<string, unknown>, token: string) {
    const headers = { authorization: `Bearer ${token}` };
    // One after the other: a deterministic fault rate must hit both executions alike.
    const jit = visible(await gql(pair.jit.url, query, variables, headers));
    const js = visible(await gql(pair.js.url, query, variables, headers));
    return { jit, js };
  }

  it('gives the same data and backend calls on the happy path', async () => {
    const { query } = operation('web', 'OrdersTable');
    const { jit, js } = await both(web, query, { first: 10 }, staff);
    assert.equal(jit.errors, undefined);
    assert.deepEqual(jit, js);
    const home = await both(mobile, operation('mobile', 'Home').query, {}, customer);
    assert.deepEqual(home.jit, home.js);
  });

  it('gives the same partial data and path-tagged errors when inventory fails', async () => {
    await backends.admin.faults({ inventory: { errorRate: 1 } });
    try {
      const { jit, js } = await both(web, operation('web', 'OrdersTable').query, { first: 3 }, staff);
      assert.ok(jit.errors && jit.errors.length > 0, 'inventory faults surface as errors');
      assert.deepEqual(jit.errors[0]!.path?.slice(-2), ['product', 'stock']);
      assert.equal(jit.errors[0]!.extensions.code, 'UPSTREAM_UNAVAILABLE');
      assert.deepEqual(jit, js);
      const home = await both(mobile, operation('mobile', 'Home').query, {}, customer);
      assert.deepEqual(home.jit, home.js);
    } finally {
      await backends.admin.faults({ inventory: {} });
    }
  });

  it('answers bad variables and missing scopes as graphql-js does', async () => {
    const { query } = operation('web', 'OrdersTable');
    const bad = await both(web, query, { first: 'ten' }, staff);
    assert.equal(bad.jit.status, 400);
    assert.deepEqual(bad.jit, bad.js);
    const forbidden = await both(web, query, { first: 5 }, customer);
    assert.deepEqual(forbidden.jit, forbidden.js);
  });
});

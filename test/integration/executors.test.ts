import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type GqlResponse, type RunningBff } from '../fixtures/startBffs.js';
import { operation } from '../fixtures/operations.js';

/**
 * How an operation runs must be invisible to clients. Three ways, compared response by
 * response: the fast path (the default: a manifest query, precompiled, without Apollo's request
 * pipeline), graphql-jit behind Apollo (BFF_FAST_PATH=false), and graphql-js
 * (BFF_EXECUTOR=graphql-js). Same data, same errors (message, path, locations, code,
 * upstream, reason), same status and content type, same backend calls — including partial
 * failures and refusals (which every path makes with the same check, src/operation/check.ts),
 * and bad variables (which the fast path hands to Apollo: graphql-js's words answer them).
 */
type Body = GqlResponse['body'];

/** What a client sees, minus what differs per request (the request id, the receipt's timings). */
function visible(response: GqlResponse) {
  const { data, errors } = response.body as Body;
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    cacheControl: response.headers.get('cache-control'),
    data,
    errors: errors?.map(({ extensions, ...error }) => {
      const { requestId: _id, stacktrace: _stack, ...rest } = extensions ?? {};
      return { ...error, extensions: rest };
    }),
    calls: response.body.extensions?.fanout?.totals.byBackend,
  };
}

type Trio = { fast: RunningBff; jit: RunningBff; js: RunningBff };

describe('executors: fast path, jit behind Apollo, graphql-js', { timeout: 600_000 }, () => {
  let backends: BackendsProcess;
  const bffs: RunningBff[] = [];
  let web: Trio;
  let mobile: Trio;
  let staff: string;
  let customer: string;

  before(async () => {
    backends = await startBackendsProcess();
    const start = async (name: 'web' | 'mobile'): Promise<Trio> => {
      const [fast, jit, js] = await Promise.all([
        startBff(name, backends),
        startBff(name, backends, { BFF_FAST_PATH: 'false' }),
        startBff(name, backends, { BFF_EXECUTOR: 'graphql-js' }),
      ]);
      bffs.push(fast, jit, js);
      return { fast, jit, js };
    };
    [web, mobile] = await Promise.all([start('web'), start('mobile')]);
    staff = await tokenFor(backends, 'u-00001', 'orders:read:all customers:read');
    customer = await tokenFor(backends, 'u-00007');
  });
  after(async () => {
    await Promise.allSettled(bffs.map((b) => b.close()));
    await backends?.stop();
  });

  /** The same request to all three, one after the other (a deterministic fault rate must hit each alike). */
  async function all(trio: Trio, query: string, variables: Record<string, unknown>, token: string) {
    const headers = { authorization: `Bearer ${token}` };
    const servedBefore = trio.fast.server.fastPath!.served;
    const fast = visible(await gql(trio.fast.url, query, variables, headers));
    const fastPathTaken = trio.fast.server.fastPath!.served > servedBefore;
    const jit = visible(await gql(trio.jit.url, query, variables, headers));
    const js = visible(await gql(trio.js.url, query, variables, headers));
    assert.deepEqual(fast, jit, 'fast path and jit behind Apollo differ');
    assert.deepEqual(jit, js, 'jit and graphql-js differ');
    return { fast, fastPathTaken };
  }

  it('is on by default, and only where it can be (the jit executor)', () => {
    assert.ok(web.fast.server.fastPath && mobile.fast.server.fastPath);
    assert.equal(web.jit.server.fastPath, undefined);
    assert.equal(web.js.server.fastPath, undefined);
  });

  it('gives the same data and backend calls on the happy path, served by the fast path', async () => {
    const orders = await all(web, operation('web', 'OrdersTable').query, { first: 10 }, staff);
    assert.equal(orders.fast.errors, undefined);
    assert.equal(orders.fast.status, 200);
    assert.equal(orders.fast.calls?.catalog, 1, 'the receipt is there and counts one catalog call');
    assert.equal(orders.fastPathTaken, true);
    const home = await all(mobile, operation('mobile', 'Home').query, {}, customer);
    assert.equal(home.fastPathTaken, true);
    const product = await all(mobile, operation('mobile', 'ProductScreen').query, operation('mobile', 'ProductScreen').variables, customer);
    assert.equal(product.fastPathTaken, true);
  });

  it('gives the same partial data and path-tagged errors when inventory fails', async () => {
    await backends.admin.faults({ inventory: { errorRate: 1 } });
    try {
      const { fast, fastPathTaken } = await all(web, operation('web', 'OrdersTable').query, { first: 3 }, staff);
      assert.ok(fast.errors && fast.errors.length > 0, 'inventory faults surface as errors');
      assert.deepEqual(fast.errors[0]!.path?.slice(-2), ['product', 'stock']);
      assert.equal(fast.errors[0]!.extensions.code, 'UPSTREAM_UNAVAILABLE');
      assert.equal(fastPathTaken, true);
      await all(mobile, operation('mobile', 'Home').query, {}, customer);
    } finally {
      await backends.admin.faults({ inventory: {} });
    }
  });

  it('hands bad variables and documents outside the manifest to Apollo, and refuses the rest itself, with the same answers', async () => {
    const { query } = operation('web', 'OrdersTable');
    const bad = await all(web, query, { first: 'ten' }, staff);
    assert.equal(bad.fast.status, 200); // a coercion failure, answered as application/json asks
    assert.equal(bad.fast.errors?.[0]?.extensions.code, 'BAD_USER_INPUT');
    assert.equal(bad.fastPathTaken, false);
    // Refused by the check both paths share: the fast path answers it, and Apollo checks nothing twice.
    const forbidden = await all(web, query, { first: 5 }, customer);
    assert.equal(forbidden.fast.status, 403);
    assert.equal(forbidden.fast.errors?.[0]?.extensions.code, 'FORBIDDEN');
    assert.equal(forbidden.fastPathTaken, true);
    // A refused argument is a request error: 200 to this application/json client on every path.
    const screen = operation('mobile', 'ProductScreen');
    const longId = await all(mobile, screen.query, { ...screen.variables, id: 'p'.repeat(100) }, customer);
    assert.equal(longId.fast.status, 200);
    assert.equal(longId.fast.errors?.[0]?.extensions.code, 'BAD_USER_INPUT');
    assert.equal(longId.fast.errors?.[0]?.extensions.reason, 'invalid_id');
    assert.equal(longId.fastPathTaken, true);
    const adHoc = await all(web, '{ orders(first: 2) { totalCount nodes { id } } }', {}, staff);
    assert.equal(adHoc.fast.status, 200);
    assert.equal(adHoc.fastPathTaken, false);
  });

  it('serves a hash-only persisted query (APQ) of the manifest as the full document', async () => {
    const { query } = operation('mobile', 'Home');
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${customer}` };
    const send = (url: string) =>
      fetch(url, { method: 'POST', headers, body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash } } }) });
    const servedBefore = mobile.fast.server.fastPath!.served;
    const [fast, jit] = await Promise.all([send(mobile.fast.url), send(mobile.jit.url)]);
    assert.equal(mobile.fast.server.fastPath!.served, servedBefore + 1);
    assert.equal(fast.status, 200);
    const [fastBody, jitBody] = (await Promise.all([fast.json(), jit.json()])) as { data: unknown }[];
    assert.ok(fastBody!.data);
    assert.deepEqual(fastBody, jitBody);
    // The same hash in capitals is not one the fast path takes; Apollo answers it as it does.
    const upper = (url: string) =>
      fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hash.toUpperCase() } } }),
      });
    const [fastUpper, jitUpper] = await Promise.all([upper(mobile.fast.url), upper(mobile.jit.url)]);
    assert.equal(mobile.fast.server.fastPath!.served, servedBefore + 1);
    assert.equal(fastUpper.status, jitUpper.status);
    const strip = (body: any) => ({
      ...body,
      errors: body.errors?.map(({ extensions: { requestId: _r, stacktrace: _s, ...rest }, ...e }: any) => ({ ...e, extensions: rest })),
    });
    assert.deepEqual(strip(await fastUpper.json()), strip(await jitUpper.json()));
  });

  it('answers an operation that does not resolve with OPERATION_RESOLUTION_FAILURE on every path (400, or 200 to a legacy application/json client)', async () => {
    const { query } = operation('mobile', 'ProductScreen');
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const twoOperations = 'query A { product(id: "p-00001") { id } } query B { product(id: "p-00002") { id } }';
    const payloads: Record<string, unknown>[] = [
      { query: twoOperations },
      { query: twoOperations, operationName: 'C' },
      { query, operationName: 'Nope', variables: { id: 'p-00001' } },
      { query, operationName: 'N'.repeat(90_000), variables: { id: 'p-00001' } },
      { extensions: { persistedQuery: { version: 1, sha256Hash } }, operationName: 'Nope', variables: { id: 'p-00001' } },
    ];
    // GraphQL over HTTP: 400 for application/graphql-response+json; a legacy application/json
    // client gets the same errors with 200 (see graphqlOverHttp.test.ts). Never a 500.
    const accepts = [
      ['application/graphql-response+json', 400],
      ['application/json', 200],
    ] as const;
    for (const payload of payloads) {
      for (const bff of [mobile.fast, mobile.jit, mobile.js]) {
        for (const [accept, status] of accepts) {
          const res = await fetch(bff.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${customer}` },
            body: JSON.stringify(payload),
          });
          const body = (await res.json()) as Body;
          assert.equal(res.status, status, `${accept} ${JSON.stringify(payload).slice(0, 80)}: ${JSON.stringify(body).slice(0, 200)}`);
          assert.equal(body.errors?.[0]?.extensions?.code, 'OPERATION_RESOLUTION_FAILURE');
          assert.equal(body.data, undefined);
        }
      }
    }
  });
});

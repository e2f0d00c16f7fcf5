import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { metricValue } from '../fixtures/metricValue.js';
import { gql, startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';

// One contract, both BFFs: what a client of either can rely on whatever its schema,
// including the explorer for developers (GET on the endpoint from a browser).

let backends: BackendsProcess;
const bffs: RunningBff[] = [];

before(async () => {
  backends = await startBackendsProcess();
  bffs.push(await startBff('mobile', backends), await startBff('web', backends));
});
after(async () => {
  await Promise.all(bffs.map((b) => b.close()));
  await backends?.stop();
});
beforeEach(() => backends.admin.reset());

// The same entity through each schema: a product with its stock.
const productQuery: Record<string, string> = {
  mobile: 'query P($id: ID!) { product(id: $id) { id title stock } }',
  web: 'query P($id: ID!) { product(id: $id) { id title stock { totalAvailable } } }',
};

for (const name of ['mobile', 'web'] as const) {
  describe(`bff-${name}`, () => {
    const bff = () => bffs.find((b) => b.name === name)!;

    test('the request id is taken from x-request-id and returned in the header and in every error', async () => {
      const res = await gql(bff().url, '{ nope }', {}, { 'x-request-id': 'contract-req-1' });
      assert.equal(res.headers.get('x-request-id'), 'contract-req-1');
      // 200: an application/json client reads errors, not the status (graphqlOverHttp.test.ts).
      assert.equal(res.status, 200);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
      assert.equal(res.body.errors?.[0]?.extensions?.requestId, 'contract-req-1');
    });

    test('refusals Apollo makes before its pipeline carry the request id too (CSRF, a malformed body)', async () => {
      const csrf = await fetch(`${bff().url}?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { 'x-request-id': 'contract-csrf' },
      });
      const csrfBody = (await csrf.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
      assert.equal(csrf.status, 400);
      assert.match(csrfBody.errors[0]!.message, /Cross-Site Request Forgery/);
      assert.equal(csrfBody.errors[0]!.extensions.code, 'BAD_REQUEST');
      assert.equal(csrfBody.errors[0]!.extensions.requestId, 'contract-csrf');
      const malformed = await fetch(bff().url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'contract-malformed' },
        body: JSON.stringify({ query: '{ __typename }', variables: [1] }),
      });
      const malformedBody = (await malformed.json()) as { errors: { extensions: Record<string, unknown> }[] };
      assert.equal(malformed.status, 400);
      assert.equal(malformedBody.errors[0]!.extensions.code, 'BAD_REQUEST');
      assert.equal(malformedBody.errors[0]!.extensions.requestId, 'contract-malformed');
    });

    test('a request without x-request-id gets one made', async () => {
      const res = await gql(bff().url, '{ __typename }');
      assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    });

    test('the request id and the client name reach the backends', async () => {
      await gql(bff().url, productQuery[name]!, { id: 'p-00001' }, { 'x-request-id': `contract-${name}` });
      const stats = await backends.admin.stats();
      assert.equal(stats.catalog.last?.requestId, `contract-${name}`);
      assert.equal(stats.inventory.last?.requestId, `contract-${name}`);
      // Anonymous: no user, but the signed calls are still attributed to this BFF.
      assert.deepEqual(stats.catalog.last?.identity, { client: name, userId: null, scopes: [] });
    });

    test('a signed-in viewer is propagated as the verified identity', async () => {
      const token = await tokenFor(backends, 'u-00042');
      await gql(bff().url, productQuery[name]!, { id: 'p-00001' }, { authorization: `Bearer ${token}` });
      const identity = (await backends.admin.stats()).catalog.last?.identity;
      assert.equal(identity?.userId, 'u-00042');
      assert.equal(identity?.client, name);
    });

    test('an unknown product is null, not an error', async () => {
      const res = await gql(bff().url, productQuery[name]!, { id: 'p-99999' });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.data, { product: null });
      assert.equal(res.body.errors, undefined);
    });

    test('a failing backend nulls only its field, with the same code and upstream in both shapes', async () => {
      await backends.admin.faults({ inventory: { errorRate: 1, grpcCode: 'INTERNAL' } });
      const res = await gql<{ product: any }>(bff().url, productQuery[name]!, { id: 'p-00001' });
      assert.equal(res.status, 200);
      assert.equal(res.body.data!.product.id, 'p-00001');
      assert.equal(res.body.data!.product.stock, null);
      assert.deepEqual(res.body.errors?.[0]?.path, ['product', 'stock']);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'UPSTREAM_ERROR');
      assert.equal(res.body.errors?.[0]?.extensions?.upstream, 'inventory');
    });

    test('GET with Accept: text/html serves the explorer (GraphiQL, from this BFF itself)', async () => {
      const res = await fetch(bff().url, { headers: { accept: 'text/html' } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      const html = await res.text();
      assert.match(html, /graphql\/explorer\/graphiql\.js/);
      assert.doesNotMatch(html, /https?:\/\//);
    });

    test('traffic control: an operation-name header is only a claim (another document is answered as usual), and the adaptive limit is exported', async () => {
      const claimed = name === 'mobile' ? 'PlaceOrder' : 'CustomerPage';
      const res = await gql(bff().url, productQuery[name]!, { id: 'p-00001' }, { 'x-apollo-operation-name': claimed });
      assert.equal(res.status, 200);
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      const limit = await metricValue(bff().adminOrigin, 'bff_admission_limit', { bff: name });
      assert.ok(limit !== undefined && limit >= 10, `limit ${limit}`);
      // Rate limits are off here (as in development): no RateLimit headers.
      assert.equal(res.headers.get('ratelimit'), null);
    });

    test('traffic control: with rate limits on, responses say what is left and the request over the limit gets 429 with retry-after, reaching no backend', async () => {
      const limited = await startBff(name, backends, { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_ANONYMOUS: '2' });
      try {
        for (const left of [1, 0]) {
          const res = await gql(limited.url, productQuery[name]!, { id: 'p-00001' });
          assert.equal(res.status, 200);
          assert.equal(res.headers.get('ratelimit-policy'), '"anonymous";q=2;w=60');
          assert.match(res.headers.get('ratelimit') ?? '', new RegExp(`^"anonymous";r=${left};t=\\d+$`));
        }
        const calls = async () => Object.values(await backends.admin.stats()).reduce((n, s) => n + s.calls, 0);
        const before = await calls();
        const refused = await gql(limited.url, productQuery[name]!, { id: 'p-00001' });
        assert.equal(refused.status, 429);
        assert.equal(refused.body.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
        assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/);
        assert.equal(await calls(), before, 'the refused request reached no backend');
      } finally {
        await limited.close();
      }
    });

    test('an unknown route is a JSON 404 with a code, not HTML', async () => {
      const res = await fetch(`${bff().origin}/nope`);
      assert.equal(res.status, 404);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
      assert.equal(body.errors[0]!.extensions.code, 'NOT_FOUND');
    });
  });
}

test('no landing page in production: GET with Accept: text/html is not answered with HTML', async () => {
  const prod = await startBff('web', backends, { NODE_ENV: 'production', IDENTITY_HMAC_SECRET: 'dev-identity-secret-change-me' });
  try {
    const res = await fetch(prod.url, { headers: { accept: 'text/html' } });
    assert.doesNotMatch(res.headers.get('content-type') ?? '', /text\/html/);
    await res.arrayBuffer();
  } finally {
    await prod.close();
  }
});

/**
 * `Cache-Control` on GraphQL responses (issue 21 §3), on real BFFs over the real backends:
 * a response whose every field is public (the schemas' `@cacheControl` hints) says
 * `max-age=<the smallest>, public`, on the fast path and on Apollo Server's path alike (the
 * same document sent both ways: the fast path does not take an `accept` of
 * application/graphql-response+json); anything that selects the viewer's data, has errors, or
 * is a mutation says `no-store`. test/schema/responseCacheControl.test.ts shows the rules are
 * Apollo's cache-control plugin's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { operation } from '../fixtures/operations.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';

let backends: BackendsProcess;
let mobile: RunningBff;
let web: RunningBff;
let customer: string;

before(async () => {
  backends = await startBackendsProcess();
  [mobile, web] = await Promise.all([startBff('mobile', backends), startBff('web', backends)]);
  customer = await tokenFor(backends, 'u-00007');
});
after(async () => {
  await Promise.all([mobile?.close(), web?.close()]);
  await backends?.stop();
});

/** The header on each path, for one document; asserts which path answered. */
async function bothPaths(bff: RunningBff, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const served = bff.server.fastPath!.served;
  const fast = await gql(bff.url, query, variables, headers);
  assert.equal(bff.server.fastPath!.served, served + 1, 'the fast path answered');
  const apollo = await gql(bff.url, query, variables, { ...headers, accept: 'application/graphql-response+json' });
  assert.equal(bff.server.fastPath!.served, served + 1, "Apollo's path answered");
  assert.equal(apollo.headers.get('content-type')?.split(';')[0], 'application/graphql-response+json');
  return { fast, apollo };
}

describe('Cache-Control on GraphQL responses', () => {
  it('an anonymous product screen is public, max-age of its shortest field (stock, 10 s), on both paths', async () => {
    const screen = operation('mobile', 'ProductScreen');
    const { fast, apollo } = await bothPaths(mobile, screen.query, screen.variables);
    assert.equal(fast.body.errors, undefined);
    assert.equal(apollo.body.errors, undefined);
    assert.equal(fast.headers.get('cache-control'), 'max-age=10, public');
    assert.equal(apollo.headers.get('cache-control'), 'max-age=10, public');
  });

  it('the same screen for a signed-in customer is public too: nothing in it is theirs', async () => {
    const screen = operation('mobile', 'ProductScreen');
    const { fast, apollo } = await bothPaths(mobile, screen.query, screen.variables, { authorization: `Bearer ${customer}` });
    assert.equal(fast.headers.get('cache-control'), 'max-age=10, public');
    assert.equal(apollo.headers.get('cache-control'), 'max-age=10, public');
  });

  it("a query with the viewer's data is no-store on both paths", async () => {
    const home = operation('mobile', 'Home');
    const { fast, apollo } = await bothPaths(mobile, home.query, home.variables, { authorization: `Bearer ${customer}` });
    assert.equal(fast.body.errors, undefined);
    assert.equal(fast.headers.get('cache-control'), 'no-store');
    assert.equal(apollo.headers.get('cache-control'), 'no-store');
  });

  it('an anonymous product list is public: the featured strip (ad hoc, Apollo) and a listing page (manifest, fast path)', async () => {
    const featured = await gql(mobile.url, '{ home { featured(first: 3) { id title price } } }');
    assert.equal(featured.body.errors, undefined);
    assert.equal(featured.headers.get('cache-control'), 'max-age=30, public');
    const browse = operation('web', 'ProductsBrowse');
    const { fast, apollo } = await bothPaths(web, browse.query, browse.variables);
    assert.equal(fast.body.errors, undefined);
    const header = fast.headers.get('cache-control');
    assert.match(header ?? '', /^max-age=\d+, public$/);
    assert.equal(apollo.headers.get('cache-control'), header);
  });

  it('a response with errors is no-store, on both paths', async () => {
    const screen = operation('mobile', 'ProductScreen');
    const { fast, apollo } = await bothPaths(mobile, screen.query, { ...screen.variables, id: 'p'.repeat(100) });
    assert.equal(fast.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(fast.headers.get('cache-control'), 'no-store');
    assert.equal(apollo.headers.get('cache-control'), 'no-store');
  });

  it('a mutation is never cacheable', async () => {
    const track = operation('mobile', 'TrackEvent');
    const res = await gql(mobile.url, track.query, track.variables);
    assert.equal(res.body.errors, undefined);
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });
});

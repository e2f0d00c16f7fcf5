import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { metricValue } from '../fixtures/metricValue.js';
import { operation } from '../fixtures/operations.js';
import { startBackendsProcess, type BackendsProcess, type BackendStats } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';

// The public cache and the single flight (src/cache) against the real backends, counted by
// the backends themselves: public reads are served from memory, per-user reads never are, and
// identical reads in flight at the same moment from different requests are sent once.

let backends: BackendsProcess;
let cached: RunningBff;
let shipped: RunningBff;
let cachedWeb: RunningBff;
const tokens: string[] = [];
const home = operation('mobile', 'Home');

before(async () => {
  backends = await startBackendsProcess();
  [cached, shipped, cachedWeb] = await Promise.all([
    startBff('mobile', backends, { BFF_CACHE: 'memory' }),
    startBff('mobile', backends, {
      // The single-flight test holds catalog calls for seconds: deadlines to match.
      CATALOG_TIMEOUT_MS: '20000',
      BFF_REQUEST_TIMEOUT_MS: '25000',
    }),
    startBff('web', backends, { BFF_CACHE: 'memory' }),
  ]);
  for (const sub of ['u-00003', 'u-00005', 'u-00007', 'u-00009', 'u-00011']) tokens.push(await tokenFor(backends, sub));
});
after(async () => {
  await Promise.all([cached?.close(), shipped?.close(), cachedWeb?.close()]);
  await backends?.stop();
});

const diff = (a: BackendStats, b: BackendStats) =>
  Object.fromEntries(
    Object.keys(b)
      .map((k) => [k, b[k as keyof BackendStats].calls - (a[k as keyof BackendStats]?.calls ?? 0)])
      .filter(([, n]) => n !== 0),
  );

async function homeOf(bff: RunningBff, token: string) {
  const res = await gql<{ home: { viewer: { id: string }; featured: unknown[] } }>(bff.url, home.query, home.variables, {
    authorization: `Bearer ${token}`,
  });
  assert.equal(res.status, 200);
  assert.equal(res.body.errors, undefined);
  return res.body.data!.home;
}

describe('public cache (BFF_CACHE=memory)', () => {
  it('serves products, the featured list and stock from memory, and asks users and orders every time', async () => {
    const first = await homeOf(cached, tokens[0]!);
    const before = await backends.admin.stats();
    const again = await homeOf(cached, tokens[0]!);
    // The same viewer again: the per-user reads go to their backends, the public ones do not.
    assert.deepEqual(diff(before, await backends.admin.stats()), { users: 1, orders: 1 });
    assert.deepEqual(again, first);
    const hits = await metricValue(cached.adminOrigin, 'bff_cache_lookups_total', { kind: 'productList', result: 'hit' });
    assert.ok(hits !== undefined && hits >= 1, `productList hits: ${hits}`);
  });

  it("never answers one viewer with another viewer's data: per-user reads are not cached at all", async () => {
    const a = await homeOf(cached, tokens[1]!);
    const before = await backends.admin.stats();
    const b = await homeOf(cached, tokens[2]!);
    const calls = diff(before, await backends.admin.stats());
    assert.equal(calls.users, 1);
    assert.equal(calls.orders, 1);
    assert.equal(a.viewer.id, 'u-00005');
    assert.equal(b.viewer.id, 'u-00007');
    assert.deepEqual(b.featured, a.featured, 'the public part is shared');
    // Only the public kinds ever appear in the cache's series.
    const text = await (await fetch(`${cached.adminOrigin}/metrics`)).text();
    const kinds = new Set([...text.matchAll(/^bff_cache_lookups_total\{[^}]*kind="([^"]+)"/gm)].map((m) => m[1]));
    assert.deepEqual([...kinds].sort(), ['product', 'productList', 'stock']);
  });
});

describe('review summaries and reviews (BFF_CACHE=memory): cached per product, still one call for what is missing', () => {
  const page = operation('web', 'ProductPage');
  const reviewsCalls = async (before: BackendStats) => {
    const after = (await backends.admin.stats()).reviews;
    const byOperation = Object.fromEntries(
      Object.entries(after.byOperation)
        .map(([op, n]) => [op, n - (before.reviews.byOperation[op] ?? 0)])
        .filter(([, n]) => n !== 0),
    );
    return { calls: after.calls - before.reviews.calls, byOperation };
  };
  const pageOf = async (id: string) => {
    const res = await gql<{ product: Record<string, unknown> }>(cachedWeb.url, page.query, { ...page.variables, id });
    assert.equal(res.status, 200);
    assert.equal(res.body.errors, undefined);
    return res.body.data!.product;
  };

  it('a product page asks the reviews backend once (summary and reviews in one call), and not again while they are fresh', async () => {
    let before = await backends.admin.stats();
    const first = await pageOf('p-00042');
    assert.deepEqual(await reviewsCalls(before), { calls: 1, byOperation: { 'reviewSummaries,reviews': 1 } });
    before = await backends.admin.stats();
    const again = await pageOf('p-00042');
    assert.deepEqual(await reviewsCalls(before), { calls: 0, byOperation: {} });
    assert.deepEqual(again.reviewSummary, first.reviewSummary);
    assert.deepEqual(again.reviews, first.reviews);
    assert.ok((first.reviewSummary as { count: number }).count > 0, 'the product has reviews');
  });

  it('a summary already cached is not asked again: the page then asks only for the reviews', async () => {
    let before = await backends.admin.stats();
    const summary = await gql<{ product: { reviewSummary: unknown } }>(
      cachedWeb.url,
      '{ product(id: "p-00043") { reviewSummary { count } } }',
    );
    assert.equal(summary.body.errors, undefined);
    assert.deepEqual(await reviewsCalls(before), { calls: 1, byOperation: { reviewSummaries: 1 } });
    before = await backends.admin.stats();
    await pageOf('p-00043');
    assert.deepEqual(await reviewsCalls(before), { calls: 1, byOperation: { reviews: 1 } });
    const hits = await metricValue(cachedWeb.adminOrigin, 'bff_cache_lookups_total', { kind: 'reviewSummary', result: 'hit' });
    assert.ok(hits !== undefined && hits >= 1, `reviewSummary hits: ${hits}`);
  });
});

describe('single flight (BFF_COLLAPSE, on by default; nothing cached)', () => {
  it("sends the featured list once for requests that need it while it is in flight, and each viewer's own reads once each", async () => {
    const collapsedBefore =
      (await metricValue(shipped.adminOrigin, 'bff_cache_lookups_total', { kind: 'productList', result: 'collapsed' })) ?? 0;
    // Hold catalog calls long enough for the other requests to arrive while the first is in
    // flight; the test waits on the backend's and the BFF's counters, not on the clock.
    await backends.admin.faults({ catalog: { latencyMs: 5_000 } });
    try {
      const before = await backends.admin.stats();
      const first = homeOf(shipped, tokens[0]!);
      while ((await backends.admin.stats()).catalog.calls === before.catalog.calls) await new Promise((resolve) => setImmediate(resolve));
      const others = tokens.slice(1).map((token) => homeOf(shipped, token));
      const results = await Promise.all([first, ...others]);
      const collapsed =
        ((await metricValue(shipped.adminOrigin, 'bff_cache_lookups_total', { kind: 'productList', result: 'collapsed' })) ?? 0) -
        collapsedBefore;
      const calls = diff(before, await backends.admin.stats());
      assert.deepEqual(
        results.map((r) => r.viewer.id),
        ['u-00003', 'u-00005', 'u-00007', 'u-00009', 'u-00011'],
      );
      for (const r of results) assert.deepEqual(r.featured, results[0]!.featured);
      assert.equal(calls.users, 5, 'one users call per viewer');
      assert.equal(calls.orders, 5, 'one orders call per viewer');
      // The featured list went out once; the four later requests joined it.
      assert.equal(collapsed, 4, `requests that joined the featured list in flight (catalog calls ${calls.catalog})`);
      // The list once, and at most one thumbnail batch per request (overlaps may join too).
      assert.ok(calls.catalog! >= 2 && calls.catalog! <= 6, `catalog calls ${calls.catalog}`);
    } finally {
      await backends.admin.faults({ catalog: {} });
    }
  });
});

/**
 * TTLs from the backend's own `Cache-Control` (issue 21 §3): the real catalog server (in this
 * process, so the test can change what it sends while it runs) answers with `Cache-Control`,
 * the kit's REST client hands the headers on, and the public cache keeps each answer as long
 * as the catalog said — in place of the kind's default, bounded by `maxTtlMs`, never when it
 * says `no-store` or `private`. The cache's clock is the test's, so lifetimes are asserted
 * exactly and crossed without waiting; backend calls are counted by the catalog's monitor.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { CATALOG_CACHE_CONTROL, createCatalogServer, type CatalogCacheControl } from '../../backends/catalog/createCatalogServer.js';
import { closeHttp } from '../../backends/common/serveMonitored.js';
import { ServiceMonitor } from '../../backends/common/ServiceMonitor.js';
import { createSeed } from '../../backends/seed/createSeed.js';
import { anonymousViewer } from '../../src/auth/Viewer.js';
import { callSigner, identityHeaders } from '../../src/auth/signIdentity.js';
import { cachePublicReads, PUBLIC_READ_POLICIES } from '../../src/cache/cachePublicReads.js';
import { lifetimeFromHeaders } from '../../src/cache/httpCacheControl.js';
import type { PublicCache } from '../../src/cache/PublicCache.js';
import { FanoutRecorder } from '../../src/context/FanoutRecorder.js';
import { CallScope } from '../../src/datasources/CallScope.js';
import type { Backends } from '../../src/datasources/createBackends.js';
import { CatalogApi } from '../../src/datasources/rest/CatalogApi.js';

const SECRET = 'test-identity-secret-0123456789';
const MAX_TTL_MS = 120_000;
let server: Server;
let catalog: CatalogApi;
let monitor: ServiceMonitor;
let products: string[];
/** What the catalog sends; the test changes it between reads. */
const sent: CatalogCacheControl = { ...CATALOG_CACHE_CONTROL };

before(async () => {
  const seed = createSeed();
  products = seed.products.map((p) => p.id);
  monitor = new ServiceMonitor('catalog');
  server = createCatalogServer({
    products: seed.products,
    categories: seed.categories,
    monitor,
    identitySecret: SECRET,
    cacheControl: sent,
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  catalog = new CatalogApi({ baseUrl: `http://127.0.0.1:${port}`, retries: 0 });
});
after(async () => {
  await catalog?.close();
  if (server) await closeHttp(server);
});

const scope = () => {
  const identity = identityHeaders(anonymousViewer('test'), 'req-cc');
  return new CallScope(
    'req-cc',
    identity,
    Date.now() + 60_000,
    new AbortController().signal,
    new FanoutRecorder(),
    {},
    callSigner(SECRET, identity),
  );
};

/** A cached catalog on a clock the test moves. */
function cachedCatalog() {
  let now = 1_000_000;
  const backends = cachePublicReads({ catalog } as unknown as Backends, {
    mode: 'memory',
    collapse: true,
    maxEntries: 1000,
    maxTtlMs: MAX_TTL_MS,
    now: () => now,
  });
  return {
    catalog: backends.catalog,
    cache: backends.publicCache as PublicCache,
    now: () => now,
    advance: (ms: number) => void (now += ms),
  };
}

const calls = () => monitor.snapshot().calls;

async function waitForCalls(n: number) {
  while (calls() < n) await new Promise((resolve) => setImmediate(resolve));
}

describe("the catalog's Cache-Control sets how long the public cache keeps its answers", () => {
  it('keeps a product as long as max-age, then serves it stale for stale-while-revalidate', async () => {
    Object.assign(sent, CATALOG_CACHE_CONTROL);
    const c = cachedCatalog();
    const id = products[0]!;
    const start = calls();
    await c.catalog.getProductsByIds(scope(), [id]);
    assert.equal(calls(), start + 1);
    // public, max-age=60, stale-while-revalidate=60
    assert.deepEqual(c.cache.peek('product', id), { freshUntil: c.now() + 60_000, staleUntil: c.now() + 120_000 });
    c.advance(59_999);
    await c.catalog.getProductsByIds(scope(), [id]);
    assert.equal(calls(), start + 1, 'still fresh: no call');
  });

  it('a changed max-age changes the lifetime of the entry the next answer makes', async () => {
    Object.assign(sent, CATALOG_CACHE_CONTROL);
    const c = cachedCatalog();
    const id = products[1]!;
    const start = calls();
    await c.catalog.getProductsByIds(scope(), [id]);
    assert.equal(c.cache.peek('product', id)?.freshUntil, c.now() + 60_000);

    // The catalog now says 5 s and nothing about serving stale.
    sent.products = 'public, max-age=5';
    c.advance(60_000);
    // Stale (within the old answer's window): served at once while one refresh runs.
    const stale = await c.catalog.getProductsByIds(scope(), [id]);
    assert.deepEqual(
      stale.map((p) => p.id),
      [id],
    );
    await waitForCalls(start + 2);
    while (c.cache.peek('product', id)?.freshUntil !== c.now() + 5_000) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(c.cache.peek('product', id), { freshUntil: c.now() + 5_000, staleUntil: c.now() + 5_000 });

    c.advance(4_999);
    await c.catalog.getProductsByIds(scope(), [id]);
    assert.equal(calls(), start + 2, 'fresh for the new 5 s');
    c.advance(1);
    await c.catalog.getProductsByIds(scope(), [id]);
    assert.equal(calls(), start + 3, 'past 5 s and no stale window: fetched again');
  });

  it('s-maxage (for shared caches) wins over max-age, and Age is taken off', async () => {
    assert.deepEqual(lifetimeFromHeaders({ 'cache-control': 'public, max-age=600, s-maxage=20', age: '5' }, MAX_TTL_MS), {
      ttlMs: 15_000,
      staleMs: 0,
    });
    assert.deepEqual(lifetimeFromHeaders({ 'cache-control': 'max-age=60, stale-while-revalidate=30, must-revalidate' }, MAX_TTL_MS), {
      ttlMs: 60_000,
      staleMs: 0,
    });
    assert.equal(lifetimeFromHeaders({ 'cache-control': 'public' }, MAX_TTL_MS), undefined, 'no lifetime: the default applies');
    assert.equal(lifetimeFromHeaders({}, MAX_TTL_MS), undefined);
  });

  it('bounds a long max-age by the configured maximum', async () => {
    sent.products = 'public, max-age=31536000, stale-while-revalidate=31536000';
    const c = cachedCatalog();
    const id = products[2]!;
    await c.catalog.getProductsByIds(scope(), [id]);
    assert.deepEqual(c.cache.peek('product', id), { freshUntil: c.now() + MAX_TTL_MS, staleUntil: c.now() + 2 * MAX_TTL_MS });
  });

  for (const header of ['no-store', 'private, max-age=60', 'no-cache']) {
    it(`never keeps an answer that says ${header}`, async () => {
      sent.products = header;
      const c = cachedCatalog();
      const id = products[3]!;
      const start = calls();
      await c.catalog.getProductsByIds(scope(), [id]);
      await c.catalog.getProductsByIds(scope(), [id]);
      assert.equal(calls(), start + 2, 'each read goes to the catalog');
      assert.equal(c.cache.peek('product', id), undefined);
    });
  }

  it("uses the kind's default for an answer that says nothing", async () => {
    sent.products = undefined;
    const c = cachedCatalog();
    const id = products[4]!;
    await c.catalog.getProductsByIds(scope(), [id]);
    const { ttlMs, staleMs } = PUBLIC_READ_POLICIES.product;
    assert.deepEqual(c.cache.peek('product', id), { freshUntil: c.now() + ttlMs, staleUntil: c.now() + ttlMs + staleMs });
  });

  it('list pages follow their own header', async () => {
    Object.assign(sent, CATALOG_CACHE_CONTROL, { listings: 'public, max-age=10, stale-while-revalidate=3' });
    const c = cachedCatalog();
    const start = calls();
    const input = { sort: 'rating_desc' as const, limit: 5 };
    await c.catalog.listProducts(scope(), input);
    await c.catalog.listProducts(scope(), input);
    assert.equal(calls(), start + 1);
    assert.deepEqual(c.cache.peek('productList', '|rating_desc|5|'), { freshUntil: c.now() + 10_000, staleUntil: c.now() + 13_000 });
    sent.listings = 'private';
    c.advance(13_000);
    await c.catalog.listProducts(scope(), input);
    assert.equal(calls(), start + 2);
    assert.equal(c.cache.peek('productList', '|rating_desc|5|'), undefined, 'a private answer replaces nothing and is not kept');
  });
});

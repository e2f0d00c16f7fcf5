/**
 * The public cache's Redis tier (BFF_CACHE_REDIS, issue 21 §3): two replicas of bff-mobile share
 * one real redis-server, and the backends count their calls. One replica's fetch serves the
 * other; per-user data never reaches Redis; Redis gone, each replica serves from its own memory
 * and the backends, counts the failure, and no client sees an error.
 * Needs redis-server: skipped locally without it, FAILS in CI (requireRedis).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { createClient } from 'redis';
import { mobileProfile } from '../../bff-mobile/mobileProfile.js';
import { createRedisTier, type SharedTier } from '../../src/cache/createRedisTier.js';
import { PublicCache } from '../../src/cache/PublicCache.js';
import { loadConfig } from '../../src/config/loadConfig.js';
import type { CallScope } from '../../src/datasources/CallScope.js';
import { connectRedis, type RedisClient } from '../../src/redis/connectRedis.js';
import { metricValue } from '../fixtures/metricValue.js';
import { operation } from '../fixtures/operations.js';
import { startBackendsProcess, type BackendsProcess, type BackendStats } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';
import { requireRedis, startRedis, type RedisProcess } from '../fixtures/startRedis.js';

let redis: RedisProcess | undefined;
let backends: BackendsProcess | undefined;
let replicas: RunningBff[] = [];

/** Redis, the backends and two replicas, once, for the tests that need them. */
async function setUp(): Promise<{
  redis: RedisProcess;
  backends: BackendsProcess;
  /** Without leases. */
  a: RunningBff;
  b: RunningBff;
  /** With leases (BFF_COLLAPSE_REDIS_LEASE_MS). */
  c: RunningBff;
  d: RunningBff;
}> {
  if (!redis) {
    redis = await startRedis();
    backends = await startBackendsProcess();
    // The collapsing test holds catalog calls for seconds: deadlines to match.
    // Redis's answers get as long as a loaded machine needs: no test here is about that bound.
    const env = {
      BFF_CACHE: 'memory',
      BFF_CACHE_REDIS: 'true',
      BFF_CACHE_REDIS_TIMEOUT_MS: '5000',
      REDIS_URL: redis.url,
      CATALOG_TIMEOUT_MS: '15000',
    };
    const leased = { ...env, BFF_COLLAPSE_REDIS_LEASE_MS: '10000' };
    replicas = await Promise.all([
      startBff('mobile', backends, env),
      startBff('mobile', backends, env),
      startBff('mobile', backends, leased),
      startBff('mobile', backends, leased),
    ]);
  }
  return { redis, backends: backends!, a: replicas[0]!, b: replicas[1]!, c: replicas[2]!, d: replicas[3]! };
}
after(async () => {
  await Promise.all(replicas.map((r) => r.close()));
  await backends?.stop();
  await redis?.stop();
});

const diff = (a: BackendStats, b: BackendStats) =>
  Object.fromEntries(
    Object.keys(b)
      .map((k) => [k, b[k as keyof BackendStats].calls - (a[k as keyof BackendStats]?.calls ?? 0)])
      .filter(([, n]) => n !== 0),
  );

const screen = operation('mobile', 'ProductScreen');

async function productScreen(bff: RunningBff, id: string) {
  const res = await gql<{ product: Record<string, unknown> }>(bff.url, screen.query, { ...screen.variables, id });
  assert.equal(res.status, 200);
  assert.equal(res.body.errors, undefined);
  return res.body.data!.product;
}

describe('public cache, Redis tier shared by replicas (BFF_CACHE_REDIS)', () => {
  it('needs REDIS_URL and BFF_CACHE=memory', () => {
    assert.throws(() => loadConfig(mobileProfile, { BFF_CACHE: 'memory', BFF_CACHE_REDIS: 'true' }), /BFF_CACHE_REDIS/);
    assert.throws(() => loadConfig(mobileProfile, { BFF_CACHE_REDIS: 'true', REDIS_URL: 'redis://127.0.0.1:6379' }), /BFF_CACHE_REDIS/);
    assert.throws(() => loadConfig(mobileProfile, { BFF_COLLAPSE_REDIS_LEASE_MS: '1000' }), /BFF_COLLAPSE_REDIS_LEASE_MS/);
    assert.equal(loadConfig(mobileProfile, {}).cache.redis, false);
    assert.equal(loadConfig(mobileProfile, {}).cache.leaseMs, 0);
  });

  it("one replica's fetch serves the other: the second asks the catalog and reviews nothing", async (t) => {
    if (!requireRedis(t)) return;
    const { backends, a, b } = await setUp();
    let before = await backends.admin.stats();
    const first = await productScreen(a, 'p-00077');
    const byA = diff(before, await backends.admin.stats());
    assert.ok(byA.catalog! >= 1 && byA.reviews === 1, `replica A's calls: ${JSON.stringify(byA)}`);
    before = await backends.admin.stats();
    const second = await productScreen(b, 'p-00077');
    const byB = diff(before, await backends.admin.stats());
    assert.equal(byB.catalog, undefined, `replica B's calls: ${JSON.stringify(byB)}`);
    assert.equal(byB.reviews, undefined, `replica B's calls: ${JSON.stringify(byB)}`);
    assert.deepEqual(second, first);
    const shared = await metricValue(b.adminOrigin, 'bff_cache_lookups_total', { kind: 'product', result: 'shared' });
    assert.ok(shared !== undefined && shared >= 1, `products copied from Redis: ${shared}`);
  });

  it('keeps only public kinds in Redis: no user, order or viewer data, whoever asked', async (t) => {
    if (!requireRedis(t)) return;
    const { redis, backends, a, b } = await setUp();
    const home = operation('mobile', 'Home');
    for (const [bff, sub] of [
      [a, 'u-00007'],
      [b, 'u-00009'],
    ] as const) {
      const token = await tokenFor(backends, sub);
      const res = await gql<{ home: { viewer: { id: string; firstName: string } } }>(bff.url, home.query, home.variables, {
        authorization: `Bearer ${token}`,
      });
      assert.equal(res.body.errors, undefined);
      assert.equal(res.body.data!.home.viewer.id, sub);
    }
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const keys: string[] = [];
      for await (const batch of client.scanIterator({ MATCH: '*', COUNT: 1000 })) keys.push(...batch);
      assert.ok(keys.length > 0, 'the replicas wrote to Redis');
      const kinds = new Set(keys.map((key) => /^bff:cache:v1:([^:]+):/.exec(key)?.[1] ?? `not a cache key: ${key}`));
      for (const kind of kinds) assert.ok(['product', 'productList', 'stock', 'reviewSummary', 'productReviews'].includes(kind), kind);
      const values = (await client.mGet(keys)).join('\n');
      for (const forbidden of ['u-00007', 'u-00009', '"userId"', '"email"', '"orders"'])
        assert.ok(!values.includes(forbidden), `${forbidden} is in Redis`);
    } finally {
      await client.quit();
    }
  });

  it('collapsing across replicas: while one replica fetches a product, the other waits for it (one catalog call), where without leases it fetches too (two)', async (t) => {
    if (!requireRedis(t)) return;
    const { backends, a, b, c, d } = await setUp();
    // The catalog holds every call for 2 s; the second replica's request is sent once the
    // catalog has the first replica's call (its counter moved), so the fetch is in flight.
    const whileFirstInFlight = async (first: RunningBff, second: RunningBff, id: string) => {
      const before = await backends.admin.stats();
      const one = productScreen(first, id);
      while ((await backends.admin.stats()).catalog.calls === before.catalog.calls) await new Promise((resolve) => setImmediate(resolve));
      const two = productScreen(second, id);
      const [p1, p2] = await Promise.all([one, two]);
      assert.deepEqual(p2, p1);
      return diff(before, await backends.admin.stats()).catalog;
    };
    await backends.admin.faults({ catalog: { latencyMs: 2_000 } });
    try {
      assert.equal(await whileFirstInFlight(a, b, 'p-00091'), 2, 'without leases: each replica fetches');
      const waitedBefore =
        (await metricValue(d.adminOrigin, 'bff_cache_lookups_total', { kind: 'product', result: 'collapsed_replica' })) ?? 0;
      assert.equal(await whileFirstInFlight(c, d, 'p-00092'), 1, 'with leases: one replica fetches, the other waits for it');
      const waited = (await metricValue(d.adminOrigin, 'bff_cache_lookups_total', { kind: 'product', result: 'collapsed_replica' })) ?? 0;
      assert.equal(waited - waitedBefore, 1, 'the waiting replica counted the product it got from the other');
    } finally {
      await backends.admin.faults({ catalog: {} });
    }
  });

  it('with Redis gone: served from memory and the backends, the failure counted, never an error to the client', async (t) => {
    if (!requireRedis(t)) return;
    const { redis, backends, a } = await setUp();
    const errorsBefore = (await metricValue(a.adminOrigin, 'bff_cache_lookups_total', { kind: 'product', result: 'shared_error' })) ?? 0;
    await redis.stop();
    let before = await backends.admin.stats();
    const first = await productScreen(a, 'p-00078');
    assert.ok(diff(before, await backends.admin.stats()).catalog! >= 1, 'fetched from the catalog');
    const errors = (await metricValue(a.adminOrigin, 'bff_cache_lookups_total', { kind: 'product', result: 'shared_error' })) ?? 0;
    assert.ok(errors > errorsBefore, `shared_error ${errorsBefore} -> ${errors}`);
    // This replica's own memory still answers.
    before = await backends.admin.stats();
    assert.deepEqual(await productScreen(a, 'p-00078'), first);
    const again = diff(before, await backends.admin.stats());
    assert.equal(again.catalog, undefined, `calls: ${JSON.stringify(again)}`);
    assert.equal(again.reviews, undefined, `calls: ${JSON.stringify(again)}`);
  });
});

describe('collapsing across replicas at the edge of a lease (two PublicCaches, one real redis-server)', () => {
  let own: RedisProcess | undefined;
  const clients: RedisClient[] = [];
  after(async () => {
    await Promise.all(clients.map((client) => client.quit()));
    await own?.stop();
  });

  it('a replica whose lookup missed, and whose lease comes just after another replica wrote the value and gave its lease back, uses that value and fetches nothing', async (t) => {
    if (!requireRedis(t)) return;
    own = await startRedis();
    const url = own.url;
    const connect = async () => {
      const client = connectRedis(url, 5_000);
      await client.connect();
      clients.push(client);
      return client;
    };
    /** One replica's public cache over its own connection; `wrap` stands between it and the tier. */
    const replica = async (wrap: (tier: SharedTier) => SharedTier = (tier) => tier) => {
      const cache = new PublicCache({
        mode: 'memory',
        collapse: true,
        maxEntries: 100,
        leaseMs: 5_000,
        policies: { item: { ttlMs: 60_000, staleMs: 60_000 } },
      });
      cache.useSharedTier(wrap(createRedisTier(await connect(), { log: pino({ level: 'silent' }), timeoutMs: 5_000 })));
      return cache;
    };
    const scope = () => ({ signal: new AbortController().signal, deadline: Date.now() + 30_000 }) as CallScope;
    const calls: string[] = [];
    const fetchAs = (who: string) => async (_scope: CallScope, keys: readonly string[]) => {
      calls.push(`${who}:${keys.join(',')}`);
      return keys.map((id) => ({ id, by: who }));
    };
    const byId = (item: { id: string }) => item.id;
    const probe = await connect();
    const a = await replica();
    const b = await replica((tier) => ({
      ...tier,
      async lease(kind, keys, ms) {
        // Between B's lookup (a miss) and its lease: A fetches the key, writes it to Redis and
        // gives its lease back (waited for in Redis itself, as B's next command would see it).
        await a.getMany('item', scope(), keys, byId, fetchAs('A'));
        while ((await probe.get('bff:cache:v1:item:x')) === null || (await probe.get('bff:cache:v1:lease:item:x')) !== null)
          await new Promise((resolve) => setImmediate(resolve));
        return tier.lease(kind, keys, ms);
      },
    }));
    const got = await b.getMany('item', scope(), ['x'], byId, fetchAs('B'));
    assert.deepEqual(calls, ['A:x'], 'one fetch, by the replica that held the first lease');
    assert.deepEqual(got, [{ id: 'x', by: 'A' }]);
  });
});

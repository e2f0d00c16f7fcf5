import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SharedEntry, SharedTier } from '../../src/cache/createRedisTier.js';
import { PublicCache, type PublicCacheOptions } from '../../src/cache/PublicCache.js';
import type { CallScope } from '../../src/datasources/CallScope.js';

// The cache's rules on a controlled clock and a backend stand-in whose calls are counted and
// held until released: fresh, stale-while-revalidate, single flight, a cancelled leader.

interface Item {
  id: string;
  v: number;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A backend whose every call waits for `release()`; `calls` lists the keys of each call. */
function heldBackend() {
  const calls: string[][] = [];
  const pending: { keys: readonly string[]; gate: ReturnType<typeof deferred<void>> }[] = [];
  let version = 1;
  return {
    calls,
    setVersion: (v: number) => void (version = v),
    fetch: async (_scope: CallScope, keys: readonly string[]): Promise<Item[]> => {
      calls.push([...keys]);
      const gate = deferred<void>();
      pending.push({ keys, gate });
      await gate.promise;
      return keys.filter((k) => k !== 'unknown').map((id) => ({ id, v: version }));
    },
    release: () => {
      for (const p of pending.splice(0)) p.gate.resolve();
    },
    fail: (error: Error) => {
      for (const p of pending.splice(0)) p.gate.reject(error);
    },
    waitForCalls: async (n: number) => {
      while (calls.length < n) await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

const scope = (signal: AbortSignal = new AbortController().signal) => ({ signal }) as CallScope;

function cache(overrides: Partial<PublicCacheOptions> = {}) {
  let now = 1_000;
  const c = new PublicCache({
    mode: 'memory',
    collapse: true,
    maxEntries: 100,
    policies: { item: { ttlMs: 1_000, staleMs: 1_000 } },
    now: () => now,
    ...overrides,
  });
  return { c, advance: (ms: number) => void (now += ms) };
}

const get = (c: PublicCache, backend: ReturnType<typeof heldBackend>, keys: string[], s = scope()) =>
  c.getMany<Item>('item', s, keys, (i) => i.id, backend.fetch);
const sorted = (items: Item[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));

describe('PublicCache', () => {
  it('answers fresh keys from memory and fetches only the missing ones, in one call', async () => {
    const backend = heldBackend();
    const { c } = cache();
    const first = get(c, backend, ['a', 'b']);
    await backend.waitForCalls(1);
    backend.release();
    assert.deepEqual(sorted(await first), [
      { id: 'a', v: 1 },
      { id: 'b', v: 1 },
    ]);
    const second = get(c, backend, ['a', 'b', 'c', 'unknown']);
    await backend.waitForCalls(2);
    backend.release();
    assert.deepEqual(sorted(await second), [
      { id: 'a', v: 1 },
      { id: 'b', v: 1 },
      { id: 'c', v: 1 },
    ]);
    assert.deepEqual(backend.calls, [
      ['a', 'b'],
      ['c', 'unknown'],
    ]);
  });

  it('serves a stale key at once and refreshes it with one call, however many ask meanwhile', async () => {
    const backend = heldBackend();
    const { c, advance } = cache();
    const warm = get(c, backend, ['a']);
    await backend.waitForCalls(1);
    backend.release();
    await warm;
    advance(1_500); // past the TTL, within the stale window
    backend.setVersion(2);
    for (let i = 0; i < 20; i++) assert.deepEqual(await get(c, backend, ['a']), [{ id: 'a', v: 1 }]);
    assert.equal(backend.calls.length, 2, 'one refresh for 20 stale reads');
    backend.release();
    await backend.waitForCalls(2);
    // Once the refresh is in, the new value is served fresh.
    while ((await get(c, backend, ['a']))[0]!.v !== 2) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(backend.calls.length, 2);
    advance(5_000); // past the stale window too: a plain miss again
    const again = get(c, backend, ['a']);
    await backend.waitForCalls(3);
    backend.release();
    assert.deepEqual(await again, [{ id: 'a', v: 2 }]);
  });

  it('sends identical keys in flight once, for every request that asks (single flight)', async () => {
    const backend = heldBackend();
    const { c } = cache({ mode: 'off' });
    const all = Promise.all(Array.from({ length: 10 }, () => get(c, backend, ['a', 'b'])));
    await backend.waitForCalls(1);
    backend.release();
    for (const result of await all)
      assert.deepEqual(sorted(result), [
        { id: 'a', v: 1 },
        { id: 'b', v: 1 },
      ]);
    assert.deepEqual(backend.calls, [['a', 'b']]);
    // Nothing kept without the memory mode: the next request calls again.
    const next = get(c, backend, ['a']);
    await backend.waitForCalls(2);
    backend.release();
    await next;
    assert.equal(c.size, 0);
  });

  it('shares a failure with the requests that joined, and caches nothing', async () => {
    const backend = heldBackend();
    const { c } = cache();
    const both = [get(c, backend, ['a']), get(c, backend, ['a'])].map((p) =>
      p.then(
        () => 'ok',
        (e: Error) => e.message,
      ),
    );
    await backend.waitForCalls(1);
    backend.fail(new Error('catalog down'));
    assert.deepEqual(await Promise.all(both), ['catalog down', 'catalog down']);
    assert.equal(c.size, 0);
  });

  it('a request that joined a call whose own request went away fetches for itself instead of failing', async () => {
    const backend = heldBackend();
    const { c } = cache();
    const leader = new AbortController();
    const first = get(c, backend, ['a'], scope(leader.signal)).catch((e: Error) => e.message);
    await backend.waitForCalls(1);
    const joiner = get(c, backend, ['a']);
    leader.abort();
    backend.fail(new Error('request_cancelled'));
    await backend.waitForCalls(2);
    backend.release();
    assert.equal(await first, 'request_cancelled');
    assert.deepEqual(await joiner, [{ id: 'a', v: 1 }]);
  });

  it('without collapsing, concurrent requests each call', async () => {
    const backend = heldBackend();
    const { c } = cache({ mode: 'off', collapse: false });
    assert.equal(c.active, false);
    const all = Promise.all([get(c, backend, ['a']), get(c, backend, ['a'])]);
    await backend.waitForCalls(2);
    backend.release();
    await all;
    assert.equal(backend.calls.length, 2);
  });

  it('forgets a key or a whole kind when invalidated', async () => {
    const backend = heldBackend();
    const { c } = cache();
    const warm = get(c, backend, ['a', 'b']);
    await backend.waitForCalls(1);
    backend.release();
    await warm;
    c.invalidate('item', 'a');
    assert.equal(c.size, 1);
    c.invalidate('item');
    assert.equal(c.size, 0);
  });

  it('refuses a policy without a valid TTL, naming it', () => {
    assert.throws(
      () => new PublicCache({ mode: 'memory', collapse: true, maxEntries: 10, policies: { item: { ttlMs: -1, staleMs: 0 } } }),
      /policy item/,
    );
  });
});

describe('PublicCache: lifetimes told by the backend, and a shared tier', () => {
  it('keeps a batch for the shortest lifetime its responses told, the kind default standing in for one that told nothing', async () => {
    const { c } = cache({ policies: { item: { ttlMs: 10_000, staleMs: 10_000 } } });
    await c.getMany<Item>(
      'item',
      scope(),
      ['a', 'b'],
      (i) => i.id,
      async (_s, keys, lifetime) => {
        lifetime({ ttlMs: 5_000, staleMs: 20_000 });
        lifetime(undefined);
        return keys.map((id) => ({ id, v: 1 }));
      },
    );
    assert.deepEqual(c.peek('item', 'a'), { freshUntil: 1_000 + 5_000, staleUntil: 1_000 + 5_000 + 10_000 });
  });

  it('looks in the shared tier before the backend, and writes what it fetched to it', async () => {
    const held = new Map<string, SharedEntry>();
    const written: string[] = [];
    const tier: SharedTier = {
      getMany: async (kind, keys) => new Map(keys.filter((k) => held.has(`${kind}:${k}`)).map((k) => [k, held.get(`${kind}:${k}`)!])),
      setMany: (kind, entries) => {
        for (const [key, entry] of entries) {
          held.set(`${kind}:${key}`, entry);
          written.push(key);
        }
      },
      invalidate: (kind, key) => void held.delete(`${kind}:${key}`),
      lease: async (_kind, keys) => new Set(keys),
      poll: async () => ({ found: new Map(), leased: new Set() }),
      release: () => undefined,
    };
    held.set('item:a', { value: { id: 'a', v: 7 }, freshUntil: 5_000, staleUntil: 9_000 });
    const { c } = cache();
    c.useSharedTier(tier);
    const fetched: string[][] = [];
    const items = await c.getMany<Item>(
      'item',
      scope(),
      ['a', 'b'],
      (i) => i.id,
      async (_s, keys) => {
        fetched.push([...keys]);
        return keys.map((id) => ({ id, v: 1 }));
      },
    );
    assert.deepEqual(sorted(items), [
      { id: 'a', v: 7 },
      { id: 'b', v: 1 },
    ]);
    assert.deepEqual(fetched, [['b']], 'only what the shared tier did not have');
    assert.deepEqual(written, ['b']);
    assert.deepEqual(c.peek('item', 'a'), { freshUntil: 5_000, staleUntil: 9_000 }, "the shared entry's own lifetime");
    c.invalidate('item', 'a');
    assert.equal(held.has('item:a'), false, 'invalidated in the shared tier too');
  });
});

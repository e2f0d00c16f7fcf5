import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLoader, loadManyNow, loadNow, mapNow } from '../../src/loaders/createLoader.js';
import { BffError } from '../../src/errors/BffError.js';

interface Item {
  id: string;
  n: number;
}

function recordingLoader(options: {
  maxBatchSize?: number;
  answer?: (keys: readonly string[]) => Item[];
  missing?: 'error' | 'null';
  batching?: boolean;
}) {
  const calls: string[][] = [];
  const loader = createLoader<Item>({
    name: 'itemById',
    upstream: 'items',
    maxBatchSize: options.maxBatchSize ?? 100,
    ...(options.missing && { missing: options.missing }),
    ...(options.batching !== undefined && { batching: options.batching }),
    batch: async (keys) => {
      calls.push([...keys]);
      // Answer in reverse order: the loader must put values back in key order.
      return (options.answer ?? ((k) => k.map((id) => ({ id, n: Number(id.slice(1)) }))))(keys).reverse();
    },
    keyOf: (item) => item.id,
  });
  return { loader, calls };
}

/** A loader whose backend is down: every batch fails with UPSTREAM_UNAVAILABLE. */
function failingLoader() {
  return createLoader<Item>({
    name: 'itemById',
    upstream: 'items',
    maxBatchSize: 10,
    batch: async () => {
      throw new BffError('UPSTREAM_UNAVAILABLE', 'down', { upstream: 'items' });
    },
    keyOf: (item) => item.id,
  });
}

test('keys loaded in one tick go out as one call, results in key order, duplicates fetched once', async () => {
  const { loader, calls } = recordingLoader({});
  const values = await Promise.all(['k1', 'k2', 'k1', 'k3'].map((k) => loader.load(k)));
  assert.deepEqual(
    values.map((v) => v?.id),
    ['k1', 'k2', 'k1', 'k3'],
  );
  assert.deepEqual(calls, [['k1', 'k2', 'k3']]);
});

test('maxBatchSize splits a large batch into calls the backend accepts', async () => {
  const { loader, calls } = recordingLoader({ maxBatchSize: 2 });
  await loader.loadMany(['k1', 'k2', 'k3', 'k4', 'k5']);
  assert.deepEqual(
    calls.map((c) => c.length),
    [2, 2, 1],
  );
});

test('a key the backend left out gets its own NOT_FOUND; the others still resolve', async () => {
  const { loader } = recordingLoader({ answer: (keys) => keys.filter((k) => k !== 'k2').map((id) => ({ id, n: 0 })) });
  const [a, b] = await loader.loadMany(['k1', 'k2']);
  assert.equal((a as Item).id, 'k1');
  assert.ok(b instanceof BffError);
  assert.equal(b.extensions.code, 'NOT_FOUND');
  assert.equal(b.extensions.upstream, 'items');
});

test("missing: 'null' resolves a left-out key to null", async () => {
  const { loader } = recordingLoader({ missing: 'null', answer: () => [] });
  assert.equal(await loader.load('k9'), null);
});

test('an answer with keys nobody asked for is UPSTREAM_BAD_RESPONSE for every key', async () => {
  const { loader } = recordingLoader({ answer: (keys) => keys.map((id) => ({ id: `${id}-garbage`, n: 0 })) });
  const results = await loader.loadMany(['k1', 'k2']);
  for (const result of results) {
    assert.ok(result instanceof BffError);
    assert.equal(result.extensions.code, 'UPSTREAM_BAD_RESPONSE');
  }
});

test('batching: false makes one call per key (the naive N+1 baseline)', async () => {
  const { loader, calls } = recordingLoader({ batching: false });
  await loader.loadMany(['k1', 'k2', 'k3']);
  assert.equal(calls.length, 3);
});

test('a maxBatchSize below 1 is refused at creation', () => {
  assert.throws(
    () => createLoader<Item>({ name: 'bad', upstream: 'x', maxBatchSize: 0, batch: async () => [], keyOf: (i) => i.id }),
    /maxBatchSize must be >= 1/,
  );
});

test('loadNow answers synchronously once a key has been loaded: its value, its null, or its error', async () => {
  const { loader, calls } = recordingLoader({ answer: (keys) => keys.filter((k) => k !== 'gone').map((id) => ({ id, n: 1 })) });
  const pending = loadNow(loader, 'k1');
  assert.ok(pending instanceof Promise, 'not loaded yet: the load itself');
  await Promise.all([pending, loader.loadMany(['k2', 'gone'])]);
  assert.deepEqual(loadNow(loader, 'k1'), { id: 'k1', n: 1 });
  assert.throws(
    () => loadNow(loader, 'gone'),
    (error: unknown) => error instanceof BffError && error.code === 'NOT_FOUND',
  );
  // The same error object the promise rejects with, so both paths format it alike.
  const rejected = await loader.load('gone').catch((error: unknown) => error);
  assert.throws(
    () => loadNow(loader, 'gone'),
    (error: unknown) => error === rejected,
  );
  assert.equal(calls.length, 1, 'answered from the finished batch, no new call');
  assert.deepEqual(
    mapNow(loadNow(loader, 'k2'), (item) => item?.id),
    'k2',
  );
});

test("loadNow throws a failed batch's error for each of its keys; a primed value is there at once", async () => {
  const loader = failingLoader();
  await loader.loadMany(['a', 'b']);
  assert.throws(
    () => loadNow(loader, 'a'),
    (error: unknown) => error instanceof BffError && error.code === 'UPSTREAM_UNAVAILABLE',
  );
  assert.throws(() => loadNow(loader, 'b'), /down/);
  loader.prime('c', { id: 'c', n: 3 });
  assert.deepEqual(loadNow(loader, 'c'), { id: 'c', n: 3 });
});

test('loadManyNow answers a list synchronously once every key has been loaded, as loadMany would', async () => {
  const { loader, calls } = recordingLoader({ answer: (keys) => keys.filter((k) => k !== 'gone').map((id) => ({ id, n: 1 })) });
  await loader.loadMany(['k1', 'gone']);
  const pending = loadManyNow(loader, ['k1', 'k2']);
  assert.ok(pending instanceof Promise, 'k2 not loaded yet: the loadMany itself');
  assert.deepEqual(await pending, [
    { id: 'k1', n: 1 },
    { id: 'k2', n: 1 },
  ]);
  const now = loadManyNow(loader, ['k2', 'gone', 'k1']);
  assert.ok(Array.isArray(now));
  assert.deepEqual(now, await loader.loadMany(['k2', 'gone', 'k1']), 'the same values and errors, in key order');
  assert.ok(now[1] instanceof BffError && now[1].code === 'NOT_FOUND');
  assert.deepEqual(calls, [['k1', 'gone'], ['k2']], 'answered from the finished batches, no new call');
});

test('prefetch loads keys as loadMany would (one batched call, duplicates and finished keys not fetched again) and settles them for loadNow', async () => {
  const { loader, calls } = recordingLoader({
    maxBatchSize: 3,
    answer: (keys) => keys.filter((k) => k !== 'gone').map((id) => ({ id, n: 1 })),
  });
  await loader.load('k1');
  const done = loader.prefetch(['k1', 'k2', 'gone', 'k2', 'k3', 'k4']);
  assert.deepEqual(loadNow(loader, 'k1'), { id: 'k1', n: 1 }, 'a finished key is there at once');
  assert.equal(await done, undefined);
  assert.deepEqual(calls, [['k1'], ['k2', 'gone', 'k3'], ['k4']], 'k1 not fetched again, k2 once, batches of maxBatchSize');
  assert.deepEqual(loadNow(loader, 'k4'), { id: 'k4', n: 1 });
  assert.throws(
    () => loadNow(loader, 'gone'),
    (error: unknown) => error instanceof BffError && error.code === 'NOT_FOUND',
  );
  assert.equal(await loader.prefetch(['k2', 'gone']), undefined, 'all settled: resolves without a call');
  assert.equal(await loader.prefetch([]), undefined);
  assert.equal(calls.length, 3);
});

test('prefetch resolves (does not reject) when the batch fails; each key then holds the error', async () => {
  const loader = failingLoader();
  await loader.prefetch(new Set(['a', 'b']));
  assert.throws(
    () => loadNow(loader, 'a'),
    (error: unknown) => error instanceof BffError && error.code === 'UPSTREAM_UNAVAILABLE',
  );
  assert.throws(() => loadNow(loader, 'b'), /down/);
});

test('a load of a key a prefetch is fetching, or has fetched, joins it (no second call); after a failed prefetch, load fetches again', async () => {
  const { loader, calls } = recordingLoader({});
  const done = loader.prefetch(['k1', 'k2']);
  const loaded = loader.load('k2');
  assert.equal(await done, undefined);
  assert.deepEqual(await loaded, { id: 'k2', n: 2 });
  assert.deepEqual(await loader.load('k1'), { id: 'k1', n: 1 });
  assert.deepEqual(await loader.loadMany(['k1', 'k2']), [
    { id: 'k1', n: 1 },
    { id: 'k2', n: 2 },
  ]);
  assert.deepEqual(calls, [['k1', 'k2']], 'one call for the prefetch; the loads answered from it');
  loader.prime('k3', { id: 'k3', n: 30 });
  assert.deepEqual(await loader.load('k3'), { id: 'k3', n: 30 }, 'a primed value, without a call');
  assert.equal(calls.length, 1);

  let failures = 0;
  const flaky = createLoader<Item>({
    name: 'itemById',
    upstream: 'items',
    maxBatchSize: 10,
    batch: async (keys) => {
      if (failures++ === 0) throw new BffError('UPSTREAM_UNAVAILABLE', 'down', { upstream: 'items' });
      return keys.map((id) => ({ id, n: 1 }));
    },
    keyOf: (item) => item.id,
  });
  await flaky.prefetch(['a']);
  assert.throws(() => loadNow(flaky, 'a'), /down/, 'the settled error, at once');
  assert.deepEqual(await flaky.load('a'), { id: 'a', n: 1 }, 'a load asks again, as after a failed DataLoader batch');
});

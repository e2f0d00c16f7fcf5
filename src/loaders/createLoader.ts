import DataLoader from 'dataloader';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import { badResponse } from '../errors/fromUpstream.js';
import { loaderBatchChannel } from '../observability/channels.js';
import { traceLoaderBatch } from '../observability/traceLoaderBatch.js';

/** Whether `error` is the per-key NOT_FOUND a loader gives a key its backend left out. */
export function isNotFound(error: unknown): boolean {
  return error instanceof BffError && error.code === ErrorCode.NOT_FOUND;
}

/**
 * For root fields that answer null for an unknown id: the entity, or null when the backend
 * does not know it.
 * @throws whatever else the load failed with (a backend outage stays an error).
 */
export function loadOrNull<V>(loader: DataLoader<string, V | null>, key: string): Promise<V | null> {
  return loader.load(key).catch((error: unknown) => {
    if (isNotFound(error)) return null;
    throw error;
  });
}

/**
 * A request's DataLoader that also remembers how each finished load ended, so a resolver
 * asking for a key whose batch already came back (a list's joins fetched ahead, see
 * `prefetchOrderJoins` in bff-web and `prefetchThumbnails` in bff-mobile) can answer at once instead of through a promise per field.
 */
export class Loader<V> extends DataLoader<string, V | null> {
  constructor(
    batchFn: DataLoader.BatchLoadFn<string, V | null>,
    options: DataLoader.Options<string, V | null>,
    private readonly settled: Map<string, V | null | Error>,
  ) {
    super(batchFn, options);
  }

  /** The value, null, or error of a key whose load has finished; undefined while it has not. */
  peek(key: string): V | null | Error | undefined {
    return this.settled.get(key);
  }

  /**
   * Loads `keys` like `loadMany` (batched, deduplicated, cached) and resolves once each has
   * finished, with a value or an error, for `peek` / `loadNow` / `loadManyNow` to read.
   * Unlike `loadMany` it makes no per-key result: `loadMany` chains a promise and a closure per
   * key to turn rejections into values and collects them with `Promise.all`, ~800 of each on
   * a 100-order page, where only "all done" is wanted.
   */
  prefetch(keys: Iterable<string>): Promise<void> {
    return new Promise((resolve) => {
      let pending = 1;
      const settle = () => {
        if (--pending === 0) resolve();
      };
      for (const key of keys) {
        if (this.settled.has(key)) continue;
        pending++;
        this.load(key).then(settle, settle);
      }
      settle();
    });
  }

  override prime(key: string, value: V | null | PromiseLike<V | null> | Error): this {
    if (!this.settled.has(key) && (value === null || typeof (value as PromiseLike<unknown>).then !== 'function')) {
      this.settled.set(key, value as V | null | Error);
    }
    return super.prime(key, value);
  }
}

/**
 * @returns the value of `key` now when its load has finished, else the load's promise.
 * @throws the load's error, when it finished with one (the same error the promise rejects with).
 */
export function loadNow<V>(loader: Loader<V>, key: string): V | null | Promise<V | null> {
  const settled = loader.peek(key);
  if (settled === undefined) return loader.load(key);
  if (settled instanceof Error) throw settled;
  return settled;
}

/**
 * @returns what `loader.loadMany(keys)` resolves to (each key's value, null, or error, in
 * order), now when every key's load has finished, else `loadMany`'s promise.
 */
export function loadManyNow<V>(loader: Loader<V>, keys: readonly string[]): (V | null | Error)[] | Promise<(V | null | Error)[]> {
  const values: (V | null | Error)[] = [];
  for (const key of keys) {
    const settled = loader.peek(key);
    if (settled === undefined) return loader.loadMany(keys);
    values.push(settled);
  }
  return values;
}

/** `f(value)`, now for a value, after it for a promise: keeps a field synchronous when its input is. */
export function mapNow<T, U>(value: T | Promise<T>, f: (value: T) => U): U | Promise<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}

export interface LoaderOptions<V> {
  /** Name for traces and metrics, e.g. `productById`. */
  name: string;
  /** Backend the values come from (named in per-key NOT_FOUND errors). */
  upstream: string;
  /** What the backend accepts in one call. */
  maxBatchSize: number;
  /** Fetches many values in one backend call; the order of the answer does not matter. */
  batch: (keys: readonly string[]) => Promise<readonly V[]>;
  /** The key a fetched value answers. */
  keyOf: (value: V) => string;
  /** Whether a key the backend did not return is an error (default) or null. */
  missing?: 'error' | 'null';
  /** When false, every load is its own backend call (the naive N+1 mode, for benchmarks). */
  batching?: boolean;
}

/**
 * A per-request DataLoader over one backend batch call: same key twice in a request is
 * fetched once; keys collected in one tick go out as one call of at most `maxBatchSize`.
 * Results are put back in key order; a key the backend left out gets its own NOT_FOUND
 * error (or null), so one missing entity nulls only the fields it feeds. An answer that
 * holds keys nobody asked for is an unreadable answer, not a partial one.
 *
 * @returns a DataLoader whose `load` rejects with a BffError naming the upstream.
 */
export function createLoader<V>(options: LoaderOptions<V>): Loader<V> {
  const { name, upstream, batch, keyOf } = options;
  if (!(options.maxBatchSize >= 1)) throw new TypeError(`createLoader(${name}): maxBatchSize must be >= 1, got ${options.maxBatchSize}`);
  const missingIsNull = options.missing === 'null';
  const settled = new Map<string, V | null | Error>();

  const batchFn = async (keys: readonly string[]): Promise<(V | null | Error)[]> => {
    let result: (V | null | Error)[];
    try {
      result = await fetchBatch(keys);
    } catch (error) {
      for (const key of keys) settled.set(key, error as Error);
      throw error;
    }
    for (let i = 0; i < keys.length; i++) settled.set(keys[i]!, result[i]!);
    return result;
  };

  const fetchBatch = async (keys: readonly string[]): Promise<(V | null | Error)[]> => {
    if (loaderBatchChannel.hasSubscribers) loaderBatchChannel.publish({ loader: name, size: keys.length });
    const values = await traceLoaderBatch(name, keys.length, () => batch(keys));
    const byKey = new Map<string, V>();
    for (const value of values) byKey.set(keyOf(value), value);
    const result: (V | null | Error)[] = new Array(keys.length);
    let matched = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const value = byKey.get(key);
      if (value !== undefined) {
        matched++;
        result[i] = value;
      } else {
        result[i] = missingIsNull
          ? null
          : new BffError(ErrorCode.NOT_FOUND, `No ${upstream} entry for ${key}.`, { upstream, reason: 'missing_key' });
      }
    }
    if (matched < byKey.size) throw badResponse(upstream, 'unrequested_keys');
    return result;
  };

  return new Loader<V>(batchFn, { name, maxBatchSize: options.maxBatchSize, batch: options.batching !== false }, settled);
}

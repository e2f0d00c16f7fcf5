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
 *
 * What a batch returned is kept once, in `settled`: the DataLoader's cache (a `SettledCache`)
 * reads through to it, so keys fetched ahead (`prefetch`) or primed hold no promise of their
 * own until something `load`s them. DataLoader's own `load` keeps a promise per key, a
 * closure and a callback record per key besides: ~350 keys a dashboard page, all garbage by
 * the end of the request (docs/performance.md, "What was tried").
 */
export class Loader<V> extends DataLoader<string, V | null> {
  readonly #cache: SettledCache<V>;
  readonly #fetch: (keys: readonly string[]) => Promise<unknown>;
  readonly #chunkSize: number;
  /** The batch `prefetch` is filling in this tick: sent with DataLoader's timing, after the promise jobs. */
  #open: PrefetchChunk | undefined;

  constructor(
    batchFn: DataLoader.BatchLoadFn<string, V | null>,
    options: DataLoader.Options<string, V | null>,
    private readonly settled: Map<string, Settled<V>>,
  ) {
    const cache = new SettledCache<V>(settled);
    super(batchFn, { ...options, cacheMap: cache });
    this.#cache = cache;
    this.#fetch = batchFn as (keys: readonly string[]) => Promise<unknown>;
    this.#chunkSize = options.batch === false ? 1 : (options.maxBatchSize ?? Number.POSITIVE_INFINITY);
  }

  /** The value, null, or error of a key whose load has finished; undefined while it has not. */
  peek(key: string): V | null | Error | undefined {
    const entry = this.settled.get(key);
    return entry instanceof PrefetchChunk ? undefined : entry;
  }

  /**
   * Loads `keys` like `loadMany` (batched, deduplicated, cached) and resolves once each has
   * finished, with a value or an error, for `peek` / `loadNow` / `loadManyNow` to read.
   * Unlike `loadMany` it makes no per-key result or promise: keys not asked for yet go into
   * batches of their own (at most `maxBatchSize` keys, sent when DataLoader would send its
   * batch), whose results land in `settled`; a key already in flight is waited for.
   */
  prefetch(keys: Iterable<string>): Promise<void> {
    let waits: Promise<unknown>[] | undefined;
    let last: Promise<unknown> | undefined;
    // forEach, not for…of: a Set's iterator makes a result object per key where the loop is not optimised.
    const visit = (key: string): void => {
      const entry = this.settled.get(key);
      if (entry !== undefined && !(entry instanceof PrefetchChunk)) return;
      let wait = this.#cache.inflight(key);
      if (!wait) {
        let chunk = this.#open;
        if (!chunk || chunk.keys.length >= this.#chunkSize) chunk = this.#openChunk();
        chunk.keys.push(key);
        this.#cache.pending(key, chunk);
        wait = chunk.done;
      }
      if (wait !== last) (waits ??= []).push((last = wait));
    };
    if (keys instanceof Set || Array.isArray(keys)) (keys as { forEach(f: (key: string) => void): void }).forEach(visit);
    else for (const key of keys) visit(key);
    if (!waits) return Promise.resolve();
    return waits.length === 1 ? (waits[0] as Promise<void>) : Promise.all(waits).then(noop);
  }

  #openChunk(): PrefetchChunk {
    const chunk = new PrefetchChunk();
    this.#open = chunk;
    // DataLoader's timing: after the promise jobs queued now, so prefetches of the same tick share a batch.
    chunk.done = afterPromiseJobs().then(() => {
      if (this.#open === chunk) this.#open = undefined;
      // The batch function stores each key's value or error in `settled` (a failed batch: the
      // error, for every key); like DataLoader after a failed batch, `load` then fetches its keys again.
      return this.#fetch(chunk.keys).then(noop, () => {
        for (const key of chunk.keys) this.#cache.delete(key);
      });
    });
    return chunk;
  }

  override prime(key: string, value: V | null | PromiseLike<V | null> | Error): this {
    if (this.peek(key) === undefined && (value === null || typeof (value as PromiseLike<unknown>).then !== 'function')) {
      // The cache reads it from `settled`: no promise until a load asks for one.
      this.settled.set(key, value as V | null | Error);
      return this;
    }
    return super.prime(key, value);
  }
}

/**
 * Keys `prefetch` sends in one batch call, and that call's end (never rejects). Until the call
 * returns, it is what `settled` holds for each of its keys: no other map says which keys are on their way.
 */
class PrefetchChunk {
  readonly keys: string[] = [];
  done!: Promise<void>;
}

/** What a loader holds for a key: its value, null or error once settled; the prefetch batch fetching it until then. */
type Settled<V> = V | null | Error | PrefetchChunk;

function noop(): void {}

/** Resolves after the promise jobs queued so far, in the next tick: when DataLoader dispatches a batch. */
function afterPromiseJobs(): Promise<void> {
  return new Promise((resolve) => {
    void Promise.resolve().then(() => process.nextTick(resolve));
  });
}

/**
 * A DataLoader's cache (its `cacheMap`) over what the loader's batches settled: a key `load`
 * made a promise for answers with that promise (DataLoader's own entries); otherwise a key
 * that `settled` holds, or that a `prefetch` batch is fetching, gets a promise made on first
 * use. Keys DataLoader drops (a failed batch of its own, `clear`) are fetched again by `load`,
 * as with DataLoader's plain Map; `settled` keeps their error for `peek`.
 */
class SettledCache<V> implements DataLoader.CacheMap<string, Promise<V | null>> {
  readonly #promises = new Map<string, Promise<V | null>>();
  #dropped: Set<string> | undefined;

  constructor(private readonly settled: Map<string, Settled<V>>) {}

  get(key: string): Promise<V | null> | undefined {
    const promise = this.#promises.get(key);
    if (promise !== undefined || this.#dropped?.has(key)) return promise;
    let made: Promise<V | null>;
    const entry = this.settled.get(key);
    if (entry === undefined) return undefined;
    if (entry instanceof PrefetchChunk) made = entry.done.then(() => valueOrThrow(this.settled.get(key)));
    else made = settledPromise(entry);
    this.#promises.set(key, made);
    return made;
  }

  set(key: string, promise: Promise<V | null>): this {
    this.#promises.set(key, promise);
    this.#dropped?.delete(key);
    return this;
  }

  delete(key: string): boolean {
    (this.#dropped ??= new Set()).add(key);
    return this.#promises.delete(key);
  }

  clear(): void {
    this.#promises.clear();
    const dropped = (this.#dropped ??= new Set());
    for (const key of this.settled.keys()) dropped.add(key);
  }

  /** A promise that settles when `key`, asked for but not settled yet, is; undefined when nothing fetches it. */
  inflight(key: string): Promise<unknown> | undefined {
    const promise = this.#promises.get(key);
    if (promise !== undefined) return promise.then(noop, noop);
    if (this.#dropped?.has(key)) return undefined;
    const entry = this.settled.get(key);
    return entry instanceof PrefetchChunk ? entry.done : undefined;
  }

  /** Records that a prefetch batch is fetching `key`. */
  pending(key: string, chunk: PrefetchChunk): void {
    this.settled.set(key, chunk);
    this.#dropped?.delete(key);
  }
}

function settledPromise<V>(value: V | null | Error): Promise<V | null> {
  if (!(value instanceof Error)) return Promise.resolve(value);
  const rejected = Promise.reject(value);
  // Like DataLoader's prime of an error: whoever loads the key handles it; not unhandled meanwhile.
  rejected.catch(noop);
  return rejected;
}

function valueOrThrow<V>(value: Settled<V> | undefined): V | null {
  if (value instanceof Error) throw value;
  return value as V | null;
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
  const settled = new Map<string, Settled<V>>();

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
    // Most backends answer every key, in the order asked: then the answer is the result, without a map.
    if (values.length === keys.length) {
      let i = 0;
      while (i < keys.length && keyOf(values[i]!) === keys[i]) i++;
      if (i === keys.length) return values as V[];
    }
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

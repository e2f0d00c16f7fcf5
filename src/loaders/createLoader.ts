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
export function createLoader<V>(options: LoaderOptions<V>): DataLoader<string, V | null> {
  const { name, upstream, batch, keyOf } = options;
  if (!(options.maxBatchSize >= 1)) throw new TypeError(`createLoader(${name}): maxBatchSize must be >= 1, got ${options.maxBatchSize}`);
  const missingIsNull = options.missing === 'null';

  const batchFn = async (keys: readonly string[]): Promise<(V | null | Error)[]> => {
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
        result[i] = missingIsNull ? null : new BffError(ErrorCode.NOT_FOUND, `No ${upstream} entry for ${key}.`, { upstream, reason: 'missing_key' });
      }
    }
    if (matched < byKey.size) throw badResponse(upstream, 'unrequested_keys');
    return result;
  };

  return new DataLoader<string, V | null>(batchFn, {
    name,
    maxBatchSize: options.maxBatchSize,
    batch: options.batching !== false,
  });
}

import type { PersistedQueryOptions } from '@apollo/server';

export type StringCache = NonNullable<PersistedQueryOptions['cache']>;

export interface PersistedQueryCacheOptions {
  /** The client's safelisted operations by SHA-256: always resolvable by hash alone. */
  operations: ReadonlyMap<string, string>;
  /** Where automatic persisted queries register; undefined turns APQ registration off. */
  store: StringCache | undefined;
}

/**
 * The cache Apollo's persisted-query support reads (`persistedQueries.cache`): a hash is
 * looked up in the client's manifest first, then among the APQ registrations. So a client
 * may send only `extensions.persistedQuery.sha256Hash` for any manifest operation, from the
 * first request on, in every safelist mode; and a registration never shadows the manifest.
 */
export function createPersistedQueryCache(options: PersistedQueryCacheOptions): StringCache {
  const { operations, store } = options;
  return {
    async get(key) {
      const hash = hashOf(key);
      return operations.get(hash) ?? (await store?.get(hash));
    },
    async set(key, query, setOptions) {
      const hash = hashOf(key);
      if (!operations.has(hash)) await store?.set(hash, query, setOptions);
    },
    async delete(key) {
      return store?.delete(hashOf(key));
    },
  };
}

/**
 * Apollo Server wraps this cache in its PrefixingKeyValueCache, so keys arrive as
 * `apq:<sha256>`; the manifest (and the store's own prefix) use the bare hash.
 */
const APOLLO_APQ_PREFIX = 'apq:';
function hashOf(key: string): string {
  return key.startsWith(APOLLO_APQ_PREFIX) ? key.slice(APOLLO_APQ_PREFIX.length) : key;
}

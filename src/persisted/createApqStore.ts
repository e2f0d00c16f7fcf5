import { LRUCache } from 'lru-cache';
import type { Logger } from '../observability/createLogger.js';
import type { RedisClient } from '../redis/createRedisClient.js';
import type { StringCache } from './createPersistedQueryCache.js';

export interface ApqStoreOptions {
  /** Shared by every replica when given; otherwise an in-memory LRU per process. */
  redis?: RedisClient;
  /** Key prefix in Redis, so BFFs sharing one Redis keep apart (`bff:mobile:apq:`). */
  prefix: string;
  /** In-memory only: the most bytes of documents kept. Default 8 MiB. */
  maxBytes?: number;
  log: Logger;
}

/**
 * Where automatic persisted queries are registered (hash → document).
 *
 * A Redis outage must not fail requests: a failed read answers "not found" (the client then
 * sends the full document, which works) and a failed write is only logged.
 *
 * @returns a KeyValueCache for createPersistedQueryCache. Apollo passes `ttl` in seconds.
 */
export function createApqStore(options: ApqStoreOptions): StringCache {
  const { redis, prefix, log } = options;
  if (redis) {
    return {
      async get(hash) {
        try {
          return (await redis.get(prefix + hash)) ?? undefined;
        } catch (error) {
          log.warn({ err: error }, 'APQ read from Redis failed; answering not found');
          return undefined;
        }
      },
      async set(hash, query, setOptions) {
        try {
          const ttl = setOptions?.ttl;
          await redis.set(prefix + hash, query, ttl ? { expiration: { type: 'EX', value: Math.ceil(ttl) } } : undefined);
        } catch (error) {
          log.warn({ err: error }, 'APQ write to Redis failed');
        }
      },
      async delete(hash) {
        try {
          return (await redis.del(prefix + hash)) > 0;
        } catch (error) {
          log.warn({ err: error }, 'APQ delete in Redis failed');
          return false;
        }
      },
    };
  }
  const maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  if (!Number.isInteger(maxBytes) || maxBytes < 1)
    throw new TypeError(`createApqStore: maxBytes must be a positive integer, got ${maxBytes}`);
  const lru = new LRUCache<string, string>({ maxSize: maxBytes, sizeCalculation: (query) => Math.max(1, query.length) });
  return {
    async get(hash) {
      return lru.get(hash);
    },
    async set(hash, query, setOptions) {
      lru.set(hash, query, setOptions?.ttl ? { ttl: setOptions.ttl * 1000 } : undefined);
    },
    async delete(hash) {
      return lru.delete(hash);
    },
  };
}

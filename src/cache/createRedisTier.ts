import { cacheLookupChannel, type CacheLookupEvent } from '../observability/channels.js';
import type { Logger } from '../observability/createLogger.js';
import type { RedisClient } from '../redis/createRedisClient.js';

/** One cached entity as the shared tier holds it: its value and its lifetime (epoch ms). */
export interface SharedEntry {
  value: unknown;
  freshUntil: number;
  staleUntil: number;
}

/**
 * A second tier of the public cache, shared by the replicas (PublicCache looks in its own
 * process first, then here, then asks the backend; what it fetches it writes to both). It never
 * throws: a tier that cannot answer is a miss, and the caller goes to the backend.
 */
export interface SharedTier {
  /** @returns the entries of `keys` it holds; those it does not (or cannot read now) left out. */
  getMany(kind: string, keys: readonly string[]): Promise<Map<string, SharedEntry>>;
  /** Stores the entries, each for as long as it may be served (`staleUntil - now`). */
  setMany(kind: string, entries: ReadonlyMap<string, SharedEntry>, now: number): void;
  /** Drops one entity, or every entity of a kind. */
  invalidate(kind: string, key?: string): void;
}

export interface RedisTierOptions {
  /** Key prefix; default `bff:cache:v1:` (both BFFs share it: the values are the backends' answers). */
  prefix?: string;
  /** How long a lookup may take before it counts as a miss; default 100 ms. */
  timeoutMs?: number;
  log: Logger;
}

/** At most one log line about the shared tier's failures per this many ms. */
const LOG_EVERY_MS = 10_000;

/**
 * The shared tier in Redis: one key per entity (`<prefix><kind>:<key>`), its value JSON
 * (`{ v, f, s }`: value, fresh until, stale until), expiring when it may no longer be served.
 * A lookup is one MGET; writes are SETs with PX (node-redis pipelines those of one tick).
 * Redis down or slow: the lookup is a miss (after `timeoutMs` at most), the write is dropped,
 * each counted (`bff_cache_lookups_total{result="shared_error"}`) and logged at most every 10 s;
 * the client never sees it.
 */
export function createRedisTier(redis: RedisClient, options: RedisTierOptions): SharedTier {
  const prefix = options.prefix ?? 'bff:cache:v1:';
  const timeoutMs = options.timeoutMs ?? 100;
  let lastLogged = 0;
  const failed = (kind: string, what: string, error: unknown) => {
    // Counted as `bff_cache_lookups_total{result="shared_error"}`.
    if (cacheLookupChannel.hasSubscribers) cacheLookupChannel.publish({ kind, result: 'shared_error' } satisfies CacheLookupEvent);
    const now = Date.now();
    if (now - lastLogged < LOG_EVERY_MS) return;
    lastLogged = now;
    options.log.warn({ err: error, kind }, `public cache: Redis ${what} failed; serving from this process and the backends`);
  };
  const keyOf = (kind: string, key: string) => `${prefix}${kind}:${key}`;

  return {
    async getMany(kind, keys) {
      const found = new Map<string, SharedEntry>();
      if (keys.length === 0) return found;
      let timer: NodeJS.Timeout | undefined;
      try {
        const values = await Promise.race([
          redis.mGet(keys.map((key) => keyOf(kind, key))),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        values.forEach((text, i) => {
          if (typeof text !== 'string') return;
          const parsed = JSON.parse(text) as { v: unknown; f: number; s: number };
          found.set(keys[i]!, { value: parsed.v, freshUntil: parsed.f, staleUntil: parsed.s });
        });
      } catch (error) {
        failed(kind, 'read', error);
      } finally {
        clearTimeout(timer);
      }
      return found;
    },
    setMany(kind, entries, now) {
      for (const [key, entry] of entries) {
        const ms = Math.ceil(entry.staleUntil - now);
        if (ms <= 0) continue;
        const text = JSON.stringify({ v: entry.value, f: entry.freshUntil, s: entry.staleUntil });
        redis
          .set(keyOf(kind, key), text, { expiration: { type: 'PX', value: ms } })
          .catch((error: unknown) => failed(kind, 'write', error));
      }
    },
    invalidate(kind, key) {
      if (key !== undefined) {
        redis.del(keyOf(kind, key)).catch((error: unknown) => failed(kind, 'delete', error));
        return;
      }
      void (async () => {
        for await (const batch of redis.scanIterator({ MATCH: `${keyOf(kind, '')}*`, COUNT: 500 })) {
          if (batch.length) await redis.del(batch);
        }
      })().catch((error: unknown) => failed(kind, 'delete', error));
    },
  };
}

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
  /**
   * Takes a short lease on each key (cross-replica collapsing): the keys this replica may
   * fetch; another replica holds the others. The tier failing: every key (fetch them here).
   */
  lease(kind: string, keys: readonly string[], ms: number): Promise<Set<string>>;
  /** The entries held now of `keys`, and which of the rest are still leased; undefined when it cannot tell now. Never rejects. */
  poll(kind: string, keys: readonly string[]): Promise<{ found: Map<string, SharedEntry>; leased: Set<string> } | undefined>;
  /** Gives back the leases of `keys` (fetched, or failed: the waiting replicas go on at once). */
  release(kind: string, keys: readonly string[]): void;
}

export interface RedisTierOptions {
  /** Key prefix; default `bff:cache:v1:` (both BFFs share it: the values are the backends' answers). */
  prefix?: string;
  /** How long a lookup may take before it counts as a miss; default 100 ms. */
  timeoutMs?: number;
  log: Logger;
}

/** Deletes a lease only if it is still the caller's. */
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

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
  const leaseOf = (kind: string, key: string) => `${prefix}lease:${kind}:${key}`;
  const owner = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  /** `command` within `timeoutMs`, or its error. */
  const within = async <T>(command: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        command,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
  const parse = (text: unknown): SharedEntry | undefined => {
    if (typeof text !== 'string') return undefined;
    const parsed = JSON.parse(text) as { v: unknown; f: number; s: number };
    return { value: parsed.v, freshUntil: parsed.f, staleUntil: parsed.s };
  };

  return {
    async getMany(kind, keys) {
      const found = new Map<string, SharedEntry>();
      if (keys.length === 0) return found;
      try {
        const values = await within(redis.mGet(keys.map((key) => keyOf(kind, key))));
        values.forEach((text, i) => {
          const entry = parse(text);
          if (entry) found.set(keys[i]!, entry);
        });
      } catch (error) {
        failed(kind, 'read', error);
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
    async lease(kind, keys, ms) {
      try {
        const answers = await within(
          Promise.all(keys.map((key) => redis.set(leaseOf(kind, key), owner, { condition: 'NX', expiration: { type: 'PX', value: ms } }))),
        );
        return new Set(keys.filter((_, i) => answers[i] === 'OK'));
      } catch (error) {
        failed(kind, 'lease', error);
        return new Set(keys);
      }
    },
    async poll(kind, keys) {
      const found = new Map<string, SharedEntry>();
      const leased = new Set<string>();
      try {
        const values = await within(redis.mGet([...keys.map((key) => keyOf(kind, key)), ...keys.map((key) => leaseOf(kind, key))]));
        keys.forEach((key, i) => {
          const entry = parse(values[i]);
          if (entry) found.set(key, entry);
          else if (values[keys.length + i] !== null) leased.add(key);
        });
      } catch (error) {
        failed(kind, 'read', error);
        return undefined;
      }
      return { found, leased };
    },
    release(kind, keys) {
      if (keys.length === 0) return;
      // Only this replica's own leases: one that expired and was taken since stays its taker's.
      for (const key of keys) {
        redis.eval(RELEASE, { keys: [leaseOf(kind, key)], arguments: [owner] }).catch((error: unknown) => failed(kind, 'release', error));
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

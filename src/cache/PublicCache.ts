import { LRUCache } from 'lru-cache';
import type { CallScope } from '../datasources/CallScope.js';
import { cacheLookupChannel, type CacheLookupEvent } from '../observability/channels.js';
import type { SharedEntry, SharedTier } from './createRedisTier.js';
import { shorterOf } from './httpCacheControl.js';

/**
 * How long one kind of public entity is served from this process. Per kind, because what is
 * fresh enough differs: a product's title for a minute, a stock level for seconds.
 */
export interface EntityPolicy {
  /** Served as is for this long after it was fetched. 0: never cached (collapsing only). */
  ttlMs: number;
  /**
   * After `ttlMs`, served stale for up to this long more while one background call refreshes
   * it (stale-while-revalidate): a hot key never waits on, nor stampedes, its backend.
   */
  staleMs: number;
}

export interface PublicCacheOptions {
  /** Keep entities (`memory`) or only collapse identical calls in flight (`off`). */
  mode: 'off' | 'memory';
  /** Identical backend reads in flight at the same moment are sent once (single flight). */
  collapse: boolean;
  /** Entries kept at most, over every kind (least recently used go first). */
  maxEntries: number;
  policies: Readonly<Record<string, EntityPolicy>>;
  /** The clock (epoch ms), for tests. Default `Date.now`. */
  now?: () => number;
  /**
   * With a shared tier: a key missing everywhere is fetched by one replica at a time, which
   * takes a lease of this many ms; the others wait for its value (at most as long, and never past
   * their request's deadline), then fetch it themselves. 0 (default): no leases.
   */
  leaseMs?: number;
}

interface Entry {
  value: unknown;
  freshUntil: number;
  staleUntil: number;
}

/** One call in flight: its result per key, and the scope of the request that sent it. */
interface Flight {
  promise: Promise<unknown>;
  signal: AbortSignal;
}

/**
 * Told, by a fetch, how long the backend says its answer may be kept (from its `Cache-Control`:
 * httpCacheControl.ts), once per backend response; `undefined` when a response said nothing,
 * so the kind's policy applies to it. The shortest of what one fetch reports is used.
 */
export type LifetimeSink = (lifetime: EntityPolicy | undefined) => void;

/** What `getMany` fetches the keys it could not answer with: the entities found, in any order. */
export type FetchMany<V> = (scope: CallScope, keys: readonly string[], lifetime: LifetimeSink) => Promise<readonly V[]>;

/**
 * The process's cache of **public** backend entities — the same for every viewer, such as
 * products, featured lists, stock levels and review summaries — and its single flight: a key
 * being fetched for one request is not fetched again for another at the same moment.
 *
 * Per-user data never enters it: it is only ever handed the calls `cachePublicReads` wraps,
 * which are the reads whose answer does not depend on who asks (the call is still signed with
 * the identity of the request that made it; the backends authorise these reads for any
 * viewer). Nothing here reads the viewer.
 *
 * A fetch that a joining request shares runs under the scope (deadline, cancellation) of the
 * request that started it; if that request goes away and cancels it, the joiners fetch for
 * themselves rather than fail.
 */
export class PublicCache {
  readonly #entries: LRUCache<string, Entry> | undefined;
  readonly #flights = new Map<string, Flight>();
  readonly #options: PublicCacheOptions;
  readonly #now: () => number;
  #shared: SharedTier | undefined;

  constructor(options: PublicCacheOptions) {
    for (const [kind, policy] of Object.entries(options.policies)) {
      if (!(policy.ttlMs >= 0 && policy.staleMs >= 0))
        throw new TypeError(`PublicCache: policy ${kind} needs ttlMs >= 0 and staleMs >= 0, got ${JSON.stringify(policy)}`);
    }
    if (!(options.maxEntries >= 1)) throw new TypeError(`PublicCache: maxEntries must be >= 1, got ${options.maxEntries}`);
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#entries = options.mode === 'memory' ? new LRUCache<string, Entry>({ max: options.maxEntries }) : undefined;
  }

  /** Whether this cache does anything at all (else callers may skip it). */
  get active(): boolean {
    return this.#entries !== undefined || this.#options.collapse;
  }

  /** Whether entities are kept (mode `memory`), so that invalidating them means something. */
  get keeps(): boolean {
    return this.#entries !== undefined;
  }

  /** Entities held now (for tests and the readiness report). */
  get size(): number {
    return this.#entries?.size ?? 0;
  }

  /**
   * When one cached entity stops being fresh and stops being served at all (epoch ms, on this
   * cache's clock), without touching its recency; undefined when it is not held. For tests.
   */
  peek(kind: string, key: string): { freshUntil: number; staleUntil: number } | undefined {
    const entry = this.#entries?.peek(`${kind}\u0000${key}`);
    return entry && { freshUntil: entry.freshUntil, staleUntil: entry.staleUntil };
  }

  /**
   * Adds the tier shared by the replicas (Redis): looked in after this process's own entries and
   * before the backend; written with what is fetched. Only when entities are kept (`memory`).
   */
  useSharedTier(tier: SharedTier): void {
    if (this.#entries) this.#shared = tier;
  }

  /** Drops one entity (an event said it changed) or, without a key, every entity of a kind. */
  invalidate(kind: string, key?: string): void {
    if (!this.#entries) return;
    this.#shared?.invalidate(kind, key);
    if (key !== undefined) {
      this.#entries.delete(`${kind}\u0000${key}`);
      return;
    }
    const prefix = `${kind}\u0000`;
    for (const k of this.#entries.keys()) if (k.startsWith(prefix)) this.#entries.delete(k);
  }

  /**
   * Answers a by-keys read from the cache where it can, joins calls in flight for other keys,
   * and fetches the rest in one call.
   * @returns the entities found, in any order (unknown keys left out, as the backends do).
   * @throws what the fetch throws, for the keys it was asked.
   */
  async getMany<V>(kind: string, scope: CallScope, keys: readonly string[], keyOf: (v: V) => string, fetch: FetchMany<V>): Promise<V[]> {
    if (!this.#shared) return this.getManyHere(kind, scope, keys, keyOf, fetch);
    await this.warm([{ kind, keys }]);
    if (!this.#options.leaseMs) return this.getManyHere(kind, scope, keys, keyOf, fetch);
    const held = await this.#leaseOrWait(kind, scope, keys, this.#shared, this.#options.leaseMs);
    try {
      return await this.getManyHere(kind, scope, keys, keyOf, fetch);
    } finally {
      this.#shared.release(kind, held);
    }
  }

  /** The keys of `keys` this process has not (neither kept, still servable, nor in flight). */
  #absent(kind: string, keys: readonly string[], now: number): string[] {
    return keys.filter((key) => {
      const id = `${kind}\u0000${key}`;
      const entry = this.#entries?.get(id);
      return !(entry && now < entry.staleUntil) && !this.#flights.has(id);
    });
  }

  /**
   * Collapsing across replicas: leases the keys missing everywhere, then looks in the shared
   * tier once more for them (another replica may have written one and given its lease back since
   * the lookup); for those another replica holds, waits for the value it writes (polling the
   * shared tier every 20 ms) until it is there, the lease is gone, `leaseMs` passed or the
   * request's deadline comes; what arrived is copied into this process. @returns the keys this
   * replica leased and found nowhere (to fetch, then release).
   */
  async #leaseOrWait(kind: string, scope: CallScope, keys: readonly string[], shared: SharedTier, leaseMs: number): Promise<string[]> {
    const absent = this.#absent(kind, keys, this.#now());
    if (absent.length === 0) return [];
    const held = await shared.lease(kind, absent, leaseMs);
    let waiting = absent.filter((key) => !held.has(key));
    if (held.size > 0) {
      // Another replica may have written a key and given its lease back between this process's
      // lookup (`warm`) and this lease: look once more before fetching what is held.
      const done = this.#adopt(kind, await shared.getMany(kind, [...held]), 'shared');
      for (const key of done) held.delete(key);
      shared.release(kind, done);
    }
    const until = Math.min(Date.now() + leaseMs, scope.deadline);
    while (waiting.length > 0 && Date.now() < until && !scope.signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const polled = await shared.poll(kind, waiting);
      // The tier could not answer this time: keep waiting (the bound above still holds).
      if (!polled) continue;
      const { found, leased } = polled;
      this.#adopt(kind, found, 'collapsed_replica');
      waiting = waiting.filter((key) => !found.has(key) && leased.has(key));
    }
    return [...held];
  }

  /**
   * Copies into this process what the shared tier holds of `keys` that this process has not
   * (neither kept, still servable, nor in flight): one lookup per kind, in parallel. Nothing
   * without a shared tier. Never rejects (the tier's failures are misses).
   */
  async warm(wanted: readonly { kind: string; keys: readonly string[] }[]): Promise<void> {
    const shared = this.#shared;
    if (!shared || !this.#entries) return;
    const now = this.#now();
    await Promise.all(
      wanted.map(async ({ kind, keys }) => {
        const absent = this.#absent(kind, keys, now);
        if (absent.length === 0) return;
        this.#adopt(kind, await shared.getMany(kind, absent), 'shared');
      }),
    );
  }

  /**
   * Copies into this process the entries the shared tier gave that may still be served,
   * counting each as `result`. @returns their keys.
   */
  #adopt(kind: string, found: ReadonlyMap<string, SharedEntry>, result: CacheLookupEvent['result']): string[] {
    const at = this.#now();
    const adopted: string[] = [];
    for (const [key, entry] of found) {
      if (!(at < entry.staleUntil)) continue;
      this.#entries?.set(`${kind}\u0000${key}`, entry, { ttl: Math.max(1, entry.staleUntil - at) });
      publish(kind, result);
      adopted.push(key);
    }
    return adopted;
  }

  /**
   * getMany without the shared tier's lookup: it calls `fetch` (if it must) before it first
   * awaits, so that a caller can gather the fetches of several kinds into one backend call
   * (cachePublicReads' reviews). Call `warm` first for the shared tier.
   */
  async getManyHere<V>(
    kind: string,
    scope: CallScope,
    keys: readonly string[],
    keyOf: (v: V) => string,
    fetch: FetchMany<V>,
  ): Promise<V[]> {
    const found: V[] = [];
    const missing: string[] = [];
    const joined: Promise<void>[] = [];
    const stale: string[] = [];
    const now = this.#now();
    for (const key of keys) {
      const id = `${kind}\u0000${key}`;
      const entry = this.#entries?.get(id);
      if (entry && now < entry.staleUntil) {
        found.push(entry.value as V);
        // One refresh per stale key at a time, whoever else reads it meanwhile.
        if (now >= entry.freshUntil && !this.#flights.has(id)) stale.push(key);
        publish(kind, now < entry.freshUntil ? 'hit' : 'stale');
        continue;
      }
      const flight = this.#options.collapse ? this.#flights.get(id) : undefined;
      if (flight) {
        publish(kind, 'collapsed');
        joined.push(this.#join(flight, scope, key, fetch, keyOf).then((v) => void (v !== undefined && found.push(v))));
        continue;
      }
      publish(kind, 'miss');
      missing.push(key);
    }
    if (stale.length) void this.#fetch(kind, scope, stale, keyOf, fetch).catch(() => undefined);
    if (missing.length) {
      const byKey = await this.#fetch(kind, scope, missing, keyOf, fetch);
      for (const key of missing) {
        const v = byKey.get(key);
        if (v !== undefined) found.push(v);
      }
    }
    if (joined.length) await Promise.all(joined);
    return found;
  }

  /**
   * One read that has a single answer (a list page): from the cache, a call in flight, or the
   * backend.
   */
  async getOne<V>(
    kind: string,
    scope: CallScope,
    key: string,
    fetch: (scope: CallScope, lifetime: LifetimeSink) => Promise<V>,
  ): Promise<V> {
    const many = await this.getMany<{ key: string; value: V }>(
      kind,
      scope,
      [key],
      (e) => e.key,
      async (s, _keys, lifetime) => [{ key, value: await fetch(s, lifetime) }],
    );
    return many[0]!.value;
  }

  /** Fetches `keys` in one call, registered as in flight per key; caches what comes back. */
  #fetch<V>(
    kind: string,
    scope: CallScope,
    keys: readonly string[],
    keyOf: (v: V) => string,
    fetch: FetchMany<V>,
  ): Promise<Map<string, V>> {
    const kindPolicy = this.#options.policies[kind];
    // What the backend's answers said (each response once; a batch may take several), the
    // kind's policy standing in for an answer that said nothing.
    let told: EntityPolicy | undefined;
    const lifetime: LifetimeSink = (said) => {
      const next = said ?? kindPolicy;
      if (next) told = told ? shorterOf(told, next) : next;
    };
    const call = fetch(scope, keys, lifetime).then((list) => {
      const byKey = new Map<string, V>();
      for (const v of list) byKey.set(keyOf(v), v);
      const policy = told ?? kindPolicy;
      if (this.#entries && policy && policy.ttlMs > 0) {
        const now = this.#now();
        const shared = this.#shared && new Map<string, SharedEntry>();
        for (const [key, value] of byKey) {
          const entry = { value, freshUntil: now + policy.ttlMs, staleUntil: now + policy.ttlMs + policy.staleMs };
          this.#entries.set(`${kind}\u0000${key}`, entry, { ttl: policy.ttlMs + policy.staleMs });
          shared?.set(key, entry);
        }
        if (shared?.size) this.#shared!.setMany(kind, shared, now);
      } else if (this.#entries && told?.ttlMs === 0) {
        // The backend now says not to keep it: an older copy is not served stale either.
        for (const key of keys) this.#entries.delete(`${kind}\u0000${key}`);
      }
      return byKey;
    });
    // Registered even without collapsing: a stale key's refresh must not be started twice.
    const flight: Flight = { promise: call, signal: scope.signal };
    const ids = keys.map((key) => `${kind}\u0000${key}`);
    for (const id of ids) this.#flights.set(id, flight);
    const done = () => {
      for (const id of ids) if (this.#flights.get(id) === flight) this.#flights.delete(id);
    };
    call.then(done, done);
    return call;
  }

  /** A key's value from another request's call; fetched anew if that request cancelled it. */
  async #join<V>(flight: Flight, scope: CallScope, key: string, fetch: FetchMany<V>, keyOf: (v: V) => string): Promise<V | undefined> {
    try {
      return ((await flight.promise) as Map<string, V>).get(key);
    } catch (error) {
      if (!flight.signal.aborted || scope.signal.aborted) throw error;
      return (await fetch(scope, [key], () => undefined)).find((v) => keyOf(v) === key);
    }
  }
}

function publish(kind: string, result: CacheLookupEvent['result']): void {
  if (cacheLookupChannel.hasSubscribers) cacheLookupChannel.publish({ kind, result } satisfies CacheLookupEvent);
}

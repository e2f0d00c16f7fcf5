import type { Backends } from '../datasources/createBackends.js';
import type { CallScope } from '../datasources/CallScope.js';
import type { ProductStockDto } from '../datasources/grpc/InventoryClient.js';
import type { ListProductsInput, ProductDto } from '../datasources/rest/CatalogApi.js';
import { lifetimeFromHeaders, type ResponseHeaders } from './httpCacheControl.js';
import { PublicCache, type EntityPolicy, type LifetimeSink, type PublicCacheOptions } from './PublicCache.js';

/**
 * The reads this kit treats as public — their answer is the same whoever asks — and how long
 * each is kept by default. Only these ever reach the shared cache; users, orders and anything
 * else a viewer owns are never wrapped (test/integration/publicCache.test.ts checks it).
 *
 * A REST backend's own `Cache-Control` on an answer takes the place of its kind's default for
 * that answer (bounded by `maxTtlMs`; `no-store` / `private` / `no-cache`: not kept); the
 * defaults stand for answers that say nothing, and for gRPC backends (inventory), which have
 * no such header.
 */
export const PUBLIC_READ_POLICIES: Readonly<Record<PublicKind, EntityPolicy>> = {
  /** Catalog products by id: titles, prices, images. */
  product: { ttlMs: 60_000, staleMs: 60_000 },
  /** Catalog list pages (the featured strip: `listProducts` by sort, category, cursor). */
  productList: { ttlMs: 30_000, staleMs: 30_000 },
  /** Stock levels: short, a badge may lag a few seconds (placing an order checks the real stock). */
  stock: { ttlMs: 5_000, staleMs: 5_000 },
};

export type PublicKind = 'product' | 'productList' | 'stock';

export interface PublicReadsOptions extends Omit<PublicCacheOptions, 'policies'> {
  /** Per-kind overrides of PUBLIC_READ_POLICIES. */
  policies?: Partial<Record<PublicKind, EntityPolicy>>;
  /**
   * The longest a backend's `Cache-Control` may keep an answer fresh, and again stale (each
   * bounded on its own). Default DEFAULT_MAX_TTL_MS.
   */
  maxTtlMs?: number;
}

/** What a backend's `max-age` / `stale-while-revalidate` is cut to by default: 5 minutes. */
export const DEFAULT_MAX_TTL_MS = 300_000;

/**
 * @returns `backends` with its public reads (catalog products and list pages, inventory stock)
 * answered through one process-wide `PublicCache` — cached and/or collapsed as `options` say —
 * and every other call untouched; `backends` itself when the cache would do nothing.
 */
export function cachePublicReads(backends: Backends, options: PublicReadsOptions | undefined): Backends & { publicCache?: PublicCache } {
  if (!options) return backends;
  const { maxTtlMs = DEFAULT_MAX_TTL_MS, ...cacheOptions } = options;
  if (!(maxTtlMs >= 0)) throw new TypeError(`cachePublicReads: maxTtlMs must be >= 0, got ${maxTtlMs}`);
  const cache = new PublicCache({ ...cacheOptions, policies: { ...PUBLIC_READ_POLICIES, ...options.policies } });
  if (!cache.active) return backends;
  /** An answer's headers, read for how long it may be kept, told to the cache. */
  const headersTo = (lifetime: LifetimeSink) => (headers: ResponseHeaders) => lifetime(lifetimeFromHeaders(headers, maxTtlMs));
  // Only the backends this BFF declares are enumerable (createBackends); reading another throws.
  const declared = new Set(Object.keys(backends));
  if (!declared.has('catalog') && !declared.has('inventory')) return backends;
  // A copy of the backends (their getters, `upstreams` and `close` as they are) with the public
  // reads of catalog and inventory replaced. The clients themselves are built once, elsewhere,
  // and stay as they are: the cached ones delegate to them through the prototype.
  const descriptors: PropertyDescriptorMap = Object.getOwnPropertyDescriptors(backends);
  descriptors.publicCache = { value: cache };
  if (declared.has('catalog')) {
    const catalog = backends.catalog;
    const cachedCatalog = Object.create(catalog) as typeof catalog;
    cachedCatalog.getProductsByIds = (scope: CallScope, ids: readonly string[]) =>
      cache.getMany<ProductDto>(
        'product',
        scope,
        ids,
        (p) => p.id,
        (s, keys, lifetime) => catalog.getProductsByIds(s, keys, headersTo(lifetime)),
      );
    cachedCatalog.listProducts = (scope: CallScope, input: ListProductsInput) =>
      cache.getOne('productList', scope, listKey(input), (s, lifetime) => catalog.listProducts(s, input, headersTo(lifetime)));
    descriptors.catalog = { value: cachedCatalog, enumerable: true };
  }
  if (declared.has('inventory')) {
    const inventory = backends.inventory;
    const cachedInventory = Object.create(inventory) as typeof inventory;
    cachedInventory.batchGetStock = (scope: CallScope, ids: readonly string[]) =>
      cache.getMany<ProductStockDto>(
        'stock',
        scope,
        ids,
        (s) => s.productId,
        (s, keys) => inventory.batchGetStock(s, keys),
      );
    descriptors.inventory = { value: cachedInventory, enumerable: true };
  }
  return Object.defineProperties({}, descriptors) as Backends & { publicCache?: PublicCache };
}

function listKey(input: ListProductsInput): string {
  return `${input.category ?? ''}|${input.sort ?? ''}|${input.limit}|${input.cursor ?? ''}`;
}

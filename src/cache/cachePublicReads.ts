import type { Backends } from '../datasources/createBackends.js';
import type { CallScope } from '../datasources/CallScope.js';
import type { ProductStockDto } from '../datasources/grpc/InventoryClient.js';
import type { ProductReviewsDto, ReviewDataDto, ReviewDataRequest, ReviewSummaryDto } from '../datasources/graphql/ReviewsApi.js';
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
  /** A product's rating summary (average, count, histogram), from the reviews backend. */
  reviewSummary: { ttlMs: 60_000, staleMs: 60_000 },
  /** A product's latest reviews, per how many were asked for (they travel with the summaries). */
  productReviews: { ttlMs: 60_000, staleMs: 60_000 },
};

export type PublicKind = 'product' | 'productList' | 'stock' | 'reviewSummary' | 'productReviews';

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
  if (!declared.has('catalog') && !declared.has('inventory') && !declared.has('reviews')) return backends;
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
  if (declared.has('reviews')) {
    const reviews = backends.reviews;
    const cachedReviews = Object.create(reviews) as typeof reviews;
    cachedReviews.getReviewData = (scope: CallScope, request: ReviewDataRequest) => reviewDataThrough(cache, scope, request, reviews);
    descriptors.reviews = { value: cachedReviews, enumerable: true };
  }
  return Object.defineProperties({}, descriptors) as Backends & { publicCache?: PublicCache };
}

/**
 * The reviews backend's one read, `getReviewData` (summaries and review lists of many products
 * in ONE GraphQL call), answered through the cache per product: summaries as `reviewSummary`,
 * lists as `productReviews` (keyed by limit and product). What neither the cache nor a call in
 * flight has still goes out as one call: every kind's fetch is asked for synchronously by
 * `getMany`, so they are gathered here and sent together. A fetch asked for later (a request
 * that joined another's call, which was cancelled) sends its own.
 */
async function reviewDataThrough(
  cache: PublicCache,
  scope: CallScope,
  request: ReviewDataRequest,
  reviews: { getReviewData(scope: CallScope, request: ReviewDataRequest): Promise<ReviewDataDto> },
): Promise<ReviewDataDto> {
  // The shared tier first, for both kinds at once; then getManyHere, which asks for its fetch
  // before it awaits anything, so that both kinds' fetches are gathered below.
  const listKeys = [...request.reviewsByLimit].map(([limit, ids]) => ({ kind: 'productReviews', keys: ids.map((id) => `${limit}|${id}`) }));
  await cache.warm([{ kind: 'reviewSummary', keys: request.summaryIds }, ...listKeys]);
  const summaryIds: string[] = [];
  const reviewsByLimit = new Map<number, string[]>();
  let sent: Promise<ReviewDataDto> | undefined;
  const gathered = () => (sent ??= reviews.getReviewData(scope, { summaryIds, reviewsByLimit }));
  let gathering = true;
  const summaries = cache.getManyHere<ReviewSummaryDto>('reviewSummary', scope, request.summaryIds, byProduct, (s, keys) => {
    if (!gathering) return reviews.getReviewData(s, { summaryIds: keys, reviewsByLimit: new Map() }).then((d) => d.summaries);
    summaryIds.push(...keys);
    return Promise.resolve()
      .then(gathered)
      .then((d) => d.summaries);
  });
  const lists = [...request.reviewsByLimit].map(async ([limit, ids]) => {
    const found = await cache.getManyHere<ProductReviewsDto>(
      'productReviews',
      scope,
      ids.map((id) => `${limit}|${id}`),
      (entry) => `${limit}|${entry.productId}`,
      (s, keys) => {
        const productIds = keys.map((key) => key.slice(key.indexOf('|') + 1));
        if (!gathering)
          return reviews
            .getReviewData(s, { summaryIds: [], reviewsByLimit: new Map([[limit, productIds]]) })
            .then((d) => d.reviews.get(limit) ?? []);
        let wanted = reviewsByLimit.get(limit);
        if (!wanted) reviewsByLimit.set(limit, (wanted = []));
        wanted.push(...productIds);
        return Promise.resolve()
          .then(gathered)
          .then((d) => d.reviews.get(limit) ?? []);
      },
    );
    return [limit, found] as const;
  });
  gathering = false;
  return Promise.all([summaries, Promise.all(lists)]).then(([s, l]) => ({ summaries: s, reviews: new Map(l) }));
}

const byProduct = (entry: { productId: string }): string => entry.productId;

function listKey(input: ListProductsInput): string {
  return `${input.category ?? ''}|${input.sort ?? ''}|${input.limit}|${input.cursor ?? ''}`;
}

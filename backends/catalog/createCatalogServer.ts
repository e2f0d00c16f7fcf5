import { createServer, type Server } from 'node:http';
import type { Product } from '../seed/createSeed.js';
import type { ServiceMonitor } from '../common/ServiceMonitor.js';
import { HttpError, sendJson, serveMonitored } from '../common/serveMonitored.js';
import { decodeCursor, decodeId, encodeCursor, parseIds } from '../common/parseIds.js';
import { catalogOpenApi } from './catalogOpenApi.js';
import type { operations as CatalogOperations } from '../../src/datasources/generated/openapi/catalog.js';

/** The listing's sorts, as the catalog's contract names them. */
type ProductSort = NonNullable<NonNullable<CatalogOperations['listProducts']['parameters']['query']>['sort']>;

export interface CatalogServerOptions {
  products: Product[];
  categories: string[];
  monitor: ServiceMonitor;
  identitySecret: string;
  /** `v2`: the second instance's ranking (rating_desc breaks ties by novelty). Default v1. */
  ranking?: 'v1' | 'v2';
  /**
   * The `Cache-Control` of its public answers, read on every answer (a test may change it while
   * the server runs); a member set to undefined sends none. Default CATALOG_CACHE_CONTROL.
   */
  cacheControl?: CatalogCacheControl;
}

/** What the catalog says a cache may do with its answers, per kind of answer. */
export interface CatalogCacheControl {
  /** Products by id (`GET /products?ids=`, `GET /products/:id`). */
  products?: string | undefined;
  /** Listing pages (`GET /products?category=&sort=…`). */
  listings?: string | undefined;
  /** `GET /categories`. */
  categories?: string | undefined;
}

/**
 * The catalog's answers are the same for every caller, so any cache may keep them: products
 * for a minute, listing pages (whose order moves with ratings) for half of one, categories for
 * five; each may then be served stale for as long again while it is fetched anew.
 */
export const CATALOG_CACHE_CONTROL: Readonly<Required<CatalogCacheControl>> = {
  products: 'public, max-age=60, stale-while-revalidate=60',
  listings: 'public, max-age=30, stale-while-revalidate=30',
  categories: 'public, max-age=300, stale-while-revalidate=300',
};

export const MAX_PRODUCT_IDS = 500;
// Every sort the contract names, and no other: `satisfies` fails tsc if the OpenAPI enum changes.
export const PRODUCT_SORTS = ['price_asc', 'price_desc', 'rating_desc', 'newest'] as const satisfies readonly ProductSort[];
type MissingSort = Exclude<ProductSort, (typeof PRODUCT_SORTS)[number]>;
const _everySort: MissingSort extends never ? true : MissingSort = true;
type Sort = (typeof PRODUCT_SORTS)[number];

const COMPARATORS: Record<Sort, (a: Product, b: Product) => number> = {
  price_asc: (a, b) => a.price.amountCents - b.price.amountCents || (a.id < b.id ? -1 : 1),
  price_desc: (a, b) => b.price.amountCents - a.price.amountCents || (a.id < b.id ? -1 : 1),
  rating_desc: (a, b) => b.rating - a.rating || b.ratingCount - a.ratingCount || (a.id < b.id ? -1 : 1),
  newest: (a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? -1 : 1),
};

/** v2's rating order: equal ratings by novelty (v1: by how many rated), so new well-rated products surface. */
const V2_RATING = (a: Product, b: Product) => b.rating - a.rating || COMPARATORS.newest(a, b);

/**
 * Returns the product ids of a listing in order. Exported so tests compute the expected
 * pages the same way the service does.
 */
export function sortProducts(products: Product[], category: string | null, sort: Sort, ranking: 'v1' | 'v2' = 'v1'): Product[] {
  const compare = ranking === 'v2' && sort === 'rating_desc' ? V2_RATING : COMPARATORS[sort];
  return products.filter((p) => category === null || p.category === category).sort(compare);
}

/**
 * Returns the catalog REST service (not yet listening). Products are immutable here, so their
 * JSON and every (category, sort) listing are computed once at start.
 */
export function createCatalogServer(options: CatalogServerOptions): Server {
  const { monitor, identitySecret: secret } = options;
  const cacheControl = options.cacheControl ?? CATALOG_CACHE_CONTROL;
  const headersOf = (value: string | undefined) => (value === undefined ? undefined : { 'cache-control': value });
  const jsonById = new Map<string, string>();
  for (const p of options.products) jsonById.set(p.id, JSON.stringify(p));
  const listings = new Map<string, string[]>();
  for (const category of [null, ...options.categories]) {
    for (const sort of PRODUCT_SORTS) {
      listings.set(
        `${category ?? ''}|${sort}`,
        sortProducts(options.products, category, sort, options.ranking).map((p) => jsonById.get(p.id)!),
      );
    }
  }
  const categoriesJson = JSON.stringify({
    categories: options.categories.map((slug) => ({
      slug,
      name: slug
        .split('-')
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join(' '),
      productCount: options.products.filter((p) => p.category === slug).length,
    })),
  });
  const openApiJson = JSON.stringify(catalogOpenApi);

  function listPage(params: URLSearchParams): string {
    const category = params.get('category') || '';
    const sort = (params.get('sort') || 'newest') as Sort;
    if (!PRODUCT_SORTS.includes(sort)) throw new HttpError(400, 'BAD_REQUEST', `sort must be one of ${PRODUCT_SORTS.join(', ')}`, 'sort');
    const limitText = params.get('limit');
    const limit = limitText === null || limitText === '' ? 20 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      throw new HttpError(400, 'BAD_REQUEST', 'limit must be an integer 1..100', 'limit');
    const cursor = params.get('cursor');
    const offset = cursor ? decodeCursor(cursor) : 0;
    if (offset === null) throw new HttpError(400, 'BAD_REQUEST', 'cursor is not one this service issued', 'cursor');
    // An unknown category is an empty listing, not an error: the value often comes from a URL.
    const listing = listings.get(`${category}|${sort}`) ?? [];
    const end = offset + limit;
    const nextCursor = end < listing.length ? JSON.stringify(encodeCursor(end)) : 'null';
    return `{"products":[${listing.slice(offset, end).join(',')}],"nextCursor":${nextCursor},"total":${listing.length}}`;
  }

  return createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (req.method === 'GET' && path === '/products') {
      const params = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
      const idsParam = params.get('ids');
      const keys = idsParam === null ? 0 : idsParam.split(',').length;
      void serveMonitored({ monitor, secret, req, res, operation: 'GET /products', keys }, () => {
        if (idsParam === null) return sendJson(res, 200, listPage(params), headersOf(cacheControl.listings));
        const parts: string[] = [];
        for (const id of parseIds(idsParam, MAX_PRODUCT_IDS)) {
          const json = jsonById.get(id);
          if (json !== undefined) parts.push(json);
        }
        sendJson(res, 200, `{"products":[${parts.join(',')}]}`, headersOf(cacheControl.products));
      });
      return;
    }
    if (req.method === 'GET' && path.startsWith('/products/')) {
      void serveMonitored({ monitor, secret, req, res, operation: 'GET /products/:id' }, () => {
        const id = decodeId(path.slice('/products/'.length));
        const json = jsonById.get(id);
        if (json === undefined) throw new HttpError(404, 'NOT_FOUND', `product ${id} not found`);
        sendJson(res, 200, json, headersOf(cacheControl.products));
      });
      return;
    }
    if (req.method === 'GET' && path === '/categories') {
      void serveMonitored({ monitor, secret, req, res, operation: 'GET /categories' }, () =>
        sendJson(res, 200, categoriesJson, headersOf(cacheControl.categories)),
      );
      return;
    }
    if (path === '/healthz') return sendJson(res, 200, '{"status":"ok"}');
    if (path === '/openapi.json') return sendJson(res, 200, openApiJson);
    sendJson(res, 404, JSON.stringify({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${path}` } }));
  });
}

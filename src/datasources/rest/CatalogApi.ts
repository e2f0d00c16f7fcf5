import { badResponse } from '../../errors/fromUpstream.js';
import type { CallScope } from '../CallScope.js';
import type { components, operations } from '../generated/openapi/catalog.js';
import type { DataSource } from '../DataSource.js';
import type { Upstream } from '../Upstream.js';
import { RestClient, type BatchGet, type ResponseHeadersSink, type RestClientOptions } from './RestClient.js';

// The catalog's types, generated from its OpenAPI document (backends/catalog/catalogOpenApi.ts,
// npm run codegen).
type Schemas = components['schemas'];
export type ProductDto = Schemas['Product'];
export type MoneyDto = ProductDto['price'];
export type CategoryDto = Schemas['Category'];
export type ProductSort = NonNullable<NonNullable<operations['listProducts']['parameters']['query']>['sort']>;
/** A page of a category listing: the `listProducts` answer without `ids`. */
export type ProductPage = Extract<operations['listProducts']['responses'][200]['content']['application/json'], { total: number }>;

type ListProductsQuery = NonNullable<operations['listProducts']['parameters']['query']>;
/** A listing's query (the contract's, without `ids`, which is the batch read's), its page size required. */
export type ListProductsInput = { [K in 'category' | 'sort' | 'cursor']?: ListProductsQuery[K] | undefined } & {
  limit: NonNullable<ListProductsQuery['limit']>;
};

const productsByIds: BatchGet<ProductDto> = { path: '/products', param: 'ids', field: 'products', keyOf: (product) => product.id };

/** The catalog backend (REST). At most `maxBatchSize` ids per `getProductsByIds` call. */
export class CatalogApi implements DataSource {
  static readonly maxBatchSize = 500;
  readonly upstream: Upstream;
  private readonly http: RestClient;

  constructor(options: Omit<RestClientOptions, 'name' | 'protocol'>) {
    this.http = new RestClient({ ...options, name: 'catalog' });
    this.upstream = this.http.upstream;
  }

  /**
   * @param onHeaders handed each answer's headers (its `Cache-Control`: src/cache/cachePublicReads).
   * @returns the products found, in any order; unknown ids are left out.
   */
  getProductsByIds(scope: CallScope, ids: readonly string[], onHeaders?: ResponseHeadersSink): Promise<ProductDto[]> {
    return this.http.getByIds(scope, productsByIds, ids, onHeaders);
  }

  /** @returns every category the catalog lists, in its order. */
  listCategories(scope: CallScope): Promise<CategoryDto[]> {
    return this.http.request<CategoryDto[]>(scope, {
      method: 'GET',
      path: '/categories',
      operation: 'GET /categories',
      keys: 1,
      check: (body) => {
        const categories = (body as { categories?: unknown } | null)?.categories;
        if (!Array.isArray(categories)) throw badResponse('catalog', 'shape');
        return categories;
      },
    });
  }

  /**
   * @param onHeaders handed the answer's headers (its `Cache-Control`: src/cache/cachePublicReads).
   * @returns one page of products, filtered and sorted by the backend.
   */
  async listProducts(scope: CallScope, input: ListProductsInput, onHeaders?: ResponseHeadersSink): Promise<ProductPage> {
    const query = new URLSearchParams({ limit: String(input.limit) });
    if (input.category) query.set('category', input.category);
    if (input.sort) query.set('sort', input.sort);
    if (input.cursor) query.set('cursor', input.cursor);
    return this.http.request<ProductPage>(scope, {
      method: 'GET',
      path: `/products?${query}`,
      operation: 'GET /products?list',
      keys: 1,
      check: (body) => {
        if (!Array.isArray((body as ProductPage | null)?.products)) throw badResponse('catalog', 'shape');
        return body;
      },
      ...(onHeaders && { onHeaders }),
    });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

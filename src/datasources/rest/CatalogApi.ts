import { badResponse } from '../../errors/fromUpstream.js';
import type { CallScope } from '../CallScope.js';
import type { DataSource } from '../DataSource.js';
import type { Upstream } from '../Upstream.js';
import { RestClient, type BatchGet, type RestClientOptions } from './RestClient.js';

export interface MoneyDto {
  amountCents: number;
  currency: string;
}

export interface ProductDto {
  id: string;
  title: string;
  description: string;
  price: MoneyDto;
  images: { thumb: string; small: string; medium: string; large: string; original: string };
  category: string;
  rating: number;
  ratingCount: number;
}

export type ProductSort = 'price_asc' | 'price_desc' | 'rating_desc' | 'newest';

export interface ListProductsInput {
  category?: string | undefined;
  sort?: ProductSort | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface CategoryDto {
  slug: string;
  name: string;
  productCount: number;
}

export interface ProductPage {
  products: ProductDto[];
  nextCursor: string | null;
  total: number;
}

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

  /** @returns the products found, in any order; unknown ids are left out. */
  getProductsByIds(scope: CallScope, ids: readonly string[]): Promise<ProductDto[]> {
    return this.http.getByIds(scope, productsByIds, ids);
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

  /** @returns one page of products, filtered and sorted by the backend. */
  async listProducts(scope: CallScope, input: ListProductsInput): Promise<ProductPage> {
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
    });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

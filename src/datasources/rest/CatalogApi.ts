import { badResponse } from '../../errors/fromUpstream.js';
import type { CallScope } from '../CallScope.js';
import { RestClient, type RestClientOptions } from './RestClient.js';

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

/** The catalog backend (REST). At most `maxBatchSize` ids per `getProductsByIds` call. */
export class CatalogApi {
  static readonly maxBatchSize = 500;
  readonly client: RestClient;

  constructor(options: Omit<RestClientOptions, 'name'>) {
    this.client = new RestClient({ name: 'catalog', ...options });
  }

  /** @returns the products found, in any order; unknown ids are left out. */
  getProductsByIds(scope: CallScope, ids: readonly string[]): Promise<ProductDto[]> {
    return this.client.getByIds<ProductDto>(scope, '/products', ids, 'products', (product) => product.id);
  }

  /** @returns every category the catalog lists, in its order. */
  async listCategories(scope: CallScope): Promise<CategoryDto[]> {
    const body = (await this.client.get(scope, '/categories', 'GET /categories', 1)) as { categories?: CategoryDto[] } | null;
    if (!Array.isArray(body?.categories)) throw badResponse('catalog', 'shape');
    return body.categories;
  }

  /** @returns one page of products, filtered and sorted by the backend. */
  async listProducts(scope: CallScope, input: ListProductsInput): Promise<ProductPage> {
    const query = new URLSearchParams({ limit: String(input.limit) });
    if (input.category) query.set('category', input.category);
    if (input.sort) query.set('sort', input.sort);
    if (input.cursor) query.set('cursor', input.cursor);
    return this.client.request<ProductPage>(scope, {
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
}

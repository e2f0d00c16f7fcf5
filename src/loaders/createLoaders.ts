import type { CallScope } from '../datasources/CallScope.js';
import type { Backends } from '../datasources/createBackends.js';
import type { ProductStockDto } from '../datasources/grpc/InventoryClient.js';
import { InventoryClient } from '../datasources/grpc/InventoryClient.js';
import type { OrderDto } from '../datasources/grpc/OrdersClient.js';
import { OrdersClient } from '../datasources/grpc/OrdersClient.js';
import type { ProductReviewsDto, ReviewSummaryDto } from '../datasources/graphql/ReviewsApi.js';
import type { ProductDto } from '../datasources/rest/CatalogApi.js';
import { CatalogApi } from '../datasources/rest/CatalogApi.js';
import type { UserDto } from '../datasources/rest/UsersApi.js';
import { UsersApi } from '../datasources/rest/UsersApi.js';
import { createLoader, type Loader } from './createLoader.js';
import { createReviewsLoaders, type KeyedLoader, type ReviewsLoaders } from './createReviewsLoaders.js';

/** The named loaders of one request, one per backend entity. Made on first use. */
export interface Loaders {
  readonly userById: Loader<UserDto>;
  readonly productById: Loader<ProductDto>;
  readonly stockByProductId: Loader<ProductStockDto>;
  readonly orderById: Loader<OrderDto>;
  /** Summaries and reviews share one loader: asked for together, they cost one call. */
  readonly reviewSummaryByProductId: KeyedLoader<ReviewSummaryDto | null>;
  /** Reviews per product, `limit` per product. */
  reviewsByProductId(limit: number): KeyedLoader<ProductReviewsDto | null>;
}

/**
 * @returns the loaders of one request, bound to its call scope. `batching: false` turns
 * every load into its own backend call: the N+1 baseline the benchmark compares with.
 */
export function createLoaders(backends: Backends, scope: CallScope, batching: boolean): Loaders {
  let userById: Loaders['userById'] | undefined;
  let productById: Loaders['productById'] | undefined;
  let stockByProductId: Loaders['stockByProductId'] | undefined;
  let orderById: Loaders['orderById'] | undefined;
  let reviews: ReviewsLoaders | undefined;

  return {
    get userById() {
      return (userById ??= createLoader({
        name: 'userById',
        upstream: 'users',
        maxBatchSize: UsersApi.maxBatchSize,
        batching,
        batch: (ids) => backends.users.getUsersByIds(scope, ids),
        keyOf: (user) => user.id,
      }));
    },
    get productById() {
      return (productById ??= createLoader({
        name: 'productById',
        upstream: 'catalog',
        maxBatchSize: CatalogApi.maxBatchSize,
        batching,
        batch: (ids) => backends.catalog.getProductsByIds(scope, ids),
        keyOf: (product) => product.id,
      }));
    },
    get stockByProductId() {
      return (stockByProductId ??= createLoader({
        name: 'stockByProductId',
        upstream: 'inventory',
        maxBatchSize: InventoryClient.maxBatchSize,
        batching,
        batch: (ids) => backends.inventory.batchGetStock(scope, ids),
        keyOf: (stock) => stock.productId,
        missing: 'null',
      }));
    },
    get orderById() {
      return (orderById ??= createLoader({
        name: 'orderById',
        upstream: 'orders',
        maxBatchSize: OrdersClient.maxBatchSize,
        batching,
        batch: (ids) => backends.orders.batchGetOrders(scope, ids),
        keyOf: (order) => order.id,
      }));
    },
    get reviewSummaryByProductId() {
      return (reviews ??= createReviewsLoaders(backends.reviews, scope, batching)).summaryByProductId;
    },
    reviewsByProductId(limit: number) {
      return (reviews ??= createReviewsLoaders(backends.reviews, scope, batching)).reviewsByProductId(limit);
    },
  };
}

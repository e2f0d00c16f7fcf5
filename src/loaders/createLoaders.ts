import { BACKENDS } from '../config/backends.js';
import type { CallScope } from '../datasources/CallScope.js';
import type { Backends } from '../datasources/createBackends.js';
import type { ProductStockDto } from '../datasources/grpc/InventoryClient.js';
import type { OrderDto } from '../datasources/grpc/OrdersClient.js';
import type { ProductReviewsDto, ReviewSummaryDto } from '../datasources/graphql/ReviewsApi.js';
import type { ProductDto } from '../datasources/rest/CatalogApi.js';
import type { ShipmentDto } from '../datasources/rest/ShippingApi.js';
import type { UserDto } from '../datasources/rest/UsersApi.js';
import { createLoader, type Loader } from './createLoader.js';
import { createReviewsLoaders, type KeyedLoader, type ReviewsLoaders } from './createReviewsLoaders.js';

/** The named loaders of one request, one per backend entity. Made on first use. */
export interface Loaders {
  readonly userById: Loader<UserDto>;
  readonly productById: Loader<ProductDto>;
  readonly stockByProductId: Loader<ProductStockDto>;
  readonly orderById: Loader<OrderDto>;
  /** An order's shipment; null for an order not shipped yet. */
  readonly shipmentByOrderId: Loader<ShipmentDto>;
  /** Summaries and reviews share one loader: asked for together, they cost one call. */
  readonly reviewSummaryByProductId: KeyedLoader<ReviewSummaryDto | null>;
  /** Reviews per product, `limit` per product. */
  reviewsByProductId(limit: number): KeyedLoader<ProductReviewsDto | null>;
}

/**
 * Each loader's `maxBatchSize` is its backend's declared batch limit (src/config/backends.ts).
 *
 * @returns the loaders of one request, bound to its call scope. `batching: false` turns
 * every load into its own backend call: the N+1 baseline the benchmark compares with.
 */
export function createLoaders(backends: Backends, scope: CallScope, batching: boolean): Loaders {
  return new RequestLoaders(backends, scope, batching);
}

/**
 * A class, not an object literal with getters: a literal's getters are closures made per
 * request, which V8 keeps in a map (hidden class) of that one object, and maps live in the old
 * generation. Each request's map then pointed from the old generation at its closures, its
 * loaders and everything they had loaded, so young collections kept all of it until the next
 * full collection (measured with `npm run bench:promotion`; docs/performance.md, "What is left").
 * Getters on a prototype are made once.
 */
class RequestLoaders implements Loaders {
  #userById: Loaders['userById'] | undefined;
  #productById: Loaders['productById'] | undefined;
  #stockByProductId: Loaders['stockByProductId'] | undefined;
  #orderById: Loaders['orderById'] | undefined;
  #shipmentByOrderId: Loaders['shipmentByOrderId'] | undefined;
  #reviews: ReviewsLoaders | undefined;

  constructor(
    private readonly backends: Backends,
    private readonly scope: CallScope,
    private readonly batching: boolean,
  ) {}

  get userById(): Loaders['userById'] {
    return (this.#userById ??= createLoader({
      name: 'userById',
      upstream: 'users',
      maxBatchSize: BACKENDS.users.maxBatchSize,
      batching: this.batching,
      batch: (ids) => this.backends.users.getUsersByIds(this.scope, ids),
      keyOf: (user) => user.id,
    }));
  }

  get productById(): Loaders['productById'] {
    return (this.#productById ??= createLoader({
      name: 'productById',
      upstream: 'catalog',
      maxBatchSize: BACKENDS.catalog.maxBatchSize,
      batching: this.batching,
      batch: (ids) => this.backends.catalog.getProductsByIds(this.scope, ids),
      keyOf: (product) => product.id,
    }));
  }

  get stockByProductId(): Loaders['stockByProductId'] {
    return (this.#stockByProductId ??= createLoader({
      name: 'stockByProductId',
      upstream: 'inventory',
      maxBatchSize: BACKENDS.inventory.maxBatchSize,
      batching: this.batching,
      batch: (ids) => this.backends.inventory.batchGetStock(this.scope, ids),
      keyOf: (stock) => stock.productId,
      missing: 'null',
    }));
  }

  get orderById(): Loaders['orderById'] {
    return (this.#orderById ??= createLoader({
      name: 'orderById',
      upstream: 'orders',
      maxBatchSize: BACKENDS.orders.maxBatchSize,
      batching: this.batching,
      batch: (ids) => this.backends.orders.batchGetOrders(this.scope, ids),
      keyOf: (order) => order.id,
    }));
  }

  get shipmentByOrderId(): Loaders['shipmentByOrderId'] {
    return (this.#shipmentByOrderId ??= createLoader({
      name: 'shipmentByOrderId',
      upstream: 'shipping',
      maxBatchSize: BACKENDS.shipping.maxBatchSize,
      batching: this.batching,
      batch: (orderIds) => this.backends.shipping.getShipmentsByOrderIds(this.scope, orderIds),
      keyOf: (shipment) => shipment.orderId,
      missing: 'null',
    }));
  }

  get reviewSummaryByProductId(): Loaders['reviewSummaryByProductId'] {
    return this.#reviewLoaders().summaryByProductId;
  }

  reviewsByProductId(limit: number): KeyedLoader<ProductReviewsDto | null> {
    return this.#reviewLoaders().reviewsByProductId(limit);
  }

  #reviewLoaders(): ReviewsLoaders {
    return (this.#reviews ??= createReviewsLoaders(this.backends.reviews, this.scope, this.batching));
  }
}

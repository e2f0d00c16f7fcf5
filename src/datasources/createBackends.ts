import { cachePublicReads } from '../cache/cachePublicReads.js';
import type { BffConfig } from '../config/loadConfig.js';
import { InventoryClient } from './grpc/InventoryClient.js';
import { OrdersClient } from './grpc/OrdersClient.js';
import { ReviewsApi } from './graphql/ReviewsApi.js';
import { CatalogApi } from './rest/CatalogApi.js';
import { UsersApi } from './rest/UsersApi.js';
import type { Upstream } from './Upstream.js';

/** The process-wide backend clients: one pool or channel per backend, shared by all requests. */
export interface Backends {
  readonly users: UsersApi;
  readonly catalog: CatalogApi;
  readonly orders: OrdersClient;
  readonly inventory: InventoryClient;
  readonly reviews: ReviewsApi;
  /** Every backend's resilience envelope, for readiness and metrics. */
  readonly upstreams: readonly Upstream[];
  close(): Promise<void>;
}

/** @returns clients for every backend named in `config.backends`. */
export function createBackends(config: BffConfig): Backends {
  const { backends: b, upstream: u } = config;
  const common = {
    retries: u.retries,
    breakerThreshold: u.breakerThreshold,
    breakerHalfOpenAfterMs: u.breakerHalfOpenMs,
  };
  const users = new UsersApi({ ...common, baseUrl: b.users.address, timeoutMs: b.users.timeoutMs, connections: u.connections });
  const catalog = new CatalogApi({ ...common, baseUrl: b.catalog.address, timeoutMs: b.catalog.timeoutMs, connections: u.connections });
  const orders = new OrdersClient({ ...common, address: b.orders.address, timeoutMs: b.orders.timeoutMs });
  const inventory = new InventoryClient({ ...common, address: b.inventory.address, timeoutMs: b.inventory.timeoutMs });
  const reviews = new ReviewsApi({ ...common, url: b.reviews.address, timeoutMs: b.reviews.timeoutMs, connections: u.connections });
  return cachePublicReads({
    users,
    catalog,
    orders,
    inventory,
    reviews,
    upstreams: [users.client.upstream, catalog.client.upstream, orders.upstream, inventory.upstream, reviews.upstream],
    async close() {
      orders.close();
      inventory.close();
      await Promise.allSettled([users.client.close(), catalog.client.close(), reviews.close()]);
    },
  }, config.cache);
}

import type { Upstream } from './Upstream.js';

/**
 * The one shape of a backend's data source, whatever its protocol (STYLE.md item 2): a class
 * per backend (`CatalogApi`, `OrdersClient`, `ReviewsApi`), one method per backend call, named
 * after it, taking the request's `CallScope` and a typed input and returning `Promise<Dto>`.
 * Each holds its protocol client privately (RestClient, GrpcClient, or RestClient posting
 * GraphQL) and shows only what the process needs of it: the resilience envelope (for
 * readiness, metrics and the breaker) and `close()`.
 */
export interface DataSource {
  /** The backend's resilience envelope: name, protocol, breaker state, last faults. */
  readonly upstream: Upstream;
  /** Closes the backend's pool or channel; calls in flight fail. */
  close(): Promise<void>;
}

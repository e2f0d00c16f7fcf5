import { cachePublicReads } from '../cache/cachePublicReads.js';
import { BACKEND_NAMES, type BackendName } from '../config/backends.js';
import type { BffConfig } from '../config/loadConfig.js';
import { ReviewsApi } from './graphql/ReviewsApi.js';
import { InventoryClient } from './grpc/InventoryClient.js';
import { OrdersClient } from './grpc/OrdersClient.js';
import { CatalogApi } from './rest/CatalogApi.js';
import { ShippingApi } from './rest/ShippingApi.js';
import { UsersApi } from './rest/UsersApi.js';
import type { OutlierDetection } from './grpc/outlierDetection.js';
import type { Upstream } from './Upstream.js';

/** What every backend client is built from: where it is (its declared setting), and the resilience settings. */
export interface BackendClientOptions {
  /** URL (REST, GraphQL) or gRPC target (host:port, dns:///host:port, ipv4:a:port,b:port). */
  address: string;
  timeoutMs: number;
  retries: number;
  breakerThreshold: number;
  breakerHalfOpenAfterMs: number;
  /** Keep-alive connections per HTTP backend (UPSTREAM_CONNECTIONS). */
  connections: number;
  /** Per-endpoint ejection for gRPC backends with several endpoints (GRPC_OUTLIER_*). */
  outlierDetection?: OutlierDetection;
}

/** How one declared backend's client is built, watched and closed. */
interface ClientFactory<Client> {
  create(options: BackendClientOptions): Client;
  /** The client's resilience envelope (breaker state for the dependency report and metrics). */
  upstreamOf(client: Client): Upstream;
  close(client: Client): void | Promise<void>;
}

const factory = <Client>(f: ClientFactory<Client>): ClientFactory<Client> => f;

/**
 * The client of each declared backend (src/config/backends.ts). Keyed by BackendName, so a
 * backend declared without a client here, or a client for an undeclared one, fails `tsc`.
 */
const CLIENTS = {
  users: factory({ create: (o) => new UsersApi({ ...o, baseUrl: o.address }), upstreamOf: (c) => c.upstream, close: (c) => c.close() }),
  catalog: factory({ create: (o) => new CatalogApi({ ...o, baseUrl: o.address }), upstreamOf: (c) => c.upstream, close: (c) => c.close() }),
  orders: factory({ create: (o) => new OrdersClient(o), upstreamOf: (c) => c.upstream, close: (c) => c.close() }),
  inventory: factory({ create: (o) => new InventoryClient(o), upstreamOf: (c) => c.upstream, close: (c) => c.close() }),
  reviews: factory({ create: (o) => new ReviewsApi({ ...o, url: o.address }), upstreamOf: (c) => c.upstream, close: (c) => c.close() }),
  shipping: factory({
    create: (o) => new ShippingApi({ ...o, baseUrl: o.address }),
    upstreamOf: (c) => c.upstream,
    close: (c) => c.close(),
  }),
} satisfies { [N in BackendName]: ClientFactory<unknown> };

/** The client type of backend `N` (`UsersApi` for `users`). */
export type ClientOf<N extends BackendName> = ReturnType<(typeof CLIENTS)[N]['create']>;

/**
 * The process-wide backend clients: one pool or channel per backend, shared by all requests.
 * Only the backends the BFF declares exist; reading another throws a TypeError that names it.
 */
export type Backends = { readonly [N in BackendName]: ClientOf<N> } & {
  /** The built backends' resilience envelopes, for the dependency report and metrics. */
  readonly upstreams: readonly Upstream[];
  close(): Promise<void>;
};

/**
 * @returns clients for the backends in `config.backends` (the BFF profile's), their public reads
 * cached and collapsed as `config.cache` says (src/cache/cachePublicReads.ts).
 */
export function createBackends(config: Pick<BffConfig, 'name' | 'backends' | 'upstream'> & Partial<Pick<BffConfig, 'cache'>>): Backends {
  const { upstream: u } = config;
  const clients = new Map<BackendName, unknown>();
  const upstreams: Upstream[] = [];
  for (const name of BACKEND_NAMES) {
    const target = config.backends[name];
    if (!target) continue;
    const f = CLIENTS[name] as ClientFactory<unknown>;
    const client = f.create({
      address: target.address,
      timeoutMs: target.timeoutMs,
      retries: u.retries,
      breakerThreshold: u.breakerThreshold,
      breakerHalfOpenAfterMs: u.breakerHalfOpenMs,
      connections: u.connections,
      outlierDetection: u.outlierDetection,
    });
    clients.set(name, client);
    upstreams.push(f.upstreamOf(client));
  }
  const backends = {
    upstreams,
    async close() {
      await Promise.allSettled([...clients].map(async ([name, client]) => (CLIENTS[name] as ClientFactory<unknown>).close(client)));
    },
  };
  for (const name of BACKEND_NAMES) {
    Object.defineProperty(backends, name, {
      enumerable: clients.has(name),
      get() {
        if (!clients.has(name))
          throw new TypeError(`bff-${config.name} does not use backend "${name}": add it to the backends of its profile`);
        return clients.get(name);
      },
    });
  }
  return cachePublicReads(backends as unknown as Backends, config.cache);
}

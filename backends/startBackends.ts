import type { Server as HttpServer } from 'node:http';
import { createServer } from 'node:http';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import { createSeed } from './seed/createSeed.js';
import { ServiceMonitor, SERVICE_NAMES, type FaultSpec, type ServiceName } from './common/ServiceMonitor.js';
import { closeHttp, listenHttp } from './common/serveMonitored.js';
import { bindGrpc, closeGrpc } from './common/admitGrpcCall.js';
import { loadShopProtos } from './common/loadShopProtos.js';
import { createUsersServer } from './users/createUsersServer.js';
import { createCatalogServer } from './catalog/createCatalogServer.js';
import { createInventoryServer } from './inventory/createInventoryServer.js';
import { createOrdersServer } from './orders/createOrdersServer.js';
import { createReviewsServer } from './reviews/createReviewsServer.js';
import { createShippingServer } from './shipping/createShippingServer.js';
import { createIdp, type Idp } from './idp/createIdp.js';
import { createAdminServer, type Monitors } from './admin/createAdminServer.js';
import { createAnalyticsService } from './analytics/createAnalyticsService.js';
import { createMemoryDedupStore, createRedisDedupStore, type DedupStore } from './common/createDedupStore.js';
import { createReturnsService } from './returns/createReturnsService.js';
import { consumerName, MemoryQueue } from '../src/messaging/MemoryQueue.js';
import type { MessageQueue } from '../src/messaging/MessageQueue.js';
import { serveQueue } from '../src/messaging/serveQueue.js';
import { Topics } from '../src/messaging/topics.js';
import { BACKEND_NAMES, BACKENDS, type BackendName } from '../src/config/backends.js';

/**
 * The harness's own servers beside the backends: `admin` (stats, faults), the IdP, the embedded
 * broker, and catalog v2 (a second instance of the catalog with its own ranking, for routing
 * canaries and experiments; not a backend of its own).
 */
const HARNESS_PORTS = { admin: 5000, idp: 5006, broker: 5007, catalogV2: 5009 } as const;

/**
 * A port per declared backend (src/config/backends.ts) and per harness server. `broker` is
 * the embedded message broker (serveQueue); 0 in the ready line when a Redis broker is used instead.
 */
export type BackendPorts = Record<BackendName | keyof typeof HARNESS_PORTS, number>;

/** Each backend on its declared port (what the BFFs' settings default to), the harness's servers on theirs. */
export const DEFAULT_BACKEND_PORTS: BackendPorts = {
  ...HARNESS_PORTS,
  ...(Object.fromEntries(BACKEND_NAMES.map((name) => [name, BACKENDS[name].defaultPort])) as Record<BackendName, number>),
};
export const EPHEMERAL_BACKEND_PORTS: BackendPorts = Object.fromEntries(
  Object.keys(DEFAULT_BACKEND_PORTS).map((name) => [name, 0]),
) as BackendPorts;
export const DEFAULT_IDENTITY_SECRET = 'dev-identity-secret-change-me';

export interface StartBackendsOptions {
  /** Bind address of every server; default 127.0.0.1. */
  host?: string;
  /** Per service; default DEFAULT_BACKEND_PORTS; 0 lets the OS choose. */
  ports?: Partial<BackendPorts>;
  /** HMAC secret of the propagated identity; default DEFAULT_IDENTITY_SECRET. */
  identitySecret?: string;
  /** IdP `iss`; default https://idp.demo.shop. */
  issuer?: string;
  /** IdP default `aud`; default shop-bff. */
  audience?: string;
  /** IdP keys in memory only; default false (persisted in .dev-keys/idp-key.json). */
  ephemeralKeys?: boolean;
  keyFile?: string;
  /** Lifetime of the IdP's OAuth access tokens; default 300 s. */
  idpAccessTokenTtlSeconds?: number;
  /** Faults in force from the start, as POST /faults takes them; default none. */
  faults?: Partial<Record<ServiceName, FaultSpec>>;
  /** Latency added to every call of every service; default 0. */
  baseLatencyMs?: number;
  /** Pause between WatchOrderStatus events; default 50 ms. */
  watchIntervalMs?: number;
  /** WatchOrderStatus cycles through the statuses forever instead of ending; default false. */
  watchRepeat?: boolean;
  /** Where the few log lines go; default stderr. */
  log?: (line: string) => void;
  /**
   * The message broker, `redis://…` (Redis Streams, shared with the BFFs). Undefined: this
   * process hosts the embedded broker (a MemoryQueue) and serves it on `ports.broker`.
   */
  brokerUrl?: string;
  /** Run the returns and analytics consumers here; default true. */
  consumers?: boolean;
  /** How long a consumer's unacknowledged message waits before another consumer takes it over; default 30000 ms. */
  claimIdleMs?: number;
  /** Orders placed here move one status on every this many ms (order events); 0 (default): only on POST /orders/advance. */
  fulfilmentIntervalMs?: number;
}

export interface RunningBackends {
  ports: BackendPorts;
  monitors: Monitors;
  idp: Idp;
  /** Closes every server. Never rejects. */
  close(): Promise<void>;
}

/**
 * Starts every demo backend and resolves when all listen. Each call builds its own seed copy,
 * so two instances (or a test's expectations) never share mutable state. Rejects, after
 * closing whatever had started, when a port cannot be bound.
 */
export async function startBackends(options: StartBackendsOptions = {}): Promise<RunningBackends> {
  const host = options.host ?? '127.0.0.1';
  const wanted = { ...DEFAULT_BACKEND_PORTS, ...options.ports };
  const secret = options.identitySecret ?? DEFAULT_IDENTITY_SECRET;
  const log = options.log ?? ((line: string) => process.stderr.write(`[backends] ${line}\n`));
  const started = Date.now();
  const seed = createSeed();
  const monitors = Object.fromEntries(SERVICE_NAMES.map((s) => [s, new ServiceMonitor(s, options.baseLatencyMs ?? 0)])) as Monitors;
  for (const [service, spec] of Object.entries(options.faults ?? {})) monitors[service as ServiceName].setFaults(spec);
  const definitions = loadShopProtos();
  const idp = await createIdp({
    issuer: options.issuer,
    audience: options.audience,
    ephemeralKeys: options.ephemeralKeys,
    keyFile: options.keyFile,
    accessTokenTtlSeconds: options.idpAccessTokenTtlSeconds,
  });

  const httpServers: HttpServer[] = [];
  const grpcServers: GrpcServer[] = [];
  const cleanups: Array<() => void> = [];
  const asyncCleanups: Array<() => Promise<void>> = [];
  async function close(): Promise<void> {
    await Promise.all([...httpServers.map(closeHttp), ...grpcServers.map(closeGrpc)]);
    for (const cleanup of cleanups) cleanup();
    for (const cleanup of asyncCleanups.reverse()) await cleanup().catch(() => {});
  }
  const http = (server: HttpServer, port: number) => {
    httpServers.push(server);
    return listenHttp(server, port, host);
  };
  const grpc = (server: GrpcServer, port: number) => {
    grpcServers.push(server);
    return bindGrpc(server, port, host);
  };

  // The broker: Redis Streams when configured, else an in-memory queue this process serves.
  const logError = (what: string) => (error: unknown) => log(`${what}: ${(error as Error)?.message ?? String(error)}`);
  let queue: MessageQueue;
  let store: DedupStore;
  const embedded = options.brokerUrl === undefined ? new MemoryQueue() : undefined;
  if (embedded) {
    queue = embedded;
    store = createMemoryDedupStore();
  } else {
    const { RedisStreamsQueue } = await import('../src/messaging/RedisStreamsQueue.js');
    queue = await RedisStreamsQueue.create({ url: options.brokerUrl!, onError: logError('broker') });
    store = await createRedisDedupStore(options.brokerUrl!, logError('dedup store'));
  }
  asyncCleanups.push(
    () => queue.close(),
    () => store.close(),
  );
  let eventSeq = 0;

  try {
    // Inventory first: the orders service needs its address for ReserveStock.
    const inventoryPort = await grpc(
      createInventoryServer({ stock: seed.stock, definition: definitions.inventory, monitor: monitors.inventory, identitySecret: secret }),
      wanted.inventory,
    );
    const connectHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    const orders = createOrdersServer({
      orders: seed.orders,
      products: seed.products,
      definitions,
      inventoryAddress: `${connectHost}:${inventoryPort}`,
      monitor: monitors.orders,
      identitySecret: secret,
      fulfilmentIntervalMs: options.fulfilmentIntervalMs ?? 0,
      publishEvent: (event) => {
        queue
          .publish(Topics.orderEvents, {
            type: event.kind === 'ORDER_PLACED' ? 'order.placed' : 'order.status_changed',
            key: `${event.order.id}:${event.order.status}:${++eventSeq}`,
            headers: {},
            body: event,
          })
          .catch(logError('order event not published'));
      },
      ...(options.watchIntervalMs !== undefined && { watchIntervalMs: options.watchIntervalMs }),
      ...(options.watchRepeat && { watchRepeat: true }),
    });
    cleanups.push(orders.close);
    const consumers: { returns?: ReturnType<typeof createReturnsService>; analytics?: ReturnType<typeof createAnalyticsService> } = {};
    if (options.consumers ?? true) {
      consumers.returns = createReturnsService({
        queue,
        store,
        identitySecret: secret,
        consumer: consumerName('returns'),
        claimIdleMs: options.claimIdleMs,
        orderOwner: orders.ownerOf,
      });
      consumers.analytics = createAnalyticsService({
        queue,
        store,
        identitySecret: secret,
        consumer: consumerName('analytics'),
        claimIdleMs: options.claimIdleMs,
      });
      asyncCleanups.push(
        () => consumers.returns!.close(),
        () => consumers.analytics!.close(),
      );
    }
    // One server per declared backend: `tsc` fails here when a declared backend has no demo service.
    const services: Record<BackendName, Promise<number>> = {
      users: http(createUsersServer({ users: seed.users, monitor: monitors.users, identitySecret: secret }), wanted.users),
      catalog: http(
        createCatalogServer({ products: seed.products, categories: seed.categories, monitor: monitors.catalog, identitySecret: secret }),
        wanted.catalog,
      ),
      orders: grpc(orders.server, wanted.orders),
      inventory: Promise.resolve(inventoryPort),
      reviews: http(
        createReviewsServer({ reviews: seed.reviews, summaries: seed.summaries, monitor: monitors.reviews, identitySecret: secret }),
        wanted.reviews,
      ),
      shipping: http(createShippingServer({ orders: seed.orders, monitor: monitors.shipping, identitySecret: secret }), wanted.shipping),
    };
    const [admin, idpPort, catalogV2, servicePorts] = await Promise.all([
      http(
        createAdminServer(monitors, {
          consumers: () => ({ returns: consumers.returns?.stats(), analytics: consumers.analytics?.stats() }),
          advanceOrders: orders.advancePlacedOrders,
        }),
        wanted.admin,
      ),
      http(createServer(idp.handleRequest), wanted.idp),
      http(
        createCatalogServer({
          products: seed.products,
          categories: seed.categories,
          monitor: monitors.catalogV2,
          identitySecret: secret,
          ranking: 'v2',
        }),
        wanted.catalogV2,
      ),
      Promise.all(BACKEND_NAMES.map(async (name) => [name, await services[name]] as const)),
    ]);
    const broker = embedded ? await http(serveQueue(embedded), wanted.broker) : 0;
    const ports: BackendPorts = {
      admin,
      idp: idpPort,
      broker,
      catalogV2,
      ...(Object.fromEntries(servicePorts) as Record<BackendName, number>),
    };
    log(`listening on ${host} in ${Date.now() - started} ms: ${JSON.stringify(ports)}`);
    return { ports, monitors, idp, close };
  } catch (err) {
    await close();
    throw err;
  }
}

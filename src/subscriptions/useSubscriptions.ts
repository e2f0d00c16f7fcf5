import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../auth/createAuthenticator.js';
import type { BffConfig } from '../config/loadConfig.js';
import type { Backends } from '../datasources/createBackends.js';
import type { OrderDto } from '../datasources/grpc/OrdersClient.js';
import type { QueuedWrites } from '../datasources/queue/QueuedWrites.js';
import type { OperationGate } from '../http/gateOperation.js';
import type { MessageQueue } from '../messaging/MessageQueue.js';
import type { Logger } from '../observability/createLogger.js';
import type { OperationPipeline } from '../operation/OperationPipeline.js';
import { admitUpgradeThrough, type ShedDecision } from './admitUpgrade.js';
import type { EventSource } from './EventSource.js';
import { createOrderStatusSource } from './createOrderStatusSource.js';
import { createQueuedOrderEvents } from './createQueuedOrderEvents.js';
import { createSubscriptionServer, type SubscriptionServer } from './createSubscriptionServer.js';
import { loadSubscriptionLimits } from './subscriptionLimits.js';

/** An order-events feed (topic `orders`): `drain()` stops taking events but delivers those taken; `close()` ends it. */
export type OrderEventsFeed = EventSource<OrderDto> & { close(): void; drain?(): void; readonly openUpstreams: number };

export interface UseSubscriptionsOptions {
  pipeline: OperationPipeline;
  config: BffConfig;
  backends: Backends;
  queued: QueuedWrites;
  /** Feeds the order events (its `orders.events` topic) unless `orderEvents` is given. */
  queue: MessageQueue;
  log: Logger;
  /** The caller verifier of HTTP (src/http/authenticate.ts), used at `connection_init`. */
  authenticate: Authenticator;
  /** The operation gate of HTTP (safelist, document shape). */
  admitOperation: OperationGate;
  /** The client's safelisted operations by SHA-256. */
  operations: ReadonlyMap<string, string>;
  /** The load shedder of HTTP (src/http/shedLoad.ts): new connections are refused while it sheds. */
  shedder: ShedDecision;
  /** Default: fed by the queue (createQueuedOrderEvents). Closed with the subscriptions either way. */
  orderEvents?: OrderEventsFeed | undefined;
}

/**
 * Subscriptions for a BFF's app, wired from what its HTTP side already has: the event sources
 * of the process (the orders service's status streams, the queue's order events), the limits
 * from the environment (subscriptionLimits.ts), and the transports (createSubscriptionServer:
 * WebSocket upgrades on /graphql, SSE on /graphql/stream), which run each operation through
 * the same pipeline, gate, authenticator and shedder as HTTP.
 *
 * @returns the transports: their metrics registry, and `close()` (drain, then close the sources).
 */
export function useSubscriptions(app: FastifyInstance, options: UseSubscriptionsOptions): SubscriptionServer {
  const { config, backends, queue, log } = options;
  const orderStatus = createOrderStatusSource({ orders: backends.orders, identitySecret: config.identitySecret });
  const orderEvents =
    options.orderEvents ??
    createQueuedOrderEvents(queue, (error) => log.warn({ err: error }, 'order events: reading the queue failed; retrying'));
  return createSubscriptionServer({
    app,
    pipeline: options.pipeline,
    config,
    backends,
    queued: options.queued,
    log,
    authenticate: options.authenticate,
    admitOperation: options.admitOperation,
    operations: options.operations,
    limits: loadSubscriptionLimits(),
    admitUpgrade: admitUpgradeThrough(options.shedder),
    sources: {
      orderStatus,
      orderEvents,
      get openUpstreams() {
        return orderStatus.openUpstreams + orderEvents.openUpstreams;
      },
      close() {
        orderStatus.close();
        orderEvents.close();
      },
      drain() {
        orderStatus.drain();
        orderEvents.drain?.();
      },
    },
  });
}

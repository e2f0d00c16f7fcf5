import { randomUUID } from 'node:crypto';
import {
  credentials,
  makeClientConstructor,
  Metadata,
  Server,
  status,
  type ServerErrorResponse,
  type ServerWritableStream,
  type ServiceDefinition,
  type ServiceError,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { BatchGetOrdersRequest__Output } from '../../src/datasources/generated/grpc/shop/orders/v1/BatchGetOrdersRequest.js';
import type { BatchGetOrdersResponse } from '../../src/datasources/generated/grpc/shop/orders/v1/BatchGetOrdersResponse.js';
import type { ListOrdersResponse } from '../../src/datasources/generated/grpc/shop/orders/v1/ListOrdersResponse.js';
import type { ListRecentOrdersRequest__Output } from '../../src/datasources/generated/grpc/shop/orders/v1/ListRecentOrdersRequest.js';
import type { ListUserOrdersRequest__Output } from '../../src/datasources/generated/grpc/shop/orders/v1/ListUserOrdersRequest.js';
import type { PlaceOrderRequest__Output } from '../../src/datasources/generated/grpc/shop/orders/v1/PlaceOrderRequest.js';
import type { PlaceOrderResponse } from '../../src/datasources/generated/grpc/shop/orders/v1/PlaceOrderResponse.js';
import type { WatchOrderStatusRequest__Output } from '../../src/datasources/generated/grpc/shop/orders/v1/WatchOrderStatusRequest.js';
import type { ReserveStockResponse__Output } from '../../src/datasources/generated/grpc/shop/inventory/v1/ReserveStockResponse.js';
import type { Order, OrderStatus, Product } from '../seed/createSeed.js';
import type { ServiceMonitor } from '../common/ServiceMonitor.js';
import { admitGrpcCall, grpcError, monitoredUnary } from '../common/admitGrpcCall.js';
import { decodeCursor, encodeCursor } from '../common/parseIds.js';
import { withCachedFrames } from '../common/withCachedFrames.js';
import { identityHeaders, type VerifiedIdentity } from '../identity/verifyIdentity.js';
import type { OrderEventBody } from '../../src/messaging/topics.js';

export interface OrdersServerOptions {
  orders: Order[];
  products: Product[];
  definitions: { orders: ServiceDefinition; inventory: ServiceDefinition };
  /** host:port of the inventory gRPC service, for ReserveStock. */
  inventoryAddress: string;
  monitor: ServiceMonitor;
  identitySecret: string;
  /** Pause between WatchOrderStatus events; default 50 ms. */
  watchIntervalMs?: number;
  /**
   * Where order events go (`orders.events`): ORDER_PLACED for each order placed, and
   * ORDER_STATUS_CHANGED as fulfilment moves it on. Fire and forget: the service never waits
   * for the broker nor fails an order because of it (a real service would write an outbox).
   */
  publishEvent?: (event: OrderEventBody) => void;
  /** Every this many ms, orders placed since start move one status on (PENDING → PAID → SHIPPED → DELIVERED); 0: never. Default 0. */
  fulfilmentIntervalMs?: number;
  /**
   * WatchOrderStatus starts over from PENDING after a final status instead of ending: a stream
   * that never ends, for load (fan-out) and slow-consumer tests. Default false.
   */
  watchRepeat?: boolean;
}

export interface OrdersServer {
  server: Server;
  /** Who placed an order; undefined for an unknown id (the returns service asks). */
  ownerOf(orderId: string): string | undefined;
  /** Moves every order placed since start one status on and publishes each change; returns how many moved. */
  advancePlacedOrders(): number;
  /** Closes the inventory client; call after the server has shut down. */
  close(): void;
}

export const MAX_BATCH_ORDER_IDS = 200;
const RESERVE_STOCK_PATH = '/shop.inventory.v1.InventoryService/ReserveStock';
const NEXT_STATUS: Partial<Record<OrderStatus, OrderStatus>> = {
  ORDER_STATUS_PENDING: 'ORDER_STATUS_PAID',
  ORDER_STATUS_PAID: 'ORDER_STATUS_SHIPPED',
  ORDER_STATUS_SHIPPED: 'ORDER_STATUS_DELIVERED',
};

// The wire types, generated from protos/ (npm run codegen): requests as the service receives
// them (`__Output`: every field present), answers as it may send them. The seed's Order is
// narrower (no UNSPECIFIED status, EUR only) and is checked against them where it is sent.
type PlaceOrderRequest = PlaceOrderRequest__Output;
type ReserveStockResponse = ReserveStockResponse__Output;

/** Returns one page of a newest-first list. Throws INVALID_ARGUMENT for a bad size or token. */
function page(list: Order[], pageSize: number, pageToken: string): ListOrdersResponse {
  if (pageSize < 0) throw grpcError(status.INVALID_ARGUMENT, 'page_size must be 1..100');
  // AIP-158: a page_size above the maximum is coerced, not refused.
  const size = pageSize === 0 ? 20 : Math.min(pageSize, 100);
  const offset = pageToken ? decodeCursor(pageToken) : 0;
  if (offset === null) throw grpcError(status.INVALID_ARGUMENT, 'page_token is not one this service issued');
  const end = offset + size;
  return { orders: list.slice(offset, end), nextPageToken: end < list.length ? encodeCursor(end) : '', totalSize: list.length };
}

/**
 * Returns the orders gRPC service (not yet bound) and a close() for its inventory client.
 * Orders placed here live in memory, newest first in every list. Garbage faults: BatchGetOrders
 * answers the right orders under wrong ids (`<id>-garbage`); every other RPC, status INTERNAL.
 */
export function createOrdersServer(options: OrdersServerOptions): OrdersServer {
  const { monitor, identitySecret: secret } = options;
  const watchIntervalMs = options.watchIntervalMs ?? 50;
  const watchRepeat = options.watchRepeat ?? false;
  const priceById = new Map(options.products.map((p) => [p.id, p.price.amountCents]));
  const byId = new Map<string, Order>();
  const byUser = new Map<string, Order[]>();
  const recent: Order[] = [];
  const recentByStatus = new Map<string, Order[]>();
  // Seed orders are ascending by time; walking them backwards builds newest-first lists.
  for (let i = options.orders.length - 1; i >= 0; i--) {
    const order = options.orders[i]!;
    byId.set(order.id, order);
    let list = byUser.get(order.userId);
    if (!list) byUser.set(order.userId, (list = []));
    list.push(order);
    recent.push(order);
    let statusList = recentByStatus.get(order.status);
    if (!statusList) recentByStatus.set(order.status, (statusList = []));
    statusList.push(order);
  }
  let nextSeq = options.orders.length + 1;
  // Orders placed through this process: the only ones fulfilment moves on (seed orders stay as seeded).
  const placedHere: Order[] = [];
  // In flight or done, per user + idempotency key: a concurrent retry awaits the same promise.
  const idempotent = new Map<string, Promise<PlaceOrderResponse>>();

  const InventoryClient = makeClientConstructor(options.definitions.inventory, 'shop.inventory.v1.InventoryService');
  const inventory = new InventoryClient(options.inventoryAddress, credentials.createInsecure());

  function reserveStock(request: unknown, incoming: Metadata): Promise<ReserveStockResponse> {
    // The caller's identity (verified when this call was admitted) goes on, re-signed for the
    // inventory call: a signature binds one backend and one call, so the BFF's is not valid there.
    const metadata = new Metadata();
    const text = (key: string) => incoming.get(key)[0]?.toString();
    const traceparent = text('traceparent');
    if (traceparent !== undefined) metadata.set('traceparent', traceparent);
    const signed = identityHeaders(secret, {
      client: text('x-bff-client') ?? '',
      userId: text('x-bff-user-id') ?? null,
      scopes: text('x-bff-scopes') ?? '',
      requestId: text('x-request-id') ?? '',
      ts: Date.now(),
      backend: 'inventory',
      call: RESERVE_STOCK_PATH,
    });
    for (const [key, value] of Object.entries(signed)) metadata.set(key, value);
    return new Promise((resolve, reject) => {
      const method = inventory['reserveStock'] as (
        req: unknown,
        md: Metadata,
        opts: object,
        cb: (err: ServiceError | null, res?: ReserveStockResponse) => void,
      ) => void;
      method.call(inventory, request, metadata, { deadline: Date.now() + 2000 }, (err, res) => (err || !res ? reject(err) : resolve(res)));
    });
  }

  function insert(order: Order): void {
    byId.set(order.id, order);
    const list = byUser.get(order.userId);
    if (list) list.unshift(order);
    else byUser.set(order.userId, [order]);
    recent.unshift(order);
    const statusList = recentByStatus.get(order.status);
    if (statusList) statusList.unshift(order);
    else recentByStatus.set(order.status, [order]);
  }

  async function placeOrder(req: PlaceOrderRequest, metadata: Metadata): Promise<PlaceOrderResponse> {
    if (req.items.length === 0) throw grpcError(status.INVALID_ARGUMENT, 'items must not be empty');
    for (const item of req.items) {
      if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > 99) {
        throw grpcError(status.INVALID_ARGUMENT, `quantity of ${item.productId} must be 1..99`);
      }
      if (!priceById.has(item.productId)) throw grpcError(status.INVALID_ARGUMENT, `unknown product ${item.productId}`);
    }
    for (const item of req.items) {
      const actual = priceById.get(item.productId)!;
      if (item.expectedUnitPriceCents !== actual) {
        return {
          priceChanged: { productId: item.productId, expectedUnitPriceCents: item.expectedUnitPriceCents, actualUnitPriceCents: actual },
        };
      }
    }
    let reservation: ReserveStockResponse;
    try {
      reservation = await reserveStock(
        {
          reservationId: req.idempotencyKey ? `${req.userId}:${req.idempotencyKey}` : randomUUID(),
          items: req.items.map((i) => ({ productId: i.productId, quantity: i.quantity })),
        },
        metadata,
      );
    } catch (err) {
      throw grpcError(status.UNAVAILABLE, `inventory: ${(err as ServiceError)?.details ?? String(err)}`);
    }
    const shortage = reservation.shortages[0];
    if (!reservation.reserved && shortage) return { outOfStock: shortage };
    const now = Date.now();
    const items = req.items.map((i) => ({ productId: i.productId, quantity: i.quantity, unitPriceCents: priceById.get(i.productId)! }));
    const order: Order = {
      id: `o-${String(nextSeq++).padStart(6, '0')}`,
      userId: req.userId,
      items,
      status: 'ORDER_STATUS_PENDING',
      createdAtMs: now,
      updatedAtMs: now,
      totalCents: items.reduce((sum, i) => sum + i.quantity * i.unitPriceCents, 0),
      currency: 'EUR',
    };
    insert(order);
    placedHere.push(order);
    options.publishEvent?.({ kind: 'ORDER_PLACED', order });
    return { placed: order };
  }

  const implementation = {
    listUserOrders: monitoredUnary<ListUserOrdersRequest__Output, ListOrdersResponse>(
      { monitor, secret, operation: 'ListUserOrders' },
      (req, identity) => {
        if (!req.userId) throw grpcError(status.INVALID_ARGUMENT, 'user_id is required');
        if (identity?.userId && identity.userId !== req.userId && !identity.scopes.includes('orders:read:all')) {
          throw grpcError(status.PERMISSION_DENIED, 'orders of another user need scope orders:read:all');
        }
        return page(byUser.get(req.userId) ?? [], req.pageSize, req.pageToken);
      },
    ),
    listRecentOrders: monitoredUnary<ListRecentOrdersRequest__Output, ListOrdersResponse>(
      { monitor, secret, operation: 'ListRecentOrders' },
      (req) => {
        const all = !req.status || req.status === 'ORDER_STATUS_UNSPECIFIED';
        return page(all ? recent : (recentByStatus.get(req.status) ?? []), req.pageSize, req.pageToken);
      },
    ),
    batchGetOrders: monitoredUnary<BatchGetOrdersRequest__Output, BatchGetOrdersResponse>(
      {
        monitor,
        secret,
        operation: 'BatchGetOrders',
        keys: (req) => req.ids.length,
        garbage: (res) => ({ orders: (res.orders ?? []).map((o) => ({ ...o, id: `${o.id}-garbage` })) }),
      },
      (req) => {
        if (req.ids.length > MAX_BATCH_ORDER_IDS) {
          throw grpcError(status.INVALID_ARGUMENT, `at most ${MAX_BATCH_ORDER_IDS} ids per call, got ${req.ids.length}`);
        }
        const orders: Order[] = [];
        for (const id of new Set(req.ids)) {
          const order = byId.get(id);
          if (order) orders.push(order);
        }
        return { orders };
      },
    ),
    placeOrder: monitoredUnary<PlaceOrderRequest, PlaceOrderResponse>(
      { monitor, secret, operation: 'PlaceOrder' },
      async (req, identity: VerifiedIdentity | null, call) => {
        if (!identity?.userId) throw grpcError(status.UNAUTHENTICATED, 'placing an order needs a signed-in identity');
        if (identity.userId !== req.userId) throw grpcError(status.PERMISSION_DENIED, 'a user can only place their own orders');
        if (!req.idempotencyKey) return placeOrder(req, call.metadata);
        const key = `${req.userId}\n${req.idempotencyKey}`;
        let pending = idempotent.get(key);
        if (!pending) {
          pending = placeOrder(req, call.metadata);
          idempotent.set(key, pending);
          // Only a placed order is remembered: a refusal or failure may be retried for real.
          pending.then(
            (r) => {
              if (!('placed' in r)) idempotent.delete(key);
            },
            () => idempotent.delete(key),
          );
        }
        return pending;
      },
    ),
    watchOrderStatus: (call: ServerWritableStream<WatchOrderStatusRequest__Output, unknown>) => {
      // Counted from the first byte of the call to its end, whoever ends it: the BFF's tests read
      // this gauge (GET /stats, orders.openStreams) to prove that clients share one stream.
      const closed = monitor.streamOpened('WatchOrderStatus');
      call.on('close', closed);
      call.on('finish', closed);
      call.on('cancelled', closed);
      void (async () => {
        const admission = await admitGrpcCall(monitor, secret, 'WatchOrderStatus', call.metadata, 0, call.getPath());
        const fail = (error: ServerErrorResponse) => {
          closed();
          call.emit('error', error);
        };
        if (admission.kind === 'error') return fail(admission.error);
        if (admission.kind === 'garbage') return fail(grpcError(status.INTERNAL, 'garbage'));
        if (call.cancelled) return closed();
        const order = byId.get(call.request.orderId);
        if (!order) return fail(grpcError(status.NOT_FOUND, `order ${call.request.orderId} not found`));
        // The service decides who may follow an order, as it does for ListUserOrders: its owner,
        // or staff holding orders:read:all.
        const identity = admission.identity;
        if (!identity?.userId) return fail(grpcError(status.UNAUTHENTICATED, 'watching an order needs a signed-in identity'));
        if (identity.userId !== order.userId && !identity.scopes.includes('orders:read:all')) {
          return fail(grpcError(status.PERMISSION_DENIED, 'orders of another user need scope orders:read:all'));
        }
        // A simulation: the stream plays the order's next statuses but does not change the
        // stored order, so lists stay the same however often an order is watched.
        let current: OrderStatus = order.status;
        call.write({ orderId: order.id, status: current, atMs: order.updatedAtMs });
        const timer = setInterval(() => {
          const next = NEXT_STATUS[current] ?? (watchRepeat ? 'ORDER_STATUS_PENDING' : undefined);
          if (!next || call.cancelled) {
            clearInterval(timer);
            if (!call.cancelled) {
              closed();
              call.end();
            }
            return;
          }
          current = next;
          call.write({ orderId: order.id, status: current, atMs: Date.now() });
        }, watchIntervalMs);
        call.on('cancelled', () => clearInterval(timer));
      })();
    },
  };

  const server = new Server();
  // Seed orders never change (WatchOrderStatus only simulates); fulfilment changes placed ones
  // in place and invalidates their cached encoding.
  const { definition, invalidate } = withCachedFrames(options.definitions.orders, {
    ListUserOrders: 'orders',
    ListRecentOrders: 'orders',
    BatchGetOrders: 'orders',
  });
  server.addService(definition, implementation as UntypedServiceImplementation);

  function advancePlacedOrders(): number {
    let moved = 0;
    for (const order of placedHere) {
      const next = NEXT_STATUS[order.status];
      if (!next) continue;
      const previousStatus = order.status;
      const before = recentByStatus.get(previousStatus);
      const at = before?.indexOf(order) ?? -1;
      if (at >= 0) before!.splice(at, 1);
      order.status = next;
      order.updatedAtMs = Date.now();
      invalidate(order);
      const after = recentByStatus.get(next);
      if (after) after.unshift(order);
      else recentByStatus.set(next, [order]);
      options.publishEvent?.({ kind: 'ORDER_STATUS_CHANGED', order, previousStatus });
      moved++;
    }
    return moved;
  }
  const fulfilment = options.fulfilmentIntervalMs ? setInterval(advancePlacedOrders, options.fulfilmentIntervalMs) : undefined;
  fulfilment?.unref();

  return {
    server,
    ownerOf: (orderId) => byId.get(orderId)?.userId,
    advancePlacedOrders,
    close: () => {
      clearInterval(fulfilment);
      inventory.close();
    },
  };
}

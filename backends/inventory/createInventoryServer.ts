import { Server, status, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { BatchGetStockRequest__Output } from '../../src/datasources/generated/grpc/shop/inventory/v1/BatchGetStockRequest.js';
import type { BatchGetStockResponse } from '../../src/datasources/generated/grpc/shop/inventory/v1/BatchGetStockResponse.js';
import type { ReserveStockRequest__Output } from '../../src/datasources/generated/grpc/shop/inventory/v1/ReserveStockRequest.js';
import type { ReserveStockResponse } from '../../src/datasources/generated/grpc/shop/inventory/v1/ReserveStockResponse.js';
import type { Shortage__Output } from '../../src/datasources/generated/grpc/shop/inventory/v1/Shortage.js';
import type { ProductStock } from '../seed/createSeed.js';
import type { ServiceMonitor } from '../common/ServiceMonitor.js';
import { grpcError, monitoredUnary } from '../common/admitGrpcCall.js';
import { withCachedFrames } from '../common/withCachedFrames.js';

export interface InventoryServerOptions {
  stock: ProductStock[];
  definition: ServiceDefinition;
  monitor: ServiceMonitor;
  identitySecret: string;
}

export const MAX_STOCK_IDS = 500;

// The wire types, generated from protos/inventory/v1/inventory.proto (npm run codegen): requests
// as the service receives them (`__Output`), answers as it may send them.
type BatchGetStockRequest = BatchGetStockRequest__Output;
type ReserveStockRequest = ReserveStockRequest__Output;
type Shortage = Shortage__Output;

/**
 * Returns the inventory gRPC service (not yet bound). Garbage faults on BatchGetStock answer
 * the right entries under wrong ids (`<id>-garbage`); on ReserveStock, status INTERNAL.
 */
export function createInventoryServer(options: InventoryServerOptions): Server {
  const { monitor, identitySecret: secret } = options;
  const byId = new Map(options.stock.map((s) => [s.productId, s]));
  // Reservations already made, so a retried ReserveStock (same id) does not take stock twice.
  const reservations = new Set<string>();
  const frames = withCachedFrames(options.definition, { BatchGetStock: 'stocks' });

  const batchGetStock = monitoredUnary<BatchGetStockRequest, BatchGetStockResponse>(
    {
      monitor,
      secret,
      operation: 'BatchGetStock',
      keys: (req) => req.productIds.length,
      garbage: (res) => ({ stocks: (res.stocks ?? []).map((s) => ({ ...s, productId: `${s.productId}-garbage` })) }),
    },
    (req) => {
      if (req.productIds.length > MAX_STOCK_IDS) {
        throw grpcError(status.INVALID_ARGUMENT, `at most ${MAX_STOCK_IDS} product_ids per call, got ${req.productIds.length}`);
      }
      const stocks: ProductStock[] = [];
      for (const id of req.productIds) {
        const s = byId.get(id);
        if (s) stocks.push(s);
      }
      return { stocks };
    },
  );

  const reserveStock = monitoredUnary<ReserveStockRequest, ReserveStockResponse>({ monitor, secret, operation: 'ReserveStock' }, (req) => {
    if (req.items.length === 0) throw grpcError(status.INVALID_ARGUMENT, 'items must not be empty');
    if (req.reservationId && reservations.has(req.reservationId)) return { reserved: true, shortages: [] };
    const wanted = new Map<string, number>();
    for (const item of req.items) {
      if (!(item.quantity >= 1)) throw grpcError(status.INVALID_ARGUMENT, `quantity of ${item.productId} must be at least 1`);
      wanted.set(item.productId, (wanted.get(item.productId) ?? 0) + item.quantity);
    }
    const shortages: Shortage[] = [];
    for (const [productId, requested] of wanted) {
      const available = byId.get(productId)?.totalAvailable ?? 0;
      if (available < requested) shortages.push({ productId, requested, available });
    }
    if (shortages.length > 0) return { reserved: false, shortages };
    // All or nothing: only now, with every item known to fit, is any stock taken.
    for (const [productId, requested] of wanted) {
      const s = byId.get(productId)!;
      let left = requested;
      for (const w of s.warehouses) {
        const take = Math.min(left, w.available);
        w.available -= take;
        w.reserved += take;
        left -= take;
      }
      s.totalAvailable -= requested;
      frames.invalidate(s);
    }
    if (req.reservationId) reservations.add(req.reservationId);
    return { reserved: true, shortages: [] };
  });

  const server = new Server();
  server.addService(frames.definition, { batchGetStock, reserveStock } as UntypedServiceImplementation);
  return server;
}

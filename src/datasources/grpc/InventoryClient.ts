import type { CallScope } from '../CallScope.js';
import { checkBatch } from '../checkBatch.js';
import type { DataSource } from '../DataSource.js';
import type { InventoryServiceDefinition } from '../generated/grpc/shop/inventory/v1/InventoryService.js';
import type { ProductStock__Output } from '../generated/grpc/shop/inventory/v1/ProductStock.js';
import type { WarehouseStock__Output } from '../generated/grpc/shop/inventory/v1/WarehouseStock.js';
import type { Upstream } from '../Upstream.js';
import { GrpcClient, type GrpcClientOptions } from './GrpcClient.js';

// The messages as this client receives them, generated from protos/inventory/v1 (npm run codegen).
export type WarehouseStockDto = WarehouseStock__Output;
export type ProductStockDto = ProductStock__Output;

/** The inventory backend (gRPC `shop.inventory.v1.InventoryService`). */
export class InventoryClient implements DataSource {
  static readonly maxBatchSize = 500;
  readonly upstream: Upstream;
  private readonly grpc: GrpcClient<InventoryServiceDefinition>;

  constructor(options: Omit<GrpcClientOptions, 'name'>) {
    this.grpc = new GrpcClient('inventory/v1/inventory.proto', 'shop.inventory.v1.InventoryService', { ...options, name: 'inventory' });
    this.upstream = this.grpc.upstream;
  }

  /** @returns stock of the products found, in any order; unknown ids are left out. */
  batchGetStock(scope: CallScope, productIds: readonly string[]): Promise<ProductStockDto[]> {
    return this.grpc.unary(scope, 'BatchGetStock', { productIds: [...productIds] }, productIds.length, true, (res) =>
      checkBatch<ProductStockDto>('inventory', res?.stocks, productIds, (stock) => stock.productId),
    );
  }

  close(): Promise<void> {
    return this.grpc.close();
  }
}

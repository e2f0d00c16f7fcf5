import type { CallScope } from '../CallScope.js';
import { checkBatch } from '../checkBatch.js';
import type { DataSource } from '../DataSource.js';
import type { Upstream } from '../Upstream.js';
import { GrpcClient, type GrpcClientOptions } from './GrpcClient.js';

export interface WarehouseStockDto {
  warehouseId: string;
  warehouseName: string;
  available: number;
  reserved: number;
}

export interface ProductStockDto {
  productId: string;
  warehouses: WarehouseStockDto[];
  totalAvailable: number;
}

/** The inventory backend (gRPC `shop.inventory.v1.InventoryService`). */
export class InventoryClient implements DataSource {
  static readonly maxBatchSize = 500;
  readonly upstream: Upstream;
  private readonly grpc: GrpcClient;

  constructor(options: Omit<GrpcClientOptions, 'name'>) {
    this.grpc = new GrpcClient('inventory/v1/inventory.proto', 'shop.inventory.v1.InventoryService', { ...options, name: 'inventory' });
    this.upstream = this.grpc.upstream;
  }

  /** @returns stock of the products found, in any order; unknown ids are left out. */
  async batchGetStock(scope: CallScope, productIds: readonly string[]): Promise<ProductStockDto[]> {
    const response = await this.grpc.unary<{ stocks: ProductStockDto[] }>(scope, 'BatchGetStock', { productIds }, productIds.length, true, (res) => ({
      stocks: checkBatch<ProductStockDto>('inventory', res?.stocks, productIds, (stock) => stock.productId),
    }));
    return response.stocks;
  }

  close(): Promise<void> {
    return this.grpc.close();
  }
}
